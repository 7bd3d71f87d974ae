# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Markdown report, license-audit.md: a summary for CI job pages.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

Made for GitHub job summaries, GitLab and Azure DevOps pages: counts by status, method
and reason, and a table of the hosts that need attention, capped so that a large fleet
still fits a job page (the HTML and CSV reports list every host). Host values are
escaped so they cannot break the table, start a link or an image, or inject HTML.
"""

from __future__ import annotations

import re

from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import CHANGES, REASONS, STATUSES
from ansible_collections.licensing.windows.plugins.plugin_utils._text import TRUNCATION_MARKER, clean_text

# Rows of the "hosts that need attention" table before "... and N more".
MAX_HOST_ROWS = 200
HOST_CELL_MAX_CHARS = 100
SUMMARY_CELL_MAX_CHARS = 300

# Markdown punctuation that could format, link or break a table cell; backslash first so
# that the escapes added for the others are not escaped again.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def escape_cell(value, limit: int = SUMMARY_CELL_MAX_CHARS) -> str:
    """Text for one table cell: one line, Markdown and HTML escaped, at most ``limit`` characters before escaping."""
    text = clean_text("" if value is None else value, limit)
    text = "".join(_HTML_ENTITIES.get(char, char) for char in text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _table(header: tuple[str, ...], rows: list[tuple], align_right: tuple[int, ...] = ()) -> list[str]:
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("| " + " | ".join("---:" if index in align_right else "---" for index in range(len(header))) + " |")
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def render_markdown(report: dict, max_rows: int = MAX_HOST_ROWS) -> str:
    """The report summary as GitHub-flavoured Markdown."""
    summary = report["summary"]
    by_status = summary["by_status"]
    lines = [
        "# Windows license audit",
        "",
        f"**{summary['total']} host{'' if summary['total'] == 1 else 's'}**: "
        + ", ".join(f"{by_status[status]} {status}" for status in STATUSES)
        + f". Generated {escape_cell(report['generated_at'])} by {escape_cell(report['generator'])}.",
        "",
        *_since_baseline(report, max_rows),
        *_waivers(report),
        "## Hosts by status",
        "",
        *_table(("Status", "Hosts"), [(status, by_status[status]) for status in STATUSES], align_right=(1,)),
        "",
        "## Hosts by activation method",
        "",
        *_table(("Method", "Hosts"), [(escape_cell(method), count) for method, count in summary["by_method"].items()], align_right=(1,)),
        "",
    ]
    reasons = [(f"`{reason}`", summary["by_reason"][reason]) for reason in REASONS if summary["by_reason"].get(reason)]
    if reasons:
        lines += ["## Reasons", "", *_table(("Reason", "Hosts"), reasons, align_right=(1,)), ""]

    attention = [verdict for verdict in report["hosts"] if verdict["status"] != "compliant"]
    lines += ["## Hosts that need attention", ""]
    if not attention:
        lines += ["All hosts are compliant." if report["hosts"] else "No hosts in this report.", ""]
    else:
        rows = [
            (
                escape_cell(verdict["host"], HOST_CELL_MAX_CHARS),
                verdict["status"] + (" (waived)" if _waived(verdict) else ""),
                ", ".join(f"`{reason}`" for reason in verdict["reasons"]),
                escape_cell(verdict["summary"]),
            )
            for verdict in attention[:max_rows]
        ]
        lines += _table(("Host", "Status", "Reasons", "Summary"), rows)
        if len(attention) > max_rows:
            lines += ["", f"… and {len(attention) - max_rows} more (the HTML and CSV reports list every host)."]
        lines.append("")
    lines += [
        "Policy: " + "; ".join(f"{escape_cell(name)} = {_policy_value(value)}" for name, value in report["policy"].items())
        + f". Long values end with {escape_cell(TRUNCATION_MARKER)}.",
        "",
    ]
    return "\n".join(lines)


def _waived(verdict: dict) -> bool:
    return verdict["waiver"] is not None and verdict["waiver"]["state"] == "active"


def _since_baseline(report: dict, max_rows: int) -> list[str]:
    """What a CI job page should show first: the hosts that are new or got worse since the baseline."""
    baseline = report["baseline"]
    if baseline is None:
        return []
    counts = report["summary"]["by_change"]
    lines = [
        f"## Since the baseline of {escape_cell(baseline['generated_at'])}",
        "",
        ", ".join(f"{counts[change]} {change}" for change in CHANGES) + ".",
        "",
    ]
    worse = [verdict for verdict in report["hosts"]
             if verdict["change"] in ("new", "regressed") and verdict["status"] != "compliant"]
    if worse:
        rows = [
            (escape_cell(verdict["host"], HOST_CELL_MAX_CHARS), verdict["change"],
             verdict["status"] + (" (waived)" if _waived(verdict) else ""), escape_cell(verdict["summary"]))
            for verdict in worse[:max_rows]
        ]
        lines += ["New or regressed hosts that need attention:", "", *_table(("Host", "Change", "Status", "Summary"), rows), ""]
        if len(worse) > max_rows:
            lines += [f"… and {len(worse) - max_rows} more.", ""]
    else:
        lines += ["No host is new and not compliant, and none regressed.", ""]
    if baseline["gone"]:
        rows = [(escape_cell(host["host"], HOST_CELL_MAX_CHARS), host["baseline_status"] or "") for host in baseline["gone"][:max_rows]]
        lines += ["Gone since the baseline (in the baseline, not in this audit):", "",
                  *_table(("Host", "Status in the baseline"), rows), ""]
    return lines


def _waivers(report: dict) -> list[str]:
    block = report["waivers"]
    if block is None:
        return []
    waived = [verdict for verdict in report["hosts"] if _waived(verdict)]
    lines = ["## Waivers", "", f"{len(waived)} host{'' if len(waived) == 1 else 's'} waived."]
    if block["expired"]:
        lines.append("Expired (their findings count again): " + ", ".join(f"`{escape_cell(item)}`" for item in block["expired"]) + ".")
    if block["stale"]:
        lines.append("Stale (waived nothing in this audit; remove or correct them): "
                     + ", ".join(f"`{escape_cell(item)}`" for item in block["stale"]) + ".")
    return [*lines, ""]


def _policy_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return escape_cell(", ".join(str(item) for item in value)) or "(any)"
    return escape_cell(value)
