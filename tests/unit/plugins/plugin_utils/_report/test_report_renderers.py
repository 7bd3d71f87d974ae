# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Each report format, parsed back with a real parser for that format."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from html.parser import HTMLParser

from ansible_collections.licensing.windows.plugins.plugin_utils._audit.verdict import verdicts
from ansible_collections.licensing.windows.plugins.plugin_utils._report import render_html as report_html
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_csv import COLUMNS, render_csv
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_html import render_html
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_json import render_json
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_junit import render_junit
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_markdown import render_markdown
from ansible_collections.licensing.windows.plugins.plugin_utils._report.model import build_report
from ansible_collections.licensing.windows.plugins.plugin_utils._report.summary import render_summary_table

GENERATED = datetime(2026, 11, 21, 10, 30, tzinfo=timezone.utc)
DAY = 1440


def facts(method="digital_license", digital=True, **extra) -> dict:
    base = {
        "collected_at": "2026-11-21T10:00:00Z",
        "license_status": "licensed",
        "license_status_reason": "0x4004F401",
        "activation": {"method": method, "digital_license": digital},
        "product": {"channel": "retail", "partial_product_key": "3V66T", "edition": "Professional"},
        "os": {"caption": "Microsoft Windows 11 Pro", "is_server": False},
        "grace_remaining_minutes": 0,
        "grace_expires_at": None,
        "firmware_key": {"present": True},
    }
    base.update(extra)
    return {"changed": False, "ansible_facts": {"windows_license": base}}


RESULTS = {
    "win-01": facts(),
    "win-02": facts("product_key", False),
    "srv-01": facts("kms", False, grace_remaining_minutes=5 * DAY, grace_expires_at="2026-11-26T10:00:00Z",
                    os={"caption": "Microsoft Windows Server 2022 Standard", "is_server": True},
                    kms={"configured_host": "kms01.example.com", "configured_port": 1688, "is_kms_host": False},
                    product={"channel": "volume_gvlk", "partial_product_key": "VMK7H", "edition": "ServerStandard"}),
    "win-03": {"failed": True, "msg": "Access is denied.", "error_code": "access_denied"},
    "win-04": {"unreachable": True, "msg": "connection refused"},
}


def make_report(results=None) -> dict:
    results = RESULTS if results is None else results
    return build_report(verdicts(list(results), results, {}), {}, GENERATED, "licensing.windows 0.1.0")


def host(report, name) -> dict:
    return next(item for item in report["hosts"] if item["host"] == name)


# ---------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------


def test_json_is_the_document_itself():
    report = make_report()
    text = render_json(report)
    assert json.loads(text) == report
    assert list(json.loads(text)) == ["schema", "generated_at", "generator", "policy", "summary", "baseline", "waivers", "hosts"]
    assert text.startswith('{\n  "schema": "licensing.windows.license_audit/2",\n')
    assert text.endswith("}\n")


def test_json_keeps_non_ascii_readable():
    results = {"hôte-東京": facts()}
    text = render_json(make_report(results))
    assert '"host": "hôte-東京"' in text


# ---------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------


def test_csv_has_one_row_per_host_with_the_documented_columns():
    report = make_report()
    text = render_csv(report)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(COLUMNS) == [
        "host", "status", "reasons", "summary", "activation_method", "digital_license", "license_status", "channel",
        "edition", "os", "is_server", "partial_product_key", "grace_days_remaining", "grace_expires_at",
        "evaluation_end_date", "kms_host", "firmware_key_present", "error_code", "error_message", "remediation",
        "change", "baseline_status", "waiver", "waiver_justification", "waiver_expires",
    ]
    assert [row[0] for row in rows[1:]] == [item["host"] for item in report["hosts"]]
    by_host = {row[0]: dict(zip(COLUMNS, row)) for row in rows[1:]}
    assert by_host["win-01"] == {
        "host": "win-01", "status": "compliant", "reasons": "", "summary": "Activated with a digital license",
        "activation_method": "digital_license", "digital_license": "true", "license_status": "licensed", "channel": "retail",
        "edition": "Professional", "os": "Microsoft Windows 11 Pro", "is_server": "false", "partial_product_key": "3V66T",
        "grace_days_remaining": "0", "grace_expires_at": "", "evaluation_end_date": "", "kms_host": "",
        "firmware_key_present": "true", "error_code": "", "error_message": "", "remediation": "",
        "change": "", "baseline_status": "", "waiver": "", "waiver_justification": "", "waiver_expires": "",
    }
    srv = by_host["srv-01"]
    assert srv["reasons"] == "grace_expiring"
    assert srv["kms_host"] == "kms01.example.com:1688"
    assert srv["grace_days_remaining"] == "5"
    assert srv["remediation"] == " | ".join(host(report, "srv-01")["remediation"])
    assert by_host["win-03"]["error_code"] == "access_denied"
    assert by_host["win-03"]["error_message"] == "Access is denied."
    assert by_host["win-04"]["digital_license"] == ""  # null stays empty, not "None"


def test_csv_uses_crlf_line_ends():
    text = render_csv(make_report())
    assert text.count("\r\n") == len(make_report()["hosts"]) + 1
    assert "\n" not in text.replace("\r\n", "")


# ---------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------


class PageParser(HTMLParser):
    """Collects what the structural checks need: tags with their attributes, and element text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.stack = []
        self.texts = {}
        self.current = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style", "title"):
            self.current = []
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self.texts.setdefault(tag, []).append("".join(self.current))
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_data(self, data):
        self.current.append(data)

    def find(self, tag, **attrs):
        return [found for name, found in self.tags if name == tag and all(found.get(k) == v for k, v in attrs.items())]


def parse_page(text: str) -> PageParser:
    parser = PageParser()
    parser.feed(text)
    parser.close()
    return parser


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def test_html_is_one_self_contained_page_with_a_strict_csp():
    page = render_html(make_report())
    parsed = parse_page(page)
    assert page.startswith("<!DOCTYPE html>")
    assert len(parsed.texts["style"]) == 1 and len(parsed.texts["script"]) == 1
    style, script = parsed.texts["style"][0], parsed.texts["script"][0]
    policy = parsed.find("meta", **{"http-equiv": "Content-Security-Policy"})[0]["content"]
    assert policy == (f"default-src 'none'; style-src {sha256_source(style)}; script-src {sha256_source(script)}; "
                      "img-src 'none'; connect-src 'none'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'")
    # Nothing is loaded from anywhere: no external references of any kind.
    for tag, attrs in parsed.tags:
        assert not {"src", "href", "srcset", "action", "background", "poster", "data"} & set(attrs), (tag, attrs)
        assert tag not in ("link", "img", "iframe", "object", "embed", "base", "form")
    assert not re.search(r"(?i)https?:|//[a-z0-9]|@import|url\(", page)


def test_html_summary_counts_and_charts():
    parsed = parse_page(render_html(make_report()))
    svgs = parsed.find("svg")
    assert len(svgs) == 2 and all(svg["role"] == "img" for svg in svgs)
    bars = parsed.find("rect")
    # 3 statuses, then 4 methods: digital_license, product_key, kms and not_collected (the two unknown hosts)
    assert [rect["class"] for rect in bars[:3]] == ["bar compliant", "bar noncompliant", "bar unknown"]
    assert len(bars) == 3 + 4
    assert {rect["class"] for rect in bars[3:]} == {"bar"}
    widths = [int(rect["width"]) for rect in bars[:3]]
    assert widths == [130, 260, 260]  # 1, 2 and 2 hosts: the largest count gets the full bar


def test_html_host_table_is_sortable_and_filterable():
    report = make_report()
    page = render_html(report)
    parsed = parse_page(page)
    headers = parsed.find("th", scope="col")
    assert len(headers) == 11
    assert [attrs.get("data-type") for attrs in headers].count("number") == 1
    assert len(parsed.find("button", type="button")) == 11
    assert parsed.find("input", id="host-filter", type="search")
    assert [attrs["value"] for attrs in parsed.find("option")] == ["", "compliant", "noncompliant", "unknown"]
    bodies = [attrs for tag, attrs in parsed.tags if tag == "tbody" and "data-status" in attrs]
    assert [body["data-status"] for body in bodies] == [item["status"] for item in report["hosts"]]
    assert all(body["data-search"] == body["data-search"].lower() for body in bodies)
    assert "access is denied." in bodies[[item["host"] for item in report["hosts"]].index("win-03")]["data-search"]
    assert parsed.find("table", id="hosts")
    assert parsed.texts["script"][0] == report_html.static_asset(report_html.SCRIPT_NAME)


def test_html_details_rows_carry_reasons_and_remediation():
    report = make_report()
    page = render_html(report)
    assert page.count("<details>") == len(report["hosts"])
    steps = sum(len(item["remediation"]) for item in report["hosts"])
    ordered_items = re.findall(r"<ol>\n(.*?)</ol>", page, re.S)
    assert sum(block.count("<li>") for block in ordered_items) == steps
    assert "<code>grace_expiring</code>: the activation, grace or evaluation period ends" in page
    assert "Error <code>access_denied</code>: Access is denied." in page
    assert "<dt>allow_evaluation</dt><dd>false</dd>" in page and "<dt>expected_kms_hosts</dt><dd>(any)</dd>" in page


def test_static_assets_cannot_close_their_own_elements():
    assert "</style" not in report_html.static_asset(report_html.STYLESHEET_NAME).lower()
    assert "</script" not in report_html.static_asset(report_html.SCRIPT_NAME).lower()
    assert "<!--" not in report_html.static_asset(report_html.SCRIPT_NAME)


# ---------------------------------------------------------------------------------------
# JUnit
# ---------------------------------------------------------------------------------------


def test_junit_has_one_testcase_per_host():
    report = make_report()
    root = ET.fromstring(render_junit(report).encode("utf-8"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    assert suite.get("name") == "licensing.windows.license_audit"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "2", "2")
    assert suite.get("timestamp") == "2026-11-21T10:30:00Z"
    cases = suite.findall("testcase")
    assert [(case.get("classname"), case.get("name")) for case in cases] == [("license_audit", item["host"]) for item in report["hosts"]]
    by_name = {case.get("name"): case for case in cases}
    assert len(by_name["win-01"]) == 0  # compliant: passes
    failure = by_name["win-02"].find("failure")
    assert failure.get("message") == "Activated with a product key (retail); not a digital entitlement"
    assert failure.get("type") == "not_digital_entitlement"
    assert "Reasons: not_digital_entitlement" in failure.text
    assert "1. On the PC, open Settings > System > Activation" in failure.text
    error = by_name["win-03"].find("error")
    assert (error.get("type"), error.get("message")) == ("access_denied", "Access is denied.")
    assert "Remediation:" in error.text
    assert by_name["win-04"].find("error").get("type") == "unreachable"
    properties = {prop.get("name"): prop.get("value") for prop in suite.find("properties")}
    assert properties["policy.entitled_methods"] == "digital_license,subscription,oem_firmware_key"
    assert properties["policy.allow_evaluation"] == "false"


# ---------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------


def table_rows(markdown: str, header: str) -> list[list[str]]:
    lines = markdown.splitlines()
    start = lines.index(header)
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


def test_markdown_summary_tables():
    report = make_report()
    text = render_markdown(report)
    assert text.startswith("# Windows license audit\n\n**5 hosts**: 1 compliant, 2 noncompliant, 2 unknown.")
    assert table_rows(text, "| Status | Hosts |") == [["compliant", "1"], ["noncompliant", "2"], ["unknown", "2"]]
    assert table_rows(text, "| Method | Hosts |") == [
        ["digital\\_license", "1"], ["product\\_key", "1"], ["kms", "1"], ["not\\_collected", "2"],
    ]
    assert table_rows(text, "| Reason | Hosts |") == [
        ["`not_digital_entitlement`", "1"], ["`grace_expiring`", "1"], ["`unreachable`", "1"], ["`collection_failed`", "1"],
    ]
    attention = table_rows(text, "| Host | Status | Reasons | Summary |")
    assert [row[:3] for row in attention] == [
        ["srv-01", "noncompliant", "`grace_expiring`"],
        ["win-02", "noncompliant", "`not_digital_entitlement`"],
        ["win-03", "unknown", "`collection_failed`"],
        ["win-04", "unknown", "`unreachable`"],
    ]
    assert attention[1][3] == "Activated with a product key \\(retail\\); not a digital entitlement"


def test_markdown_caps_the_host_table():
    results = {f"win-{n:03}": facts("product_key", False) for n in range(7)}
    text = render_markdown(make_report(results), max_rows=3)
    assert len(table_rows(text, "| Host | Status | Reasons | Summary |")) == 3
    assert "… and 4 more (the HTML and CSV reports list every host)." in text


def test_markdown_when_everything_is_fine():
    assert "All hosts are compliant." in render_markdown(make_report({"win-01": facts()}))
    assert "No hosts in this report." in render_markdown(make_report({}))


# ---------------------------------------------------------------------------------------
# Plain-text summary table
# ---------------------------------------------------------------------------------------


def test_summary_table_lists_hosts_that_need_attention():
    text = render_summary_table(make_report())
    lines = text.splitlines()
    assert lines[0] == "License audit: 5 hosts: 1 compliant, 2 noncompliant, 2 unknown"
    assert lines[1].split() == ["HOST", "STATUS", "METHOD", "REASONS"]
    assert [line.split()[:2] for line in lines[2:]] == [
        ["srv-01", "noncompliant"], ["win-02", "noncompliant"], ["win-03", "unknown"], ["win-04", "unknown"],
    ]
    # Fixed-width columns: every row starts its STATUS column at the same place.
    assert len({line.index(line.split()[1]) for line in lines[1:]}) == 1


def test_summary_table_caps_and_all_good():
    results = {f"win-{n:03}": facts("product_key", False) for n in range(60)}
    text = render_summary_table(make_report(results))
    assert len(text.splitlines()) == 2 + 50 + 1
    assert text.splitlines()[-1] == "… and 10 more hosts that need attention (see the reports)"
    assert render_summary_table(make_report({"a": facts()})) == "License audit: 1 host: 1 compliant, 0 noncompliant, 0 unknown\nAll hosts are compliant.\n"
