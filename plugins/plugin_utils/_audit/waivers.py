# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waivers: findings a person accepted, with a reason and an optional end.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

A waiver names hosts (names, shell-style patterns such as ``lab-*``, or inventory
groups), the reason codes it waives (all when it names none), a required
``justification``, and optionally an ``expires`` date and an ``owner``, as Chef InSpec's
waiver files, Trivy's ``expired_at`` and Snyk's ``expires`` do. A host is waived when the
waivers that apply to it cover every reason of its verdict; it keeps its real status and
verdict, is marked waived in every report, and does not trip the gate. From its
``expires`` date on, a waiver stops applying: the host's findings count again and the
reports say the waiver expired. A waiver that waives nothing in an audit is stale.

``normalize_waivers`` checks a waiver file's content before anything runs: a missing
justification, a bad date, an unknown reason code or an unknown key is an error that names
the entry and the field.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from datetime import date, datetime

from ansible_collections.licensing.windows.plugins.plugin_utils._messages import got, shown
from ansible_collections.licensing.windows.plugins.plugin_utils._text import HOST_MAX_CHARS, LABEL_MAX_CHARS, SUMMARY_MAX_CHARS, clean_text
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import REASONS

# The keys of a waiver entry, and which are required.
WAIVER_KEYS = ("id", "hosts", "groups", "reasons", "justification", "expires", "owner")
_TARGET_KEYS = ("hosts", "groups")


class WaiverError(ValueError):
    """A waiver file or entry is not what the audit expects; the message names the entry and the field."""


def _entry_name(index: int, entry: Mapping) -> str:
    label = entry.get("id") if isinstance(entry.get("id"), str) and entry.get("id").strip() else None
    return f"waivers[{index}]" + (f" ({label.strip()})" if label else "")


def _names(value, field: str, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise WaiverError(f"{field}: expected a list of {what}, got {got(value)}")
    names = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise WaiverError(f"{field}[{index}]: expected {what[:-1]}, got {got(item)}")
        names.append(clean_text(item.strip(), HOST_MAX_CHARS))
    return names


def _reasons(value, field: str) -> list[str] | None:
    """The waived reason codes in report order, or None for all of them."""
    if value is None or value == "all":
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        raise WaiverError(f"{field}: expected 'all' or a list of reason codes ({', '.join(REASONS)}), got {got(value)}")
    chosen = set()
    for index, item in enumerate(value):
        if item not in REASONS:
            raise WaiverError(f"{field}[{index}]: unknown reason code {shown(item)}; expected one of {', '.join(REASONS)}")
        chosen.add(item)
    return [reason for reason in REASONS if reason in chosen]


def _expires(value, field: str) -> str | None:
    if value is None:
        return None
    # YAML reads an unquoted 2027-03-31 as a date already.
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise WaiverError(f"{field}: expected an ISO date such as 2027-03-31, got {got(value)}")


def _normalize_entry(index: int, entry) -> dict:
    if not isinstance(entry, Mapping):
        raise WaiverError(f"waivers[{index}]: expected a waiver (a dictionary with hosts or groups and a justification), "
                          f"got {got(entry)}")
    name = _entry_name(index, entry)
    unknown = sorted(str(key) for key in entry if key not in WAIVER_KEYS)
    if unknown:
        raise WaiverError(f"{name}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(repr(k) for k in unknown)}; "
                          f"expected some of {', '.join(WAIVER_KEYS)}")
    justification = entry.get("justification")
    if not isinstance(justification, str) or not justification.strip():
        raise WaiverError(f"{name}.justification: required: say why these findings are accepted, got {got(justification)}")
    hosts = _names(entry.get("hosts"), f"{name}.hosts", "host names or patterns")
    groups = _names(entry.get("groups"), f"{name}.groups", "inventory group names")
    if not hosts and not groups:
        raise WaiverError(f"{name}: expected hosts or groups (or both) naming what the waiver covers")
    owner = entry.get("owner")
    if owner is not None and (not isinstance(owner, str) or not owner.strip()):
        raise WaiverError(f"{name}.owner: expected a name or address, got {got(owner)}")
    label = entry.get("id")
    if label is not None and (not isinstance(label, str) or not label.strip()):
        raise WaiverError(f"waivers[{index}].id: expected a short name for the waiver, got {got(label)}")
    return {
        "id": clean_text(label.strip(), LABEL_MAX_CHARS) if label else f"waiver-{index + 1}",
        "hosts": hosts,
        "groups": groups,
        "reasons": _reasons(entry.get("reasons"), f"{name}.reasons"),
        "justification": clean_text(justification.strip(), SUMMARY_MAX_CHARS),
        "expires": _expires(entry.get("expires"), f"{name}.expires"),
        "owner": clean_text(owner.strip(), LABEL_MAX_CHARS) if owner else None,
    }


def normalize_waivers(value) -> list[dict]:
    """Validate waivers (a list of entries, or a dictionary with the key ``waivers``) and return them complete."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        unknown = sorted(str(key) for key in value if key != "waivers")
        if unknown:
            raise WaiverError(f"waivers file: unknown top-level key {', '.join(repr(k) for k in unknown)}; expected 'waivers'")
        value = value.get("waivers") or []
    if not isinstance(value, (list, tuple)):
        raise WaiverError(f"waivers: expected a list of waivers, got {got(value)}")
    entries = [_normalize_entry(index, entry) for index, entry in enumerate(value)]
    seen = set()
    for index, entry in enumerate(entries):
        if entry["id"] in seen:
            raise WaiverError(f"waivers[{index}].id: {entry['id']!r} is used by another waiver; ids must be unique")
        seen.add(entry["id"])
    return entries


def _matches(waiver: dict, host: str, host_groups: frozenset) -> bool:
    if any(fnmatch.fnmatchcase(host, pattern) for pattern in waiver["hosts"]):
        return True
    return any(group in host_groups for group in waiver["groups"])


def _is_expired(waiver: dict, today: date) -> bool:
    return waiver["expires"] is not None and date.fromisoformat(waiver["expires"]) <= today


def _covered(reasons: list[str], waiver: dict) -> set[str]:
    return set(reasons) if waiver["reasons"] is None else set(reasons) & set(waiver["reasons"])


def apply_waivers(hosts: list[dict], waivers: list[dict], groups_of: Mapping, today: date) -> tuple[list[dict], dict]:
    """Each host with its ``waiver`` (None, or what waived it or expired for it), and the waivers' own report.

    ``groups_of`` maps a host name to the inventory groups it is in; ``today`` is the
    audit's date (a waiver expires on its ``expires`` day). The returned report lists the
    waivers with the hosts each waived, the expired ones and the stale ones.
    """
    waived_by: dict[str, list[str]] = {waiver["id"]: [] for waiver in waivers}
    expired_for: dict[str, list[str]] = {waiver["id"]: [] for waiver in waivers}
    marked = []
    for verdict in hosts:
        marked.append({**verdict, "waiver": _host_waiver(verdict, waivers, groups_of, today, waived_by, expired_for)})
    summary = {
        "entries": [
            {**waiver, "state": "expired" if _is_expired(waiver, today) else "active",
             "waived_hosts": waived_by[waiver["id"]], "expired_hosts": expired_for[waiver["id"]]}
            for waiver in waivers
        ],
        "stale": [waiver["id"] for waiver in waivers if not _is_expired(waiver, today) and not waived_by[waiver["id"]]],
        "expired": [waiver["id"] for waiver in waivers if _is_expired(waiver, today)],
    }
    return marked, summary


def _host_waiver(verdict, waivers, groups_of, today, waived_by, expired_for) -> dict | None:
    reasons = verdict["reasons"]
    if not reasons:
        return None
    host_groups = frozenset(groups_of.get(verdict["host"], ()))
    matching = [waiver for waiver in waivers if _matches(waiver, verdict["host"], host_groups)]
    active = [waiver for waiver in matching if not _is_expired(waiver, today) and _covered(reasons, waiver)]
    covered = set().union(*(_covered(reasons, waiver) for waiver in active)) if active else set()
    if active and covered == set(reasons):
        for waiver in active:
            waived_by[waiver["id"]].append(verdict["host"])
        return _marking("active", active)
    expired = [waiver for waiver in matching if _is_expired(waiver, today) and _covered(reasons, waiver)]
    if expired:
        for waiver in expired:
            expired_for[waiver["id"]].append(verdict["host"])
        return _marking("expired", expired)
    return None


def _marking(state: str, waivers: list[dict]) -> dict:
    first = waivers[0]
    return {
        "state": state,
        "ids": [waiver["id"] for waiver in waivers],
        "justification": "; ".join(waiver["justification"] for waiver in waivers),
        "owner": first["owner"],
        "expires": min((waiver["expires"] for waiver in waivers if waiver["expires"]), default=None),
    }
