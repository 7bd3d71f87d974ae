#!/usr/bin/env python
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check the five reports of one audit: every inventory host once, with its expected verdict,
in every format, and values from hosts escaped for each format."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

# tests/support, which runme.sh puts on PYTHONPATH: the report reader every test harness shares.
from reports import FILE_NAMES, load_json, parse_html, read_csv, read_junit

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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
    report = load_json(report_dir)
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
    csv_status = {}
    for _host, record in read_csv(report_dir):
        row = record["row"]
        name = row["host"]
        original = name[1:] if name.startswith("'") and name[1:].startswith(FORMULA_PREFIXES) else name
        csv_status[original] = row["status"]
        for column, cell in row.items():
            if cell and cell.startswith(FORMULA_PREFIXES):
                problems.append(f"csv: cell {column}={cell[:40]!r} starts with a formula prefix")
    if csv_status != {h: r["status"] for h, r in records.items()}:
        problems.append("csv: hosts/statuses differ from the JSON report")

    # JUnit: one testcase per host; failure for noncompliant, error for unknown.
    junit = {name: record["status"] for name, record in read_junit(report_dir)}
    if junit != {h: r["status"] for h, r in records.items()}:
        problems.append(f"junit: testcases differ from the JSON report: {sorted(set(junit.items()) ^ {(h, r['status']) for h, r in records.items()})}")

    # HTML: no element smuggled in by a host value; every host name shown as text.
    text = (report_dir / FILE_NAMES["html"]).read_text(encoding="utf-8")
    page = parse_html(text)
    if "img" in page.tag_names:
        problems.append("html: an <img> element made it into the page")
    if "<script>alert" in text:
        problems.append("html: a host's <script> made it into the page unescaped")
    for host in hosts:
        if host not in page.cells:
            problems.append(f"html: no table cell holds the host name {host!r}")
    if "http://" in text.replace("http://www.w3.org/2000/svg", "") or "https://" in text:
        problems.append("html: the page refers to a network resource")

    # Markdown: every non-compliant or unknown host listed; table cells keep their shape.
    markdown = (report_dir / FILE_NAMES["markdown"]).read_text(encoding="utf-8")
    for line in markdown.splitlines():
        if line.startswith("|") and "<script>" in line:
            problems.append("markdown: raw <script> in a table row")

    if problems:
        print(f"{scenario}: {len(problems)} problem(s):\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(f"{scenario}: {len(hosts)} hosts checked in {len(FILE_NAMES)} formats")
    return 0


if __name__ == "__main__":
    sys.exit(main())
