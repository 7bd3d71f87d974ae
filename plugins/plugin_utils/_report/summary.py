# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plain-text summary table printed at the end of a play.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

Short on purpose: the counts, then the hosts that need attention (at most
MAX_HOST_ROWS), in fixed-width columns that a terminal or a CI log shows as a table.
"""

from __future__ import annotations

from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import CHANGES, STATUSES
from ansible_collections.licensing.windows.plugins.plugin_utils._text import clean_text

MAX_HOST_ROWS = 50
HOST_COLUMN_MAX_CHARS = 40
METHOD_COLUMN_MAX_CHARS = 18
REASONS_COLUMN_MAX_CHARS = 60


def _cell(value, limit: int) -> str:
    return clean_text("-" if value is None else value, limit)


def render_summary_table(report: dict, max_rows: int = MAX_HOST_ROWS) -> str:
    """Counts by status, then a table of the noncompliant and unknown hosts."""
    summary = report["summary"]
    counts = ", ".join(f"{summary['by_status'][status]} {status}" for status in STATUSES)
    hosts = "1 host" if summary["total"] == 1 else f"{summary['total']} hosts"
    lines = [f"License audit: {hosts}: {counts}"]
    if report["baseline"] is not None:
        changes = report["summary"]["by_change"]
        lines.append(f"Since the baseline of {report['baseline']['generated_at']}: "
                     + ", ".join(f"{changes[change]} {change}" for change in CHANGES))
    if summary["waived"]:
        lines.append(f"Waived: {summary['waived']} host(s)")
    attention = [verdict for verdict in report["hosts"] if verdict["status"] != "compliant"]
    if not attention:
        lines.append("All hosts are compliant." if summary["total"] else "No hosts were audited.")
        return "\n".join(lines) + "\n"

    rows = [
        (
            _cell(verdict["host"], HOST_COLUMN_MAX_CHARS),
            verdict["status"],
            _cell(verdict["facts"]["method"], METHOD_COLUMN_MAX_CHARS),
            _cell(", ".join(verdict["reasons"]), REASONS_COLUMN_MAX_CHARS),
        )
        for verdict in attention[:max_rows]
    ]
    header = ("HOST", "STATUS", "METHOD", "REASONS")
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(len(header))]
    for row in [header, *rows]:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    if len(attention) > max_rows:
        lines.append(f"… and {len(attention) - max_rows} more hosts that need attention (see the reports)")
    return "\n".join(lines) + "\n"
