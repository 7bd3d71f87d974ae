#!/usr/bin/env python
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check the five reports of one audit: every inventory host once, with its expected verdict,
in every format, and values from hosts escaped for each format."""

from __future__ import annotations

import csv
import html.parser
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class _TableRows(html.parser.HTMLParser):
    """Collects the text of every <td>, and every tag name, of the HTML report."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.cells: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_cell = tag in ("td", "th")
        if self._in_cell:
            self.cells.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data):
        if self._in_cell:
            self.cells[-1] += data


def main() -> int:
    report_dir, expectations_path, scenario, inventory_path = (Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))
    expected = yaml.safe_load(expectations_path.read_text(encoding="utf-8"))[scenario]
    inventory = yaml.safe_load(inventory_path.read_text(encoding="utf-8"))
    hosts = set()

    def walk(group):
        hosts.update((group.get("hosts") or {}).keys())
        for child in (group.get("children") or {}).values():
            walk(child or {})

    walk(inventory["all"])
    problems = []

    # JSON: the source of truth for statuses.
    report = json.loads((report_dir / "license-audit.json").read_text(encoding="utf-8"))
    records = {}
    for record in report["hosts"]:
        if record["host"] in records:
            problems.append(f"json: {record['host']!r} appears twice")
        records[record["host"]] = record
    if set(records) != hosts:
        problems.append(f"json: hosts differ from the inventory: missing {sorted(hosts - set(records))}, extra {sorted(set(records) - hosts)}")
    for host, want in expected.items():
        got = records.get(host)
        if got is None:
            problems.append(f"json: {host!r} missing")
            continue
        if got["status"] != want["status"]:
            problems.append(f"json: {host!r} is {got['status']} {got['reasons']}, expected {want['status']}")
        for reason in want.get("reasons", []):
            if reason not in got["reasons"]:
                problems.append(f"json: {host!r} lacks reason {reason} (has {got['reasons']})")
        if "error_code" in want and (got.get("error") or {}).get("code") != want["error_code"]:
            problems.append(f"json: {host!r} error {got.get('error')}, expected code {want['error_code']}")
        failed_to_collect = {"unreachable", "collection_failed"} & set(got["reasons"])
        if failed_to_collect and not (got.get("error") or {}).get("message"):
            problems.append(f"json: host {host!r} ({sorted(failed_to_collect)}) has no error message")
    counts = report["summary"]["by_status"]
    if sum(counts.values()) != len(hosts) or report["summary"]["total"] != len(hosts):
        problems.append(f"json: summary counts {report['summary']} do not add up to {len(hosts)} hosts")

    # CSV: one row per host, statuses equal, formula prefixes neutralised in every cell.
    with open(report_dir / "license-audit.csv", newline="", encoding="utf-8-sig") as handle:  # BOM for Excel
        rows = list(csv.DictReader(handle))
    csv_status = {}
    for row in rows:
        name = row["host"]
        original = name[1:] if name.startswith("'") and name[1:].startswith(FORMULA_PREFIXES) else name
        csv_status[original] = row["status"]
        for column, cell in row.items():
            if cell and cell.startswith(FORMULA_PREFIXES):
                problems.append(f"csv: cell {column}={cell[:40]!r} starts with a formula prefix")
    if csv_status != {h: r["status"] for h, r in records.items()}:
        problems.append("csv: hosts/statuses differ from the JSON report")

    # JUnit: one testcase per host; failure for noncompliant, error for unknown.
    suite = ET.parse(report_dir / "license-audit-junit.xml").getroot()
    cases = suite.iter("testcase")
    junit = {}
    for case in cases:
        kind = "noncompliant" if case.find("failure") is not None else "unknown" if case.find("error") is not None else "compliant"
        junit[case.get("name")] = kind
    if junit != {h: r["status"] for h, r in records.items()}:
        problems.append(f"junit: testcases differ from the JSON report: {sorted(set(junit.items()) ^ {(h, r['status']) for h, r in records.items()})}")

    # HTML: no element smuggled in by a host value; every host name shown as text.
    text = (report_dir / "license-audit.html").read_text(encoding="utf-8")
    parser = _TableRows()
    parser.feed(text)
    if "img" in parser.tags:
        problems.append("html: an <img> element made it into the page")
    if "<script>alert" in text:
        problems.append("html: a host's <script> made it into the page unescaped")
    for host in hosts:
        if host not in parser.cells:
            problems.append(f"html: no table cell holds the host name {host!r}")
    if "http://" in text.replace("http://www.w3.org/2000/svg", "") or "https://" in text:
        problems.append("html: the page refers to a network resource")

    # Markdown: every non-compliant or unknown host listed; table cells keep their shape.
    markdown = (report_dir / "license-audit.md").read_text(encoding="utf-8")
    for line in markdown.splitlines():
        if line.startswith("|") and "<script>" in line:
            problems.append("markdown: raw <script> in a table row")

    if problems:
        print(f"{scenario}: {len(problems)} problem(s):\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(f"{scenario}: {len(hosts)} hosts checked in 5 formats")
    return 0


if __name__ == "__main__":
    sys.exit(main())
