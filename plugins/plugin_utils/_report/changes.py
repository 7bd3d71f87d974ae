# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A report's record over time: each host's change since the baseline and its waiver, as stored.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

The decisions are made in plugins/plugin_utils/_audit (baseline.py, waivers.py); this
module puts them into a report, checks them when a report is loaded (they come from a file,
so they are untrusted like everything else in it), and combines them when slice reports are
merged. A report without a baseline has ``baseline: null`` and every host's ``change``
null; one without waivers has ``waivers: null`` and every host's ``waiver`` null.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ansible_collections.licensing.windows.plugins.plugin_utils._audit.baseline import compare, count_changes
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.waivers import apply_waivers
from ansible_collections.licensing.windows.plugins.plugin_utils._messages import got
from ansible_collections.licensing.windows.plugins.plugin_utils._text import (
    HOST_MAX_CHARS,
    LABEL_MAX_CHARS,
    SUMMARY_MAX_CHARS,
    clean_text,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import CHANGES, STATUSES, WAIVER_STATES

# The keys a host record carries about its history, in report order.
HOST_KEYS = ("change", "baseline_status", "waiver")


class AnnotationError(ValueError):
    """A change or waiver field of a report is not what the report model writes."""


def _fail(where: str, expected: str, value) -> AnnotationError:
    return AnnotationError(f"{where}: expected {expected}, got {got(value, mapping='an object')}")


def _choice(value, where: str, choices) -> str | None:
    if value is None:
        return None
    if value not in choices:
        raise _fail(where, f"null or one of {', '.join(choices)}", value)
    return str(value)


def _text(value, where: str, limit: int, *, nullable: bool = True) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise _fail(where, "a string" + (" or null" if nullable else ""), value)
    return clean_text(value, limit)


def _texts(value, where: str, limit: int) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise _fail(where, "a list of strings", value)
    return [_text(item, f"{where}[{index}]", limit, nullable=False) for index, item in enumerate(value)]


def clean_waiver_marking(value, where: str) -> dict | None:
    """A host's ``waiver`` field: null, or what waived the host (or expired for it)."""
    value = _block(value, where)
    if value is None:
        return None
    return {
        "state": _choice(value.get("state"), f"{where}.state", WAIVER_STATES) or "active",
        "ids": _texts(value.get("ids", []), f"{where}.ids", LABEL_MAX_CHARS),
        "justification": _text(value.get("justification"), f"{where}.justification", SUMMARY_MAX_CHARS, nullable=False),
        "owner": _text(value.get("owner"), f"{where}.owner", LABEL_MAX_CHARS),
        "expires": _text(value.get("expires"), f"{where}.expires", LABEL_MAX_CHARS),
    }


def clean_host_fields(verdict: Mapping, where: str) -> dict:
    """The change and waiver fields of one host record (each null when absent, as in a schema 1 report)."""
    return {
        "change": _choice(verdict.get("change"), f"{where}.change", CHANGES[:-1]),
        "baseline_status": _choice(verdict.get("baseline_status"), f"{where}.baseline_status", STATUSES),
        "waiver": clean_waiver_marking(verdict.get("waiver"), f"{where}.waiver"),
    }


def _items(value: Mapping, key: str, where: str, what: str) -> list:
    items = value.get(key, [])
    if not isinstance(items, (list, tuple)):
        raise _fail(f"{where}.{key}", f"a list of {what}", items)
    return list(items)


def _block(value, where: str) -> Mapping | None:
    """A block of a report that is null or an object."""
    if value is not None and not isinstance(value, Mapping):
        raise _fail(where, "null or an object", value)
    return value


def clean_baseline_block(value, where: str) -> dict | None:
    """The report's ``baseline`` block: null, or when the baseline was made and the hosts gone since."""
    value = _block(value, where)
    if value is None:
        return None
    gone = _items(value, "gone", where, "hosts")
    return {
        "generated_at": _text(value.get("generated_at"), f"{where}.generated_at", LABEL_MAX_CHARS, nullable=False),
        "source": _text(value.get("source"), f"{where}.source", SUMMARY_MAX_CHARS),
        "gone": [_gone_host(item, f"{where}.gone[{index}]") for index, item in enumerate(gone)],
    }


def _gone_host(value, where: str) -> dict:
    if not isinstance(value, Mapping):
        raise _fail(where, "an object", value)
    return {
        "host": _text(value.get("host"), f"{where}.host", HOST_MAX_CHARS, nullable=False),
        "baseline_status": _choice(value.get("baseline_status"), f"{where}.baseline_status", STATUSES),
        "baseline_summary": _text(value.get("baseline_summary"), f"{where}.baseline_summary", SUMMARY_MAX_CHARS),
    }


def clean_waivers_block(value, where: str) -> dict | None:
    """The report's ``waivers`` block: null, or every waiver with the hosts it waived, and the stale and expired ones."""
    value = _block(value, where)
    if value is None:
        return None
    entries = _items(value, "entries", where, "waivers")
    return {
        "entries": [_waiver_entry(item, f"{where}.entries[{index}]") for index, item in enumerate(entries)],
        "stale": _texts(value.get("stale", []), f"{where}.stale", LABEL_MAX_CHARS),
        "expired": _texts(value.get("expired", []), f"{where}.expired", LABEL_MAX_CHARS),
    }


def _waiver_entry(value, where: str) -> dict:
    if not isinstance(value, Mapping):
        raise _fail(where, "an object", value)
    reasons = value.get("reasons")
    return {
        "id": _text(value.get("id"), f"{where}.id", LABEL_MAX_CHARS, nullable=False),
        "hosts": _texts(value.get("hosts", []), f"{where}.hosts", HOST_MAX_CHARS),
        "groups": _texts(value.get("groups", []), f"{where}.groups", HOST_MAX_CHARS),
        "reasons": None if reasons is None else _texts(reasons, f"{where}.reasons", LABEL_MAX_CHARS),
        "justification": _text(value.get("justification"), f"{where}.justification", SUMMARY_MAX_CHARS, nullable=False),
        "expires": _text(value.get("expires"), f"{where}.expires", LABEL_MAX_CHARS),
        "owner": _text(value.get("owner"), f"{where}.owner", LABEL_MAX_CHARS),
        "state": _choice(value.get("state"), f"{where}.state", WAIVER_STATES) or "active",
        "waived_hosts": _texts(value.get("waived_hosts", []), f"{where}.waived_hosts", HOST_MAX_CHARS),
        "expired_hosts": _texts(value.get("expired_hosts", []), f"{where}.expired_hosts", HOST_MAX_CHARS),
    }


# ---------------------------------------------------------------------------------------
# Annotating a report
# ---------------------------------------------------------------------------------------


def annotate(hosts: list[dict], baseline: Mapping | None, waivers: list | None, groups_of: Mapping,
             today: date, baseline_source: str | None = None) -> tuple[list[dict], dict | None, dict | None]:
    """The hosts with their change and waiver, and the report's baseline and waivers blocks.

    ``baseline`` is a loaded report (or None), ``waivers`` the normalized waivers (or None for
    an audit without a waiver file).
    """
    gone = []
    baseline_block = None
    if baseline is not None:
        hosts, gone = compare(hosts, baseline)
        baseline_block = {"generated_at": baseline["generated_at"], "source": baseline_source, "gone": gone}
    else:
        hosts = [{**verdict, "change": None, "baseline_status": None} for verdict in hosts]
    waivers_block = None
    if waivers is not None:
        hosts, waivers_block = apply_waivers(hosts, waivers, groups_of, today)
    else:
        hosts = [{**verdict, "waiver": None} for verdict in hosts]
    return hosts, baseline_block, waivers_block


def change_counts(hosts: list[dict], baseline_block: dict | None) -> dict | None:
    """Hosts by change (every change a key), or None for a report without a baseline."""
    if baseline_block is None:
        return None
    return count_changes(hosts, baseline_block["gone"])


def waived_count(hosts: list[dict]) -> int:
    return sum(1 for verdict in hosts if verdict["waiver"] is not None and verdict["waiver"]["state"] == "active")


# ---------------------------------------------------------------------------------------
# Merging slice reports
# ---------------------------------------------------------------------------------------


def merge_baseline_blocks(blocks: list[dict | None], present: set) -> dict | None:
    """The merged report's baseline block: slices compared with the same baseline list each other's hosts as gone.

    A host is gone from the fleet when some slice lists it as gone and no slice has it.
    """
    known = [block for block in blocks if block is not None]
    if not known:
        return None
    gone = {}
    for block in known:
        for host in block["gone"]:
            if host["host"] not in present:
                gone.setdefault(host["host"], host)
    return {
        "generated_at": max(block["generated_at"] for block in known),
        "source": known[0]["source"],
        "gone": [gone[name] for name in sorted(gone)],
    }


def merge_waivers_blocks(blocks: list[dict | None]) -> dict | None:
    """The merged waivers block: hosts waived in any slice; a waiver is stale only if it is stale in every slice."""
    known = [block for block in blocks if block is not None]
    if not known:
        return None
    entries: dict[str, dict] = {}
    for block in known:
        for entry in block["entries"]:
            merged = entries.setdefault(entry["id"], {**entry, "waived_hosts": [], "expired_hosts": []})
            merged["waived_hosts"] = sorted(set(merged["waived_hosts"]) | set(entry["waived_hosts"]))
            merged["expired_hosts"] = sorted(set(merged["expired_hosts"]) | set(entry["expired_hosts"]))
    stale = set.intersection(*(set(block["stale"]) for block in known))
    return {
        "entries": list(entries.values()),
        "stale": [entry_id for entry_id in entries if entry_id in stale],
        "expired": sorted(set().union(*(set(block["expired"]) for block in known))),
    }
