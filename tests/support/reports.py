# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read every report format back with a real parser of that format, one row per host.

The system tests check what a reader of each file sees, so each reader uses the parser a
consumer would (json, csv, html.parser, xml.etree) and none uses the collection's code.
Each reader returns a list of (host, record) in file order, duplicates kept, so that a
test can tell "missing" from "listed twice". A record holds what that format shows of
the verdict: ``status`` always, ``reasons``, ``error_code`` and ``error_message`` where
the format carries them.
"""

from __future__ import annotations

import csv
import html
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

FILE_NAMES = {
    "json": "license-audit.json",
    "csv": "license-audit.csv",
    "html": "license-audit.html",
    "junit": "license-audit-junit.xml",
    "markdown": "license-audit.md",
}


def read_json(directory: Path) -> list[tuple[str, dict]]:
    document = json.loads((directory / FILE_NAMES["json"]).read_text(encoding="utf-8"))
    rows = []
    for verdict in document["hosts"]:
        error = verdict["error"] or {}
        rows.append((verdict["host"], {
            "status": verdict["status"],
            "reasons": list(verdict["reasons"]),
            "error_code": error.get("code"),
            "error_message": error.get("message"),
        }))
    return rows


def read_csv(directory: Path) -> list[tuple[str, dict]]:
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


class _HostTableParser(HTMLParser):
    """Collects the host table: one <tbody data-status> per host, the name in <td class="host-name">,
    the reasons in the third cell, the error in the details' <p>Error <code>CODE</code>: MESSAGE</p>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hosts: list[dict] = []
        self._current: dict | None = None
        self._cell = -1
        self._capture: str | None = None
        self._text: list[str] = []
        self._in_error_p = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "tbody" and "data-status" in attributes:
            self._current = {"status": attributes["data-status"], "cells": [], "error": None}
            self._cell = -1
        elif self._current is None:
            return
        elif tag == "td" and self._current is not None and len(self._current["cells"]) < 11 and "colspan" not in attributes:
            self._capture, self._text = "cell", []
        elif tag == "p" and self._capture is None:
            self._capture, self._text, self._in_error_p = "p", [], True

    def handle_endtag(self, tag):
        if self._current is None:
            return
        if tag == "td" and self._capture == "cell":
            self._current["cells"].append("".join(self._text).strip())
            self._capture = None
        elif tag == "p" and self._capture == "p":
            text = "".join(self._text).strip()
            if text.startswith("Error ") and self._current["error"] is None:
                self._current["error"] = text
            self._capture, self._in_error_p = None, False
        elif tag == "tbody":
            self.hosts.append(self._current)
            self._current = None

    def handle_data(self, data):
        if self._capture:
            self._text.append(data)


def read_html(directory: Path) -> list[tuple[str, dict]]:
    parser = _HostTableParser()
    parser.feed((directory / FILE_NAMES["html"]).read_text(encoding="utf-8"))
    parser.close()
    rows = []
    for host in parser.hosts:
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


def read_junit(directory: Path) -> list[tuple[str, dict]]:
    root = ET.parse(directory / FILE_NAMES["junit"]).getroot()
    rows = []
    for case in root.iter("testcase"):
        failure, error = case.find("failure"), case.find("error")
        if error is not None:
            record = {"status": "unknown", "error_code": error.get("type"), "error_message": error.get("message"),
                      "text": error.text or ""}
        elif failure is not None:
            record = {"status": "noncompliant", "reasons": (failure.get("type") or "").split(","), "error_code": None,
                      "error_message": None, "text": failure.text or ""}
        else:
            record = {"status": "compliant", "error_code": None, "error_message": None, "text": ""}
        rows.append((case.get("name"), record))
    return rows


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


def read_markdown(directory: Path) -> tuple[list[tuple[str, dict]], int, str]:
    """(rows of "Hosts that need attention", the N of "... and N more" or 0, the whole text)."""
    text = (directory / FILE_NAMES["markdown"]).read_text(encoding="utf-8")
    section = text.split("## Hosts that need attention", 1)[1]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith("| Host ") or line.startswith("| ---"):
            continue
        cells = _markdown_cells(line)
        rows.append((cells[0], {"status": cells[1], "reasons": [r.strip(" `") for r in cells[2].split(",") if r.strip()],
                                "summary": cells[3]}))
    more = re.search(r"… and (\d+) more", section)
    return rows, int(more.group(1)) if more else 0, text


def read_all(directory: Path) -> dict[str, list[tuple[str, dict]]]:
    """Every format that lists every host: json, csv, html, junit."""
    return {
        "json": read_json(directory),
        "csv": read_csv(directory),
        "html": read_html(directory),
        "junit": read_junit(directory),
    }
