# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit history: one summary record per audit, in a JSON Lines file beside the reports.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

Each record holds the audit's time, its counts by status, method and change, how many
hosts were waived, a fingerprint of the policy (so a trend across a policy change can be
told apart) and the collection version. The file is rewritten atomically with the new
record appended, so a reader or a crash never sees half a line; a line that cannot be read
(edited by hand, or written by something else) is kept as it is and reported, never
dropped.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping

from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import HISTORY_FILE_NAME

RECORD_SCHEMA = "licensing.windows.license_audit_history/1"

# The HTML report's trend shows this many audits by default.
DEFAULT_TREND_LENGTH = 30


def policy_fingerprint(policy: Mapping) -> str:
    """A short, stable name of a policy: equal policies (normalized) have equal fingerprints."""
    canonical = json.dumps(policy, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def history_record(report: Mapping, duration_seconds: float | None = None) -> dict:
    """The summary record of one audit's report."""
    summary = report["summary"]
    return {
        "schema": RECORD_SCHEMA,
        "generated_at": report["generated_at"],
        "generator": report["generator"],
        "policy": policy_fingerprint(report["policy"]),
        "total": summary["total"],
        "by_status": summary["by_status"],
        "by_method": summary["by_method"],
        "by_change": summary["by_change"],
        "waived": summary["waived"],
        "duration_seconds": None if duration_seconds is None else round(float(duration_seconds), 3),
    }


def history_path(directory) -> str:
    return os.path.join(os.fspath(directory), HISTORY_FILE_NAME)


def read_history(path) -> tuple[list[dict], list[str], list[str]]:
    """(records, raw lines, notes): the readable records in file order, every line as it was, what could not be read."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return [], [], []
    records, notes = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            notes.append(f"{path}: line {number} is not JSON ({exc}); kept as it is, left out of the trend")
            continue
        if not isinstance(record, Mapping) or record.get("schema") != RECORD_SCHEMA:
            notes.append(f"{path}: line {number} is not a licensing.windows history record; kept, left out of the trend")
            continue
        records.append(dict(record))
    return records, lines, notes


def appended_history(path, record: Mapping) -> tuple[bytes, list[dict], list[str]]:
    """The history file's new content with ``record`` appended, all its readable records, and what could not be read."""
    records, lines, notes = read_history(path)
    lines = [line for line in lines if line.strip()]
    lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=False))
    return ("\n".join(lines) + "\n").encode("utf-8"), [*records, dict(record)], notes
