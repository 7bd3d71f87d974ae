# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CI gate: whether an audit's report should fail the run, and the sentence that says why.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

A host trips the gate when its status is one of ``fail_on`` and no active waiver covers
it. With ``new_only`` (a fleet with accepted debt), it must also be new or regressed since
the baseline, so only what changed for the worse fails a merge; without a baseline to
compare with, every host counts as new. The gate reads the report the report step built:
it compares counts, it does not judge any host again.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import NEW_PROBLEM_CHANGES, STATUSES

GATE_STATUSES = tuple(status for status in STATUSES if status != "compliant")


def _counts(verdict: Mapping, fail_on: frozenset, new_only: bool) -> bool:
    if verdict["status"] not in fail_on:
        return False
    if verdict.get("waiver") and verdict["waiver"]["state"] == "active":
        return False
    return not new_only or verdict.get("change") is None or verdict["change"] in NEW_PROBLEM_CHANGES


def evaluate_gate(report: Mapping, fail_on, new_only: bool = False) -> dict:
    """``{failed, hosts: {status: count}, waived, message}`` for ``report`` and the statuses in ``fail_on``."""
    statuses = frozenset(fail_on or ())
    hits = dict.fromkeys((status for status in GATE_STATUSES if status in statuses), 0)
    waived = 0
    for verdict in report["hosts"]:
        if _counts(verdict, statuses, new_only):
            hits[verdict["status"]] += 1
        elif verdict["status"] in statuses and verdict.get("waiver") and verdict["waiver"]["state"] == "active":
            waived += 1
    failed = any(hits.values())
    scope = ""
    if new_only:
        baseline = report.get("baseline")
        scope = (f" (new or regressed since the baseline of {baseline['generated_at']})" if baseline
                 else " (no baseline yet: every host counts as new)")
    parts = [f"{count} host(s) {status}" for status, count in hits.items() if count]
    message = f"License audit gate: {', '.join(parts)}{scope}." if failed else "License audit gate: passed."
    if waived:
        message += f" {waived} waived host(s) not counted."
    return {"failed": failed, "hosts": hits, "waived": waived, "new_only": bool(new_only), "message": message}
