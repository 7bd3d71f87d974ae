# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Check tonight's reports against expectations.yml: every host's change, its waiver, the gone host, in every format.

    check_over_time.py REPORT_DIR EXPECTATIONS.yml {changes|waivers}
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from reports import load_json, read_csv, read_junit, read_markdown  # tests/support, on PYTHONPATH


def main(directory: Path, expectations: dict, what: str) -> None:
    report = load_json(directory)
    hosts = {verdict["host"]: verdict for verdict in report["hosts"]}
    csv_rows = {host: record["row"] for host, record in read_csv(directory)}
    junit = dict(read_junit(directory))
    markdown = read_markdown(directory)[2]
    problems = []

    def expect(condition, message):
        if not condition:
            problems.append(message)

    # Change since the baseline: JSON, CSV, JUnit properties, Markdown's opening section.
    for host, change in expectations["change"].items():
        expect(hosts[host]["change"] == change, f"json: {host} change {hosts[host]['change']!r}, expected {change!r}")
        expect(csv_rows[host]["change"] == change, f"csv: {host} change {csv_rows[host]['change']!r}, expected {change!r}")
    for host in expectations["gone"]:
        expect(host not in hosts, f"json: gone host {host} is among the audited hosts")
        expect([item["host"] for item in report["baseline"]["gone"]] == expectations["gone"], f"json: gone {report['baseline']['gone']}")
        expect(csv_rows.get(host, {}).get("change") == "gone", f"csv: {host} has no 'gone' row")
        expect(junit.get(host, {}).get("skipped", "").startswith("gone since the baseline"), f"junit: {host} is not a gone test case")
        expect(f"| {host} |" in markdown.split("## Hosts by status", maxsplit=1)[0], f"markdown: {host} is not listed as gone before the counts")
    counts = report["summary"]["by_change"]
    for change in ("new", "regressed", "resolved", "unchanged", "gone"):
        expected = sum(1 for value in expectations["change"].values() if value == change) + (
            len(expectations["gone"]) if change == "gone" else 0)
        expect(counts[change] == expected, f"json: by_change.{change} is {counts[change]}, expected {expected}")
    opening = markdown.split("## Hosts by status", maxsplit=1)[0]
    for host, change in expectations["change"].items():
        if change in ("new", "regressed"):
            expect(f"| {host} | {change} |" in opening, f"markdown: {change} host {host} is not in the opening section")

    if what == "waivers":
        for host, state in expectations["waiver"].items():
            waiver = hosts[host]["waiver"]
            expect((waiver or {}).get("state") == state, f"json: {host} waiver {waiver}, expected state {state!r}")
            expect((csv_rows[host]["waiver"] or None) == state, f"csv: {host} waiver column {csv_rows[host]['waiver']!r}")
            if state == "active":
                expect(junit[host].get("skipped", "").startswith("waived ("), f"junit: waived {host} is not skipped: {junit[host]}")
                expect(hosts[host]["status"] != "compliant", f"json: waived {host} lost its real status")
            elif hosts[host]["status"] == "noncompliant":
                expect(junit[host]["status"] == "noncompliant", f"junit: {host} should still fail: {junit[host]}")
        expect(report["waivers"]["stale"] == expectations["stale"], f"json: stale waivers {report['waivers']['stale']}")
        expect(report["waivers"]["expired"] == expectations["expired"], f"json: expired waivers {report['waivers']['expired']}")
        for waiver_id in expectations["stale"] + expectations["expired"]:
            expect(waiver_id in opening, f"markdown: waiver {waiver_id} is not named in the waivers section")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    print(f"{directory.name}: changes{' and waivers' if what == 'waivers' else ''} right in JSON, CSV, JUnit and Markdown")


if __name__ == "__main__":
    main(Path(sys.argv[1]), yaml.safe_load(Path(sys.argv[2]).read_text(encoding="utf-8")), sys.argv[3])
