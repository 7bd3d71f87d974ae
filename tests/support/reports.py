# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the five report files of one audit back, each with a real parser of its format.

The one reader of reports for every test harness: the system tests (tests/system), the
integration targets (tests/integration/targets/*/, whose runme.sh puts this directory on
PYTHONPATH) and anything else that checks what a consumer of the reports sees.

Each format is parsed the way its consumer would read it (json, csv, html.parser,
xml.etree) and none of the collection's code is used, so a host that is missing, doubled
or different in one format shows up. The only thing taken from the collection is the
file name of each format, from plugins/plugin_utils/_vocabulary.py, loaded by its path
(it imports only the standard library; this directory is not an Ansible plugin).

Per-format readers return a list of (host, record) in file order, duplicates kept, so
that a test can tell "missing" from "listed twice". A record holds what that format shows
of the verdict: ``status`` always, ``reasons``, ``error_code`` and ``error_message`` where
the format carries them. :func:`read_reports` gathers all five into a :class:`ReportSet`
for counting and comparing.
"""

from __future__ import annotations

import csv
import html
import importlib.util
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

# tests/support/reports.py -> the collection root (a checkout, or the copy ansible-test stages).
ROOT = Path(__file__).resolve().parents[2]
VOCABULARY_FILE = ROOT / "plugins" / "plugin_utils" / "_vocabulary.py"


def _load_vocabulary():
    spec = importlib.util.spec_from_file_location("licensing_windows_vocabulary", VOCABULARY_FILE)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {VOCABULARY_FILE}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_VOCABULARY = _load_vocabulary()
# The formats this module reads back, one reader each, in the order the reports are written.
# The collection may write other formats too (its REPORT_FILE_NAMES lists them all); a test
# that covers one of those reads it itself.
FORMATS: tuple[str, ...] = ("json", "csv", "html", "junit", "markdown")
# format -> file name, as the collection names the file.
FILE_NAMES: dict[str, str] = {fmt: _VOCABULARY.REPORT_FILE_NAMES[fmt] for fmt in FORMATS}
# Every file a run of the role writes into its report directory: each format's, and the history.
HISTORY_FILE_NAME: str = _VOCABULARY.HISTORY_FILE_NAME
WRITTEN_FILE_NAMES: tuple[str, ...] = (*_VOCABULARY.REPORT_FILE_NAMES.values(), HISTORY_FILE_NAME)

# Columns and fields that depend on the controller's clock at collection time, so two runs
# over the same hosts a few seconds apart legitimately differ there.
CLOCK_FIELDS = ("grace_expires_at",)

# The host table of the HTML report: one <tbody data-status> per host whose first row has
# this many cells (host, status badge, reasons, method, ..., summary); the details row
# below it is one <td colspan>.
HOST_TABLE_COLUMNS = 11


# --- HTML -------------------------------------------------------------------------------


class ReportPage(HTMLParser):
    """Everything the tests read from an HTML page, in one pass.

    * ``tags``: every start tag as (name, attributes), in document order;
    * ``cells``: the text of every <td> and <th> (nested elements' text included);
    * ``hosts``: the report's host table, one entry per <tbody data-status>: ``status``,
      ``cells`` (the text of the first row's cells) and ``error`` (the text of the details'
      ``<p>Error <code>CODE</code>: MESSAGE</p>``, or None);
    * ``title``: the first text of <title>; ``scripts``: the text of every <script>.

    It reads any page, not only the report: the tests also feed it the DOM Chromium dumps.
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.cells: list[str] = []
        self.hosts: list[dict] = []
        self.scripts: list[str] = []
        self.title: str | None = None
        self._cell: list[str] | None = None  # text of the open <td>/<th>
        self._host_cell = False  # the open <td> is a cell of the host table's first row
        self._host: dict | None = None  # the open <tbody data-status>
        self._paragraph: list[str] | None = None  # text of an open <p> in a host's details
        self._in: str | None = None  # "script" or "title" while inside one

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag in ("script", "title") and self._in is None:
            self._in = tag
            if tag == "script":
                self.scripts.append("")
        if tag in ("td", "th"):
            self._cell = []
            self._host_cell = (tag == "td" and self._host is not None and "colspan" not in attributes
                               and len(self._host["cells"]) < HOST_TABLE_COLUMNS)
        elif tag == "tbody" and "data-status" in attributes:
            self._host = {"status": attributes["data-status"], "cells": [], "error": None}
        elif tag == "p" and self._host is not None and not self._host_cell and self._paragraph is None:
            self._paragraph = []

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell)
            self.cells.append(text)
            if self._host_cell and self._host is not None:
                self._host["cells"].append(text.strip())
            self._cell, self._host_cell = None, False
        elif tag == "p" and self._paragraph is not None:
            text = "".join(self._paragraph).strip()
            if self._host is not None and text.startswith("Error ") and self._host["error"] is None:
                self._host["error"] = text
            self._paragraph = None
        elif tag == "tbody" and self._host is not None:
            self.hosts.append(self._host)
            self._host = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._paragraph is not None:
            self._paragraph.append(data)
        if self._in == "script":
            self.scripts[-1] += data
        elif self._in == "title" and self.title is None:
            self.title = data

    @property
    def tag_names(self) -> set[str]:
        return {tag for tag, _attributes in self.tags}


def parse_html(text: str) -> ReportPage:
    page = ReportPage()
    page.feed(text)
    page.close()
    return page


def read_html_page(directory: Path) -> ReportPage:
    return parse_html((directory / FILE_NAMES["html"]).read_text(encoding="utf-8"))


def html_rows(page: ReportPage) -> list[tuple[str, dict]]:
    """The host table of a parsed report page as (host, record)."""
    rows = []
    for host in page.hosts:
        cells = host["cells"]
        code = message = None
        if host["error"]:
            match = re.match(r"Error (\S+): (.*)", host["error"], re.DOTALL)
            if match:
                code, message = match.group(1), match.group(2)
        rows.append((cells[0], {
            "status": host["status"],
            "badge": cells[1],
            "reasons": [reason.strip() for reason in cells[2].split(",") if reason.strip()],
            "error_code": code,
            "error_message": message,
            "cells": cells,
        }))
    return rows


def read_html(directory: Path) -> list[tuple[str, dict]]:
    return html_rows(read_html_page(directory))


# --- JSON, CSV, JUnit --------------------------------------------------------------------


def load_json(directory: Path) -> dict:
    """The JSON report as the document it is."""
    return json.loads((directory / FILE_NAMES["json"]).read_text(encoding="utf-8"))


def read_json(directory: Path) -> list[tuple[str, dict]]:
    rows = []
    for verdict in load_json(directory)["hosts"]:
        error = verdict["error"] or {}
        rows.append((verdict["host"], {
            "status": verdict["status"],
            "reasons": list(verdict["reasons"]),
            "error_code": error.get("code"),
            "error_message": error.get("message"),
        }))
    return rows


def read_csv(directory: Path) -> list[tuple[str, dict]]:
    """One (host, record) per row; ``record["row"]`` is the row as csv.DictReader gives it."""
    # utf-8-sig: the file starts with a byte order mark for Excel.
    with open(directory / FILE_NAMES["csv"], encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        (row["host"], {
            "status": row["status"],
            "reasons": [reason for reason in row["reasons"].split(";") if reason],
            "error_code": row["error_code"] or None,
            "error_message": row["error_message"] or None,
            "row": row,
        })
        for row in rows
    ]


def read_junit(directory: Path) -> list[tuple[str, dict]]:
    """One (test case name, record) per <testcase>: <error> is unknown, <failure> noncompliant, <skipped> skipped
    (waived, or gone since the baseline), none of them compliant."""
    root = ET.parse(directory / FILE_NAMES["junit"]).getroot()
    rows = []
    for case in root.iter("testcase"):
        failure, error, skipped = case.find("failure"), case.find("error"), case.find("skipped")
        if skipped is not None:
            # A waived host, or one gone since the baseline: the message says which.
            record = {"status": "skipped", "skipped": skipped.get("message") or "", "error_code": None,
                      "error_message": None, "text": skipped.text or ""}
        elif error is not None:
            record = {"status": "unknown", "error_code": error.get("type"), "error_message": error.get("message"),
                      "text": error.text or ""}
        elif failure is not None:
            record = {"status": "noncompliant", "reasons": (failure.get("type") or "").split(","), "error_code": None,
                      "error_message": None, "text": failure.text or ""}
        else:
            record = {"status": "compliant", "error_code": None, "error_message": None, "text": ""}
        rows.append((case.get("name"), record))
    return rows


# --- Markdown ----------------------------------------------------------------------------

ATTENTION_HEADING = "## Hosts that need attention"
_MARKDOWN_ESCAPE = re.compile(r"\\(.)")


def _markdown_cells(line: str) -> list[str]:
    """Split a table row on the pipes that are not escaped, then undo the cell escaping."""
    cells, current, index = [], [], 0
    body = line.strip()[1:-1]
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            current.append(body[index:index + 2])
            index += 2
            continue
        if char == "|":
            cells.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    cells.append("".join(current))
    return [html.unescape(_MARKDOWN_ESCAPE.sub(r"\1", cell.strip())) for cell in cells]


def markdown_rows(text: str) -> tuple[list[tuple[str, dict]], int]:
    """(rows of "Hosts that need attention", the N of "... and N more" or 0) of a Markdown report's text."""
    section = text.split(ATTENTION_HEADING, 1)[1]
    section = re.split(r"^## ", section, maxsplit=1, flags=re.MULTILINE)[0]  # up to the next section, if any
    rows = []
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith("| Host ") or line.startswith("| ---"):
            continue
        cells = _markdown_cells(line)
        rows.append((cells[0], {"status": cells[1], "reasons": [r.strip(" `") for r in cells[2].split(",") if r.strip()],
                                "summary": cells[3]}))
    more = re.search(r"… and (\d+) more", section)
    return rows, int(more.group(1)) if more else 0


def read_markdown(directory: Path) -> tuple[list[tuple[str, dict]], int, str]:
    """(rows of "Hosts that need attention", the N of "... and N more" or 0, the whole text)."""
    text = (directory / FILE_NAMES["markdown"]).read_text(encoding="utf-8")
    rows, more = markdown_rows(text)
    return rows, more, text


def markdown_total(text: str) -> int | None:
    """The host count of the Markdown report's first line (**N hosts**), or None."""
    total = re.search(r"\*\*(\d+) hosts?\*\*", text)
    return int(total.group(1)) if total else None


# --- all formats -------------------------------------------------------------------------


def read_all(directory: Path) -> dict[str, list[tuple[str, dict]]]:
    """Every format that lists every host: json, csv, html, junit."""
    return {
        "json": read_json(directory),
        "csv": read_csv(directory),
        "html": read_html(directory),
        "junit": read_junit(directory),
    }


@dataclass
class ReportSet:
    """What the five files of one report directory say."""

    document: dict
    csv_rows: list[dict]
    junit_cases: list[tuple[str, str]]  # (host, compliant|noncompliant|unknown)
    html_cells: Counter  # the stripped text of every <td>/<th> of the page -> how often
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


def read_reports(directory: Path) -> ReportSet:
    """The files of every format of :data:`FORMATS` in ``directory``; each must exist."""
    missing = [name for name in FILE_NAMES.values() if not (directory / name).is_file()]
    assert not missing, f"{directory}: reports not written: {missing}"
    page = read_html_page(directory)
    rows, _more, markdown = read_markdown(directory)
    total = markdown_total(markdown)
    assert total is not None, f"{directory}: the Markdown report has no host count"
    return ReportSet(
        document=load_json(directory),
        csv_rows=[record["row"] for _host, record in read_csv(directory)],
        junit_cases=[(name, record["status"]) for name, record in read_junit(directory)],
        html_cells=Counter(cell.strip() for cell in page.cells),
        markdown_total=total,
        markdown_attention=[host for host, _row in rows],
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
