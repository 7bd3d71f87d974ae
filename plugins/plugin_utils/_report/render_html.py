# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTML report, license-audit.html: one self-contained page for people.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

Summary counts, two inline SVG bar charts, and a host table that sorts by any column
and filters by text and status, with each host's reasons and remediation in a
collapsible details row. The page loads nothing: its stylesheet and script are inline
and a Content-Security-Policy allows exactly those two (by hash) and nothing else,
so even a value that escaped the escaping could not run or fetch anything. Host values
reach the page only through Jinja2 autoescaping; the script reads them back from the
DOM instead of from embedded data.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ansible_collections.licensing.windows.plugins.plugin_utils._report.model import NO_CONTEXT, RenderContext
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import (
    REASONS,
    REASON_DESCRIPTIONS,
    STATUSES,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._text import TRUNCATION_MARKER

TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
TEMPLATE_NAME = "license_audit.html.j2"
STYLESHEET_NAME = "license_audit.css"
SCRIPT_NAME = "license_audit.js"

# (title, numeric) of the host table's columns, in template order.
_COLUMNS = (
    ("Host", False),
    ("Status", False),
    ("Reasons", False),
    ("Method", False),
    ("Digital license", False),
    ("License status", False),
    ("Channel", False),
    ("OS", False),
    ("Grace days", True),
    ("KMS host", False),
    ("Summary", False),
)

_CHART_LABEL_WIDTH = 150
_CHART_BAR_WIDTH = 260
_CHART_ROW_HEIGHT = 26
_NOT_SET = "\u2014"  # an em dash stands for null in the table


@functools.lru_cache(maxsize=None)
def static_asset(name: str) -> str:
    """The text of one of the page's own static files (stylesheet, script), with LF line ends."""
    with open(os.path.join(TEMPLATE_DIR, name), encoding="utf-8") as handle:
        # Browsers hash the element's text after turning CRLF into LF, so a checkout with
        # Windows line ends would otherwise break the CSP hash and the page's script.
        return handle.read().replace("\r\n", "\n").replace("\r", "\n")


@functools.lru_cache(maxsize=None)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


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


def _chart(title: str, counts: list[tuple[str, int, str]]) -> dict:
    largest = max((count for _label, count, _css in counts), default=0) or 1
    rows = []
    for index, (label, count, css) in enumerate(counts):
        width = round(_CHART_BAR_WIDTH * count / largest) if count else 0
        rows.append({"label": label, "count": count, "css": css, "y": 4 + index * _CHART_ROW_HEIGHT, "width": width})
    return {
        "title": title,
        "label_width": _CHART_LABEL_WIDTH,
        # Room for the bar and for its count written after it.
        "width": _CHART_LABEL_WIDTH + _CHART_BAR_WIDTH + 60,
        "height": 8 + max(len(rows), 1) * _CHART_ROW_HEIGHT,
        "rows": rows,
    }


def _host_row(verdict: dict) -> dict:
    facts = verdict["facts"]
    error = verdict["error"]
    grace = facts["grace_days_remaining"]
    searchable = [verdict["host"], verdict["status"], verdict["summary"], *verdict["reasons"]]
    searchable += [facts[key] for key in ("method", "license_status", "channel", "edition", "os_caption", "kms_host") if facts[key]]
    if error:
        searchable += [error["code"], error["message"]]
    return {
        "host": verdict["host"],
        "status": verdict["status"],
        "status_rank": STATUSES.index(verdict["status"]),
        "reasons": verdict["reasons"],
        "reason_lines": [{"code": reason, "description": REASON_DESCRIPTIONS[reason]} for reason in verdict["reasons"]],
        "summary": verdict["summary"],
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
        _chart("Hosts by status", [(status, summary["by_status"][status], status) for status in STATUSES]),
        _chart("Hosts by activation method", [(method, count, "") for method, count in summary["by_method"].items()]),
    ]
    template = _environment().get_template(TEMPLATE_NAME)
    return template.render(
        report=report,
        summary=summary,
        statuses=STATUSES,
        charts=charts,
        reasons=[
            {"code": reason, "description": REASON_DESCRIPTIONS[reason], "count": summary["by_reason"].get(reason, 0)}
            for reason in REASONS
        ],
        policy=_policy_items(report["policy"]),
        columns=[{"title": title, "numeric": numeric} for title, numeric in _COLUMNS],
        hosts=[_host_row(verdict) for verdict in report["hosts"]],
        marker=TRUNCATION_MARKER,
        csp=content_security_policy(css, script),
        # Markup: the collection's own static files, inserted verbatim so their CSP hashes match.
        css=Markup(css),
        script=Markup(script),
    )
