# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CSV report, license-audit.csv: one row per host, for spreadsheets.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

Spreadsheets run a cell that starts with = + - or @ as a formula ("CSV injection"), and
a host name or CIM string is attacker-controlled, so such cells get a leading
apostrophe, which makes Excel and LibreOffice show the text as typed.
"""

from __future__ import annotations

import csv
import io

from ansible_collections.licensing.windows.plugins.plugin_utils._text import REMEDIATION_STEP_MAX_CHARS, clean_text
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import FACT_KEYS

# The CSV names of the verdict's facts where they differ from FACT_KEYS: a spreadsheet column
# says what it holds without the facts' context.
_FACT_COLUMNS = {"method": "activation_method", "os_caption": "os"}
# The activation comes first, then the other facts in FACT_KEYS order (the columns of 0.1.0).
_LEADING_FACTS = ("method", "digital_license", "license_status")
_FACT_ORDER = (*_LEADING_FACTS, *(key for key in FACT_KEYS if key not in _LEADING_FACTS))

COLUMNS = (
    "host",
    "status",
    "reasons",
    "summary",
    *(_FACT_COLUMNS.get(key, key) for key in _FACT_ORDER),
    "error_code",
    "error_message",
    "remediation",
    # Over time (null without a baseline or waivers); a host of the baseline that is no longer
    # audited has a row of its own with change "gone" and its baseline status.
    "change",
    "baseline_status",
    "waiver",
    "waiver_justification",
    "waiver_expires",
)

# Characters that start a formula, including the full-width forms some spreadsheets
# also accept. Tab and carriage return are on OWASP's list too; clean_text has already
# turned them into spaces, and the check looks past leading spaces.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

# Excel's limit on the characters in one cell.
CELL_MAX_CHARS = 32767
REMEDIATION_SEPARATOR = " | "


def neutralize(value) -> str:
    """One cell: text made single-line, and a leading apostrophe if a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = clean_text(value, CELL_MAX_CHARS)
    if text.lstrip(" ").startswith(_FORMULA_PREFIXES):
        text = "'" + text
    return text


def _row(verdict: dict) -> list[str]:
    facts = verdict["facts"]
    error = verdict["error"] or {}
    remediation = REMEDIATION_SEPARATOR.join(clean_text(step, REMEDIATION_STEP_MAX_CHARS) for step in verdict["remediation"])
    values = {
        "host": verdict["host"],
        "status": verdict["status"],
        "reasons": ";".join(verdict["reasons"]),
        "summary": verdict["summary"],
        **{_FACT_COLUMNS.get(key, key): facts[key] for key in _FACT_ORDER},
        "error_code": error.get("code"),
        "error_message": error.get("message"),
        "remediation": remediation,
        **_over_time(verdict),
    }
    return [neutralize(values[column]) for column in COLUMNS]


def _over_time(verdict: dict) -> dict:
    waiver = verdict["waiver"] or {}
    return {
        "change": verdict["change"],
        "baseline_status": verdict["baseline_status"],
        "waiver": waiver.get("state"),
        "waiver_justification": waiver.get("justification"),
        "waiver_expires": waiver.get("expires"),
    }


def _gone_row(host: dict) -> list[str]:
    values = dict.fromkeys(COLUMNS)
    values.update(host=host["host"], summary=host["baseline_summary"], change="gone", baseline_status=host["baseline_status"])
    return [neutralize(values[column]) for column in COLUMNS]


def render_csv(report: dict) -> str:
    """The hosts as CSV (RFC 4180: comma-separated, CRLF line ends, quotes where needed), header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect="excel", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for verdict in report["hosts"]:
        writer.writerow(_row(verdict))
    for host in (report["baseline"] or {}).get("gone", ()):
        writer.writerow(_gone_row(host))
    return buffer.getvalue()
