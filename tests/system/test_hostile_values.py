# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile host names and CIM strings travel through the facts into every report safely.

tests/fleets/hostile_fleet.yml gives hosts names and CIM strings with HTML/JavaScript,
spreadsheet formulas, line breaks, quotes, non-ASCII text, control characters,
bidirectional overrides and a 100 KB value; one host prints hostile text instead of JSON.
The real playbook audits them, then each report is parsed back with the parser of its
format: every value must be escaped (HTML, XML), neutralised (CSV) or cut with the
marker, and the HTML report must run none of it in a real browser (headless Chromium).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_playbook, start_fleet
from reports import FILE_NAMES, html_rows, parse_html, read_csv, read_junit, read_markdown

FLEET_FILE = ROOT / "tests" / "fleets" / "hostile_fleet.yml"
LONG_VALUE = "L" * 100_000 + "END"  # 100 KB in one CIM string (the OS caption of cim-long)
MARKER = "…[truncated]"
# What the reports cut each kind of value to (docs/policy-and-reports.md).
HOST_MAX_CHARS = 255
FACT_MAX_CHARS = 256
MARKDOWN_HOST_CELL_MAX_CHARS = 100
# Characters no report may hold: C0/C1 controls, DEL, line/paragraph separators, bidi controls.
FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
FORMULA_START = ("=", "+", "-", "@")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, collections_path):
    """The hostile fleet audited once: (fleet definition, report directory)."""
    work = tmp_path_factory.mktemp("hostile")
    fleet = yaml.safe_load(FLEET_FILE.read_text(encoding="utf-8"))
    for host in fleet["hosts"]:
        if host["name"] == "cim-long":
            host["overrides"]["os"]["Caption"] = LONG_VALUE
    running = start_fleet(fleet, work / "fleet")
    try:
        reports = work / "reports"
        result = run_playbook(collections_path, running.inventory, ROOT / "playbooks" / "audit.yml",
                              "-e", json.dumps({"license_audit_report_dir": str(reports), "license_audit_host_timeout": 30}))
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    finally:
        running.stop()
    return fleet, reports


def _json(reports: Path) -> dict[str, dict]:
    return {verdict["host"]: verdict for verdict in json.loads((reports / FILE_NAMES["json"]).read_text(encoding="utf-8"))["hosts"]}


def _expected_name(name: str) -> str:
    """A host name as the reports show it: bidi controls replaced by U+FFFD (names cannot hold other controls)."""
    return re.sub("[\u202a-\u202e\u2066-\u2069]", "\ufffd", name)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_json_holds_every_value_cleaned(hostile):
    fleet, reports = hostile
    verdicts = _json(reports)
    assert sorted(verdicts) == sorted(_expected_name(host["name"]) for host in fleet["hosts"])
    for verdict in verdicts.values():
        for text in _strings(verdict):
            assert not FORBIDDEN.search(text), (verdict["host"], text[:200])
    # The values did travel: CIM strings reached the verdicts, cut where they are long.
    facts = {host: verdict["facts"] for host, verdict in verdicts.items()}
    assert facts["cim-html"]["os_caption"] == "<script>document.title='pwned-caption'</script> Windows 11 Pro"
    assert facts["cim-formula"]["edition"] == "@SUM(A1:A9)"
    assert facts["cim-lines"]["os_caption"] == "first line second line third line fourth fifth"
    assert facts["cim-control"]["edition"] == "-2+3 quote\" 'single' Ümlaut ホスト 😀"
    assert "bell" in facts["cim-control"]["os_caption"] and "evil" in facts["cim-control"]["os_caption"]
    assert facts["cim-kms"]["kms_host"].startswith("<svg onload=")
    long_caption = facts["cim-long"]["os_caption"]
    assert long_caption.endswith(MARKER) and len(long_caption) <= FACT_MAX_CHARS and long_caption.startswith("LLLL")
    long_name = next(name for name in verdicts if name.startswith("long-"))
    assert len(long_name) <= HOST_MAX_CHARS
    assert "pwned-error" in verdicts["err-hostile"]["error"]["message"]


def test_csv_cells_are_neutralised(hostile):
    _fleet, reports = hostile
    verdicts = _json(reports)
    raw = (reports / FILE_NAMES["csv"]).read_text(encoding="utf-8-sig")
    rows = read_csv(reports)
    assert len(rows) == len(verdicts)
    # One physical line per host: no value broke a row.
    assert len(raw.splitlines()) == len(verdicts) + 1
    columns = {"host": None, "os": "os_caption", "edition": "edition", "kms_host": "kms_host", "channel": "channel"}
    for host, record in rows:
        for cell in record["row"].values():
            assert not cell.lstrip(" ").startswith(FORMULA_START), (host, cell[:80])
            assert not FORBIDDEN.search(cell)
        original = verdicts[host.removeprefix("'") if host.startswith("'") else host]
        for column, fact in columns.items():
            value = original["host"] if fact is None else original["facts"][fact]
            expected = "" if value is None else ("'" + value if value.lstrip(" ").startswith(FORMULA_START) else value)
            assert record["row"][column] == expected, (host, column)
        if original["error"]:
            message = original["error"]["message"]
            assert record["row"]["error_message"] == ("'" + message if message.startswith(FORMULA_START) else message)


def test_html_escapes_every_value(hostile):
    _fleet, reports = hostile
    verdicts = _json(reports)
    page = parse_html((reports / FILE_NAMES["html"]).read_text(encoding="utf-8"))
    tags = {tag for tag, _attrs in page.tags}
    assert "img" not in tags and len(page.scripts) == 1, "a host value became markup"
    handlers = [(tag, name) for tag, attrs in page.tags for name in attrs if name.lower().startswith("on")]
    assert not handlers
    assert not any("data-pwned" in attrs for _tag, attrs in page.tags)
    assert "pwned" not in page.scripts[0]
    rows = dict(html_rows(page))
    assert sorted(rows) == sorted(verdicts)
    for host, record in rows.items():
        facts = verdicts[host]["facts"]
        cells = record["cells"]
        # Host, channel, OS and KMS host cells show the text exactly as the JSON holds it (an em dash for null).
        assert cells[0] == host
        for index, fact in ((6, "channel"), (7, "os_caption"), (9, "kms_host")):
            assert cells[index] == (facts[fact] if facts[fact] is not None else "\u2014"), (host, fact)
        if verdicts[host]["error"]:
            assert record["error_message"] == verdicts[host]["error"]["message"]


def test_junit_is_well_formed_xml_with_every_value(hostile):
    _fleet, reports = hostile
    verdicts = _json(reports)
    cases = dict(read_junit(reports))  # xml.etree refuses anything malformed
    assert sorted(cases) == sorted(verdicts)
    assert cases["err-hostile"]["error_message"] == verdicts["err-hostile"]["error"]["message"]
    assert "<script>" in cases["err-hostile"]["error_message"]  # text, escaped in the file
    raw = (reports / FILE_NAMES["junit"]).read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw


def test_markdown_escapes_every_value(hostile):
    _fleet, reports = hostile
    verdicts = _json(reports)
    rows, more, text = read_markdown(reports)
    assert more == 0
    names = [host for host, _row in rows]
    expected = []
    for host in sorted(verdicts, key=list(verdicts).index):
        if verdicts[host]["status"] == "compliant":
            continue
        limit = MARKDOWN_HOST_CELL_MAX_CHARS
        expected.append(host if len(host) <= limit else host[: limit - len(MARKER)] + MARKER)
    assert names == expected
    table = [line for line in text.split("## Hosts that need attention", 1)[1].splitlines() if line.startswith("| ")]
    for line in table:
        # Exactly four cells: no value added a column (escaped pipes do not count).
        assert len(re.findall(r"(?<!\\)\|", line)) == 5, line[:200]
    assert "<script" not in text and "<img" not in text and "<svg" not in text
    assert "](http" not in text, "a value became a Markdown link"


def _dump_dom(page: Path, profile_dir: Path) -> str:
    """The DOM of ``page`` after Chromium loaded it and ran its scripts."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--no-first-run", f"--user-data-dir={profile_dir}", "--virtual-time-budget=3000", "--dump-dom", page.as_uri()]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)  # pylint: disable=consider-using-with
    try:
        output = process.communicate(timeout=90)[0]
    finally:
        # Chromium's helper processes share its session; none may outlive the test.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert process.returncode == 0
    return output.decode("utf-8")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make system-deps installs it)")
def test_the_browser_runs_no_host_value(hostile, tmp_path):
    fleet, reports = hostile
    verdicts = _json(reports)
    # The harness can see a payload run: the same payloads, unescaped, in a page without a policy.
    control = tmp_path / "control.html"
    payloads = [host["name"] for host in fleet["hosts"] if "pwned" in host["name"]]
    control.write_text("<!DOCTYPE html><html><head><title>control</title></head><body>" + "".join(payloads) + "</body></html>",
                       encoding="utf-8")
    control_dom = parse_html(_dump_dom(control, tmp_path / "profile-control"))
    assert control_dom.title.startswith("pwned") or any("data-pwned" in attrs for _t, attrs in control_dom.tags)

    dom_text = _dump_dom((reports / FILE_NAMES["html"]).resolve(), tmp_path / "profile")
    dom = parse_html(dom_text)
    generated = json.loads((reports / FILE_NAMES["json"]).read_text(encoding="utf-8"))["generated_at"]
    assert dom.title == f"Windows license audit, {generated}"
    assert not any("data-pwned" in attrs for _tag, attrs in dom.tags)
    assert "img" not in {tag for tag, _attrs in dom.tags}
    # The page did render and its own script did run (it rewrites the count once loaded).
    assert f"{len(verdicts)} of {len(verdicts)} hosts shown" in dom_text
    bodies = [attrs for tag, attrs in dom.tags if tag == "tbody" and "data-status" in attrs]
    assert len(bodies) == len(verdicts)
    bars = [attrs for tag, attrs in dom.tags if tag == "rect"]
    assert bars and all(float(attrs["width"]) >= 0 for attrs in bars)
