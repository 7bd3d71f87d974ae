# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What changed since the last audit: each host compared with its record in a baseline report.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

The identity of a host is its inventory name, as in every report. Against the baseline a
host is (SARIF's baselineState, with the compliance words a fleet owner asks about):

* ``new``: not in the baseline;
* ``regressed``: compliant in the baseline, not compliant now;
* ``resolved``: not compliant in the baseline, compliant now;
* ``changed``: in both, neither regressed nor resolved, but its status, method or reasons differ;
* ``unchanged``: the same status, method and reasons.

A host of the baseline that this audit does not have is ``gone``: it is listed, never
dropped. Without a baseline there is nothing to compare, and a host's change is None.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import CHANGES

_COMPLIANT = "compliant"


def _signature(verdict: Mapping) -> tuple:
    return verdict["status"], verdict["facts"]["method"], tuple(verdict["reasons"])


def host_change(verdict: Mapping, before: Mapping | None) -> str:
    """The change of one host (``verdict``) against its baseline record (``before``, None when it had none)."""
    if before is None:
        return "new"
    was_compliant = before["status"] == _COMPLIANT
    is_compliant = verdict["status"] == _COMPLIANT
    if was_compliant and not is_compliant:
        return "regressed"
    if is_compliant and not was_compliant:
        return "resolved"
    return "unchanged" if _signature(verdict) == _signature(before) else "changed"


def compare(hosts: list[dict], baseline: Mapping) -> tuple[list[dict], list[dict]]:
    """Each host of ``hosts`` with its ``change`` and ``baseline_status``; and the baseline's hosts that are gone.

    ``baseline`` is a report document as the report model loads it. The hosts are copied,
    not changed; the gone hosts keep their baseline status and summary.
    """
    before = {verdict["host"]: verdict for verdict in baseline["hosts"]}
    compared = []
    for verdict in hosts:
        previous = before.get(verdict["host"])
        compared.append({
            **verdict,
            "change": host_change(verdict, previous),
            "baseline_status": previous["status"] if previous is not None else None,
        })
    present = {verdict["host"] for verdict in hosts}
    gone = [
        {"host": verdict["host"], "baseline_status": verdict["status"], "baseline_summary": verdict["summary"]}
        for verdict in baseline["hosts"]
        if verdict["host"] not in present
    ]
    return compared, gone


def count_changes(hosts: list[dict], gone: list[dict]) -> dict:
    """Hosts by change, every change a key (zeros included)."""
    counts = dict.fromkeys(CHANGES, 0)
    for verdict in hosts:
        if verdict.get("change"):
            counts[verdict["change"]] += 1
    counts["gone"] = len(gone)
    return counts
