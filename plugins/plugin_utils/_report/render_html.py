# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTML report, license-audit.html: one self-contained page for people.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

Summary counts and inline SVG bar charts (by status, by method and, against a baseline,
by change); what changed since the baseline, with the hosts gone since; the trend of the
last audits (RenderContext.history) as an inline SVG line chart; the waivers with the
hosts each waived, the stale and expired ones marked; and a host table that sorts by any
column and filters by text, status, change and waiver, with each host's reasons,
remediation, change and waiver in a collapsible details row.

The page loads nothing: its stylesheet and script are inline and a
Content-Security-Policy allows exactly those two (by hash) and nothing else, so even a
value that escaped the escaping could not run or fetch anything. Host values reach the
page only through Jinja2 autoescaping; the script reads them back from the DOM instead of
from embedded data.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import math
import os
import re
from collections.abc import Mapping

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from ansible_collections.licensing.windows.plugins.plugin_utils._report.model import NO_CONTEXT, RenderContext
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import (
    CHANGES,
    NEW_PROBLEM_CHANGES,
    REASONS,
    REASON_DESCRIPTIONS,
    STATUSES,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._text import LABEL_MAX_CHARS, TRUNCATION_MARKER, clean_text

TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
TEMPLATE_NAME = "license_audit.html.j2"
STYLESHEET_NAME = "license_audit.css"
SCRIPT_NAME = "license_audit.js"

# (title, numeric, css class of the cells) of the host table's columns, in template order.
# The first eleven keep their places whatever the report holds (tests/support/reports.py
# reads the table by position); Change, with a baseline only, comes before the summary.
_COLUMNS = (
    ("Host", False, "host-name"),
    ("Status", False, "status"),
    ("Reasons", False, "codes"),
    ("Method", False, "codes"),
    ("Digital license", False, "short"),
    ("License status", False, "codes"),
    ("Channel", False, "codes"),
    ("OS", False, "os"),
    ("Grace days", True, "num"),
    ("KMS host", False, "kms"),
    ("Summary", False, "summary"),
)
_CHANGE_COLUMN = ("Change", False, "change")

_CHART_LABEL_WIDTH = 150
_CHART_BAR_WIDTH = 260
_CHART_ROW_HEIGHT = 26
_NOT_SET = "\u2014"  # an em dash stands for null in the table

# The trend chart: the plot area inside the SVG, and at most this many dates on the axis.
TREND_WIDTH = 760
TREND_HEIGHT = 230
TREND_MARGIN = {"left": 48, "right": 16, "top": 12, "bottom": 44}
TREND_MAX_LABELS = 8
# A generous width of one character of an axis label (11px), to space the labels apart.
_LABEL_CHAR_WIDTH = 7.5

# A summary longer than this shows its beginning in the table and in full in the details row.
SUMMARY_CELL_CHARS = 160

# A waiver's waived or expired hosts are listed in full up to this many; more fold away.
_HOST_LIST_OPEN = 20

_BREAK_AFTER = re.compile(r"(?<=[._])(?=.)")
_STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?Z$")


@functools.lru_cache(maxsize=None)
def static_asset(name: str) -> str:
    """The text of one of the page's own static files (stylesheet, script), with LF line ends."""
    with open(os.path.join(TEMPLATE_DIR, name), encoding="utf-8") as handle:
        # Browsers hash the element's text after turning CRLF into LF, so a checkout with
        # Windows line ends would otherwise break the CSP hash and the page's script.
        return handle.read().replace("\r\n", "\n").replace("\r", "\n")


@functools.lru_cache(maxsize=None)
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["breakable"] = breakable
    return environment


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(css: str, script: str) -> str:
    """Only the page's own inline stylesheet and script, identified by hash; nothing else at all."""
    return (
        "default-src 'none'; "
        f"style-src {_csp_hash(css)}; "
        f"script-src {_csp_hash(script)}; "
        "img-src 'none'; connect-src 'none'; font-src 'none'; object-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )


def _shown(value) -> str:
    if value is None:
        return _NOT_SET
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def when(stamp) -> str:
    """A report time (``2026-12-04T02:00:00Z``) as people read it: ``2026-12-04 02:00 UTC``; other text as it is."""
    text = clean_text(stamp, LABEL_MAX_CHARS) if stamp is not None else _NOT_SET
    match = _STAMP.match(text)
    return f"{match.group(1)} {match.group(2)} UTC" if match else text


def breakable(text) -> Markup:
    """``text`` escaped, with a line break opportunity (``<wbr>``) after each dot and underscore.

    Long host names then wrap between their labels and reason codes between their words,
    rather than anywhere; the text itself (and so textContent) is unchanged.
    """
    if isinstance(text, Markup):
        text = text.unescape()
    return Markup("<wbr>").join(escape(part) for part in _BREAK_AFTER.split(str(text)))


def plural(count: int, word: str) -> str:
    return f"{count} {word if count == 1 else word + 's'}"


def bar_chart(title: str, counts: list[tuple[str, int, str]], chart_id: str = "") -> dict:
    """A horizontal bar chart: one row per (label, count, css class), the largest count a full bar."""
    largest = max((count for _label, count, _css in counts), default=0) or 1
    rows = []
    for index, (label, count, css) in enumerate(counts):
        width = round(_CHART_BAR_WIDTH * count / largest) if count else 0
        rows.append({"label": label, "count": count, "css": css, "y": 4 + index * _CHART_ROW_HEIGHT, "width": width})
    return {
        "id": chart_id,
        "title": title,
        "label_width": _CHART_LABEL_WIDTH,
        # Room for the bar and for its count written after it.
        "width": _CHART_LABEL_WIDTH + _CHART_BAR_WIDTH + 60,
        "height": 8 + max(len(rows), 1) * _CHART_ROW_HEIGHT,
        "rows": rows,
    }


# ---------------------------------------------------------------------------------------
# The trend of the last audits
# ---------------------------------------------------------------------------------------


def _count(value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def trend_records(history) -> list[dict]:
    """The history records the trend can draw, oldest first: time, counts by status, total, waived, policy.

    A record is read from a file a person may have edited, so one whose time or counts
    are not what history.py writes is left out rather than drawn wrong.
    """
    records = []
    for record in history or ():
        if not isinstance(record, Mapping) or not isinstance(record.get("generated_at"), str):
            continue
        by_status = record.get("by_status")
        if not isinstance(by_status, Mapping):
            continue
        counts = {status: _count(by_status.get(status, 0)) for status in STATUSES}
        if any(count is None for count in counts.values()):
            continue
        total = _count(record.get("total"))
        policy = record.get("policy")
        records.append({
            "generated_at": clean_text(record["generated_at"], LABEL_MAX_CHARS),
            "when": when(record["generated_at"]),
            "by_status": counts,
            "total": sum(counts.values()) if total is None else total,
            "waived": _count(record.get("waived")),
            "policy": clean_text(policy, LABEL_MAX_CHARS) if isinstance(policy, str) else None,
        })
    return records


def _nice_step(largest: int, ticks: int = 4) -> int:
    """A round step (1, 2 or 5 times a power of ten, at least 1) that divides 0..largest into at most ``ticks`` steps."""
    if largest <= ticks:
        return 1
    raw = largest / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return int(factor * magnitude)
    return int(10 * magnitude)  # not reached: 10 * magnitude >= raw always


def _label_indices(count: int, most: int = TREND_MAX_LABELS) -> list[int]:
    """Which of ``count`` evenly spaced points get a date on the axis: every few from the first, and the last.

    Neighbouring labels are at least one step apart (``count - 1`` over ``most - 1``).
    """
    if count <= most:
        return list(range(count))
    step = math.ceil((count - 1) / (most - 1))
    indices = list(range(0, count - 1, step))
    if count - 1 - indices[-1] < step:
        indices.pop()
    return [*indices, count - 1]


def _most_labels(plot_width: float, characters: int) -> int:
    """How many axis labels of ``characters`` fit side by side without touching.

    The first label starts at its point and the last ends at its point, so a neighbour of
    either must be one and a half label widths away; the others, one.
    """
    width = characters * _LABEL_CHAR_WIDTH + 8
    return max(2, min(TREND_MAX_LABELS, int(plot_width // (1.5 * width)) + 1))


def _axis_label(record: dict, with_time: bool) -> list[str]:
    """The lines of a point's label: its date, and under it its time when several audits share a day."""
    match = _STAMP.match(record["generated_at"])
    if not match:
        return [record["when"]]
    return [match.group(1), match.group(2)] if with_time else [match.group(1)]


def trend_chart(history) -> dict:
    """The geometry of the trend chart of ``history`` (RenderContext.history): one line per status, one point per audit.

    ``records`` are the audits drawn; with fewer than two there is no chart (``series``
    empty) and the page says when the trend appears.
    """
    records = trend_records(history)
    left, right, top, bottom = (TREND_MARGIN[key] for key in ("left", "right", "top", "bottom"))
    plot_width = TREND_WIDTH - left - right
    plot_height = TREND_HEIGHT - top - bottom
    chart = {
        "records": records,
        "width": TREND_WIDTH,
        "height": TREND_HEIGHT,
        "left": left,
        "right": TREND_WIDTH - right,
        "top": top,
        "bottom": TREND_HEIGHT - bottom,
        "series": [],
        "ticks": [],
        "labels": [],
        "policy_changes": [],
    }
    if len(records) < 2:
        return chart
    largest = max(max(record["by_status"].values()) for record in records)
    step = _nice_step(largest)
    ceiling = max(step * math.ceil(largest / step), step)

    def x_of(index: int) -> float:
        return round(left + plot_width * index / (len(records) - 1), 1)

    def y_of(value: int) -> float:
        return round(top + plot_height * (1 - value / ceiling), 1)

    chart["ticks"] = [{"value": value, "y": y_of(value)} for value in range(0, ceiling + 1, step)]
    dates = [record["generated_at"][:10] for record in records]
    with_time = len(set(dates)) < len(dates)
    lines = [_axis_label(record, with_time) for record in records]
    indices = _label_indices(len(records), _most_labels(plot_width, max(len(line) for label in lines for line in label)))
    chart["labels"] = [
        # The first and the last label end at the plot's edges rather than past the picture's.
        {"x": x_of(index), "lines": lines[index],
         "anchor": "start" if index == 0 else "end" if index == len(records) - 1 else "middle"}
        for index in indices
    ]
    for status in STATUSES:
        points = []
        for index, record in enumerate(records):
            count = record["by_status"][status]
            points.append({
                "x": x_of(index),
                "y": y_of(count),
                "count": count,
                "title": f"{record['when']}: {count} {status} of {plural(record['total'], 'host')}",
            })
        chart["series"].append({
            "status": status,
            "points": points,
            "path": " ".join(f"{point['x']},{point['y']}" for point in points),
        })
    for index in range(1, len(records)):
        before, after = records[index - 1]["policy"], records[index]["policy"]
        if before and after and before != after:
            chart["policy_changes"].append({"x": x_of(index), "title": f"The policy changed before the audit of {records[index]['when']}"})
    return chart


# ---------------------------------------------------------------------------------------
# What changed since the baseline, and the waivers
# ---------------------------------------------------------------------------------------


def change_view(report: dict) -> dict | None:
    """The "changed since" view of a report with a baseline (None without one): its line, chart and gone hosts."""
    baseline = report.get("baseline")
    counts = report["summary"].get("by_change")
    if baseline is None or counts is None:
        return None
    line = ", ".join(f"{counts.get(change, 0)} {change}" for change in CHANGES)
    return {
        "when": when(baseline["generated_at"]),
        "source": baseline.get("source"),
        "counts": counts,
        "line": line,
        "new_problems": sum(counts.get(change, 0) for change in NEW_PROBLEM_CHANGES),
        "chart": bar_chart("Hosts by change since the baseline",
                           [(change, counts.get(change, 0), f"change-{change}") for change in CHANGES], "chart-change"),
        "gone": [
            {"host": item["host"], "status": item["baseline_status"], "shown_status": _shown(item["baseline_status"]),
             "summary": _shown(item["baseline_summary"])}
            for item in baseline.get("gone", ())
        ],
        # The change filter's choices besides "all": the new problems together, then each change (gone hosts are
        # not in the table).
        "filters": [
            {"value": " ".join(sorted(NEW_PROBLEM_CHANGES, key=CHANGES.index)), "label": "new or regressed",
             "count": sum(counts.get(change, 0) for change in NEW_PROBLEM_CHANGES)},
            *({"value": change, "label": change, "count": counts.get(change, 0)} for change in CHANGES[:-1]),
        ],
    }


def _host_list(hosts: list[str]) -> dict:
    return {"hosts": list(hosts), "folded": len(hosts) > _HOST_LIST_OPEN}


def waiver_view(report: dict) -> dict | None:
    """The waivers section of a report audited with waivers (None without): each waiver, stale and expired ones marked."""
    block = report.get("waivers")
    if block is None:
        return None
    stale, expired = set(block.get("stale", ())), set(block.get("expired", ()))
    entries = []
    for entry in block.get("entries", ()):
        if entry["id"] in expired or entry.get("state") == "expired":
            state = "expired"
        elif entry["id"] in stale:
            state = "stale"
        else:
            state = "active"
        entries.append({
            "id": entry["id"],
            "state": state,
            "hosts": entry.get("hosts") or [],
            "groups": entry.get("groups") or [],
            "reasons": "all reasons" if entry.get("reasons") is None else ", ".join(entry["reasons"]) or "none",
            "justification": entry["justification"],
            "owner": entry.get("owner"),
            "expires": entry.get("expires"),
            "waived": _host_list(entry.get("waived_hosts") or []),
            "expired_hosts": _host_list(entry.get("expired_hosts") or []),
        })
    expired_hosts = sum(1 for verdict in report["hosts"] if (verdict.get("waiver") or {}).get("state") == "expired")
    return {
        "entries": entries,
        "waived": report["summary"].get("waived") or 0,
        "expired_hosts": expired_hosts,
        "stale": [entry for entry in entries if entry["state"] == "stale"],
        "expired": [entry for entry in entries if entry["state"] == "expired"],
    }


# ---------------------------------------------------------------------------------------
# The host table
# ---------------------------------------------------------------------------------------


def short_summary(summary: str) -> str:
    """The summary as the host table shows it: whole up to SUMMARY_CELL_CHARS, else its first words and an ellipsis."""
    if len(summary) <= SUMMARY_CELL_CHARS:
        return summary
    cut = summary[: SUMMARY_CELL_CHARS - 10]
    words = cut.rsplit(" ", 1)[0] if " " in cut[SUMMARY_CELL_CHARS // 2:] else cut
    return words.rstrip(" ,;:") + " \u2026"


def _waiver_marking(verdict: dict) -> dict | None:
    waiver = verdict.get("waiver")
    if waiver is None:
        return None
    return {
        "state": waiver["state"],
        "ids": ", ".join(waiver["ids"]) or _NOT_SET,
        "justification": waiver["justification"],
        "owner": _shown(waiver["owner"]),
        "expires": _shown(waiver["expires"]),
        "badge": "waived" if waiver["state"] == "active" else "waiver expired",
    }


def _host_row(verdict: dict) -> dict:
    facts = verdict["facts"]
    error = verdict["error"]
    grace = facts["grace_days_remaining"]
    change = verdict.get("change")
    waiver = _waiver_marking(verdict)
    searchable = [verdict["host"], verdict["status"], verdict["summary"], *verdict["reasons"]]
    searchable += [facts[key] for key in ("method", "license_status", "channel", "edition", "os_caption", "kms_host") if facts[key]]
    if error:
        searchable += [error["code"], error["message"]]
    if change:
        searchable.append(change)
    if waiver:
        searchable += [waiver["badge"], waiver["ids"], waiver["justification"]]
    return {
        "host": verdict["host"],
        "status": verdict["status"],
        "status_rank": STATUSES.index(verdict["status"]),
        "reasons": verdict["reasons"],
        "reasons_text": ", ".join(verdict["reasons"]),
        "reason_lines": [{"code": reason, "description": REASON_DESCRIPTIONS[reason]} for reason in verdict["reasons"]],
        "summary": verdict["summary"],
        "short_summary": short_summary(verdict["summary"]),
        "remediation": verdict["remediation"],
        "error": error,
        "method": _shown(facts["method"]),
        "digital_license": _shown(facts["digital_license"]),
        "license_status": _shown(facts["license_status"]),
        "channel": _shown(facts["channel"]),
        "os": _shown(facts["os_caption"]),
        "grace_days": _shown(grace),
        "grace_sort": "" if grace is None else str(grace),
        "kms_host": _shown(facts["kms_host"]),
        "edition": _shown(facts["edition"]),
        "partial_product_key": _shown(facts["partial_product_key"]),
        "is_server": _shown(facts["is_server"]),
        "firmware_key_present": _shown(facts["firmware_key_present"]),
        "grace_expires_at": _shown(facts["grace_expires_at"]),
        "evaluation_end_date": _shown(facts["evaluation_end_date"]),
        "change": change or "",
        "change_rank": CHANGES.index(change) if change else "",
        "baseline_status": verdict.get("baseline_status"),
        "waiver": waiver,
        "search": " ".join(str(item) for item in searchable).lower(),
    }


def _policy_items(policy: dict) -> list[dict]:
    items = []
    for name, value in policy.items():
        if isinstance(value, list):
            shown = ", ".join(str(item) for item in value) or "(any)"
        elif isinstance(value, bool):
            shown = "true" if value else "false"  # as the setting is written
        else:
            shown = str(value)
        items.append({"name": name, "value": shown})
    return items


def render_html(report: dict, context: RenderContext = NO_CONTEXT) -> str:
    """The report as one self-contained HTML page."""
    css = static_asset(STYLESHEET_NAME)
    script = static_asset(SCRIPT_NAME)
    summary = report["summary"]
    charts = [
        bar_chart("Hosts by status", [(status, summary["by_status"][status], status) for status in STATUSES], "chart-status"),
        bar_chart("Hosts by activation method", [(method, count, "") for method, count in summary["by_method"].items()],
                  "chart-method"),
    ]
    changes = change_view(report)
    columns = list(_COLUMNS)
    if changes is not None:
        columns.insert(len(columns) - 1, _CHANGE_COLUMN)
    template = _environment().get_template(TEMPLATE_NAME)
    return template.render(
        report=report,
        summary=summary,
        statuses=STATUSES,
        charts=charts,
        changes=changes,
        trend=trend_chart(context.history),
        waivers=waiver_view(report),
        reasons=[
            {"code": reason, "description": REASON_DESCRIPTIONS[reason], "count": summary["by_reason"].get(reason, 0)}
            for reason in REASONS
        ],
        policy=_policy_items(report["policy"]),
        columns=[{"title": title, "numeric": numeric, "css": css_class} for title, numeric, css_class in columns],
        hosts=[_host_row(verdict) for verdict in report["hosts"]],
        marker=TRUNCATION_MARKER,
        csp=content_security_policy(css, script),
        # Markup: the collection's own static files, inserted verbatim so their CSP hashes match.
        css=Markup(css),
        script=Markup(script),
    )
