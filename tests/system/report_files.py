# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the five report files of one audit into views that tests can count and compare.

Each format is parsed the way its consumer would read it (csv module, XML parser, HTML
parser), so a host that is missing, doubled or different in one format shows up.
"""

from __future__ import annotations

import csv
import html.parser
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPORT_FILES = {
    "json": "license-audit.json",
    "csv": "license-audit.csv",
    "html": "license-audit.html",
    "junit": "license-audit-junit.xml",
    "markdown": "license-audit.md",
}

# Columns and fields that depend on the controller's clock at collection time, so two runs
# over the same hosts a few seconds apart legitimately differ there.
CLOCK_FIELDS = ("grace_expires_at",)


class _TableCells(html.parser.HTMLParser):
    """The text of every <td>/<th> of a page."""

    def __init__(self):
        super().__init__()
        self.cells: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th"):
            self._in_cell = True
            self.cells.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data):
        if self._in_cell:
            self.cells[-1] += data


@dataclass
class ReportSet:
    """What the five files of one report directory say."""

    document: dict
    csv_rows: list[dict]
    junit_cases: list[tuple[str, str]]  # (host, compliant|noncompliant|unknown)
    html_cells: Counter
    markdown_total: int
    markdown_attention: list[str]  # hosts listed under "Hosts that need attention"

    @property
    def json_hosts(self) -> list[str]:
        return [record["host"] for record in self.document["hosts"]]

    def statuses(self) -> dict[str, str]:
        return {record["host"]: record["status"] for record in self.document["hosts"]}

    def host_counts(self, host: str) -> dict[str, int]:
        """How often ``host`` appears in each format (markdown: only hosts that need attention are listed)."""
        return {
            "json": self.json_hosts.count(host),
            "csv": [row["host"] for row in self.csv_rows].count(host),
            "junit": [name for name, _kind in self.junit_cases].count(host),
            "html": self.html_cells[host],
            "markdown": self.markdown_attention.count(host),
        }

    def verdicts(self) -> dict[str, dict]:
        """Every host's verdict without the clock-dependent fields, for comparing runs."""
        views = {}
        for record in self.document["hosts"]:
            view = json.loads(json.dumps(record))
            for name in CLOCK_FIELDS:
                view["facts"].pop(name, None)
            views[record["host"]] = view
        return views

    def csv_view(self) -> list[dict]:
        return [{key: value for key, value in row.items() if key not in CLOCK_FIELDS} for row in self.csv_rows]


def _markdown_attention(text: str) -> list[str]:
    hosts = []
    in_section = False
    for line in text.splitlines():
        if line.startswith("## "):
            in_section = line.strip() == "## Hosts that need attention"
            continue
        if in_section and line.startswith("| ") and not line.startswith("| Host ") and not line.startswith("| ---"):
            first_cell = line[2:].split(" | ", 1)[0]
            hosts.append(re.sub(r"\\(.)", r"\1", first_cell))
    return hosts


def read_reports(directory: Path) -> ReportSet:
    missing = [name for name in REPORT_FILES.values() if not (directory / name).is_file()]
    assert not missing, f"{directory}: reports not written: {missing}"
    document = json.loads((directory / REPORT_FILES["json"]).read_text(encoding="utf-8"))
    with open(directory / REPORT_FILES["csv"], newline="", encoding="utf-8-sig") as handle:
        csv_rows = list(csv.DictReader(handle))
    cases = []
    for case in ET.parse(directory / REPORT_FILES["junit"]).getroot().iter("testcase"):
        kind = "noncompliant" if case.find("failure") is not None else "unknown" if case.find("error") is not None else "compliant"
        cases.append((case.get("name"), kind))
    page = _TableCells()
    page.feed((directory / REPORT_FILES["html"]).read_text(encoding="utf-8"))
    markdown = (directory / REPORT_FILES["markdown"]).read_text(encoding="utf-8")
    total = re.search(r"\*\*(\d+) hosts?\*\*", markdown)
    assert total, f"{directory}: the Markdown report has no host count"
    return ReportSet(
        document=document,
        csv_rows=csv_rows,
        junit_cases=cases,
        html_cells=Counter(cell.strip() for cell in page.cells),
        markdown_total=int(total.group(1)),
        markdown_attention=_markdown_attention(markdown),
    )


def assert_every_host_once(reports: ReportSet, hosts: set[str]) -> None:
    """Every host exactly once in every format; Markdown lists exactly the hosts that need attention."""
    assert set(reports.json_hosts) == hosts, f"json hosts differ: missing {hosts - set(reports.json_hosts)}, extra {set(reports.json_hosts) - hosts}"
    attention = {host for host, status in reports.statuses().items() if status != "compliant"}
    problems = []
    for host in sorted(hosts):
        counts = reports.host_counts(host)
        expected = {"json": 1, "csv": 1, "junit": 1, "html": 1, "markdown": 1 if host in attention else 0}
        if counts != expected:
            problems.append(f"{host}: {counts} (expected {expected})")
    assert not problems, "hosts not exactly once per format:\n  " + "\n  ".join(problems)
    assert reports.document["summary"]["total"] == len(hosts) == reports.markdown_total
    assert dict(reports.junit_cases) == reports.statuses(), "JUnit verdicts differ from the JSON report"
    assert {row["host"]: row["status"] for row in reports.csv_rows} == reports.statuses(), "CSV statuses differ from the JSON report"
