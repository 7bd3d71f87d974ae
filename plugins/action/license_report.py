# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of licensing.windows.license_report: write or merge fleet reports.

Everything happens on the controller; the task's host is never contacted. The report
model, the baseline comparison, the waivers, the history and the gate are pure functions
in plugin_utils, so the role, the merge playbook and the unit tests share them. Every input
file (reports to merge, the baseline, the waivers) is read and checked before anything is
written, and in check mode nothing is written at all: the role runs this action in check
mode before it contacts any host, so a bad baseline or waiver file fails first.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.licensing.windows.plugins.plugin_utils._audit.gate import GATE_STATUSES, evaluate_gate
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.policy import PolicyError, normalize_policy
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.verdict import verdicts_from_mapping
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.waivers import WaiverError, normalize_waivers
from ansible_collections.licensing.windows.plugins.plugin_utils._report.history import (
    DEFAULT_TREND_LENGTH,
    appended_history,
    history_path,
    history_record,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._report.model import (
    RenderContext,
    ReportError,
    build_report,
    generator_name,
    load_report,
    merge_reports,
    reannotate,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_json import render_json
from ansible_collections.licensing.windows.plugins.plugin_utils._report.summary import render_summary_table
from ansible_collections.licensing.windows.plugins.plugin_utils._report.writer import report_paths, write_atomically, write_reports
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import REPORT_FORMATS

# Argument spec; plugins/modules/license_report.py documents the same options.
ARGUMENT_SPEC = {
    "verdicts": {"type": "raw"},
    "policy": {"type": "dict"},
    "merge": {"type": "list", "elements": "path"},
    "dest": {"type": "path", "required": True},
    "formats": {"type": "list", "elements": "str", "choices": list(REPORT_FORMATS), "default": list(REPORT_FORMATS)},
    "baseline": {"type": "path"},
    "update_baseline": {"type": "bool", "default": False},
    "waivers": {"type": "raw"},
    "history": {"type": "bool", "default": True},
    "history_length": {"type": "int", "default": DEFAULT_TREND_LENGTH},
    "fail_on": {"type": "list", "elements": "str", "choices": list(GATE_STATUSES), "default": []},
    "fail_on_new_only": {"type": "bool", "default": False},
    "started_at": {"type": "str"},
    "per_host_metrics": {"type": "bool", "default": True},
}
MUTUALLY_EXCLUSIVE = [("verdicts", "merge"), ("policy", "merge")]
REQUIRED_ONE_OF = [("verdicts", "merge")]
REQUIRED_TOGETHER = [("verdicts", "policy")]

# The previous baseline is kept beside the new one, under this suffix.
PREVIOUS_BASELINE_SUFFIX = ".previous"


class ActionModule(ActionBase):
    """Write the fleet reports of a license audit."""

    TRANSFERS_FILES = False
    # Empty on purpose: validate_argument_spec() in run() then refuses an unknown option and lists
    # the supported ones, where ActionBase's _VALID_ARGS check would only say "Invalid options".
    _VALID_ARGS = frozenset()

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = super().run(tmp, task_vars)
        del tmp  # tmp no longer has any effect
        task_vars = task_vars or {}

        _validation, args = self.validate_argument_spec(
            argument_spec=ARGUMENT_SPEC,
            mutually_exclusive=MUTUALLY_EXCLUSIVE,
            required_one_of=REQUIRED_ONE_OF,
            required_together=REQUIRED_TOGETHER,
        )
        if args["update_baseline"] and not args["baseline"]:
            raise AnsibleActionFail("update_baseline: true needs baseline, the path where this report is kept for the next run")
        if args["history_length"] < 1:
            raise AnsibleActionFail(f"history_length: expected a number of audits of at least 1, got {args['history_length']}")

        try:
            baseline = self._load_baseline(args)
            waivers = self._load_waivers(args["waivers"])
            report, notes = self._build(args, baseline, waivers, _groups_of(task_vars))
        except (PolicyError, ReportError, WaiverError) as exc:
            raise AnsibleActionFail(str(exc)) from exc

        gate = evaluate_gate(report, args["fail_on"], args["fail_on_new_only"])
        record = history_record(report, _duration(args["started_at"]))
        trend_file = history_path(args["dest"])
        if self._task.check_mode:
            files = report_paths(args["dest"], args["formats"])
            history = {"file": trend_file if args["history"] else None}
            baseline_written = None
        else:
            files, history, history_notes = self._write(report, args, record, trend_file)
            notes.extend(history_notes)
            baseline_written = self._write_baseline(report, args) if args["update_baseline"] else None
            notes.extend(_waiver_notes(report))

        result.update(
            changed=True,
            files=files,
            summary=report["summary"],
            summary_table=render_summary_table(report),
            hosts=len(report["hosts"]),
            gate=gate,
            history_file=history["file"],
            baseline_written=baseline_written,
            waivers=_waiver_findings(report),
        )
        if notes:
            result["warnings"] = notes
        return result

    @staticmethod
    def _load_baseline(args):
        """The baseline report, or None: none asked for, or the first run of one that keeps its own baseline."""
        path = args["baseline"]
        if path is None:
            return None
        if not os.path.exists(path) and args["update_baseline"]:
            return None
        try:
            return load_report(path)
        except ReportError as exc:
            raise ReportError(f"baseline: {exc}") from exc

    def _load_waivers(self, value):
        """The normalized waivers: from a YAML file (a path) or given inline; None when there are none."""
        if value is None:
            return None
        if isinstance(value, str):
            path = os.path.expanduser(value)
            try:
                value = self._loader.load_from_file(path)
            except Exception as exc:  # DataLoader raises AnsibleFileNotFound / AnsibleParserError with the reason
                raise WaiverError(f"waivers: cannot read the waiver file {path}: {exc}") from exc
            if value is None:
                return []
        return normalize_waivers(value)

    @staticmethod
    def _build(args, baseline, waivers, groups_of):
        if args["merge"] is not None:  # an empty list is a mistake to report, not a request for verdicts
            report, notes = merge_reports([load_report(path) for path in args["merge"]])
            if baseline is not None or waivers is not None:
                report = reannotate(report, baseline=baseline, waivers=waivers, groups_of=groups_of)
            return report, notes
        report = build_report(
            verdicts_from_mapping(args["verdicts"]),
            normalize_policy(args["policy"]),
            generated_at=datetime.now(timezone.utc),
            generator=generator_name(),
            baseline=baseline,
            waivers=waivers,
            groups_of=groups_of,
        )
        return report, []

    @staticmethod
    def _write(report, args, record, trend_file):
        """Write the reports (and the history with this audit appended); return files, history, notes."""
        notes = []
        records = (record,)
        history_content = None
        if args["history"]:
            history_content, all_records, notes = appended_history(trend_file, record)
            records = tuple(all_records[-args["history_length"]:])
        context = RenderContext(history=records, duration_seconds=record["duration_seconds"],
                                per_host_metrics=args["per_host_metrics"])
        try:
            files = write_reports(report, args["dest"], args["formats"], context=context)
            if history_content is not None:
                write_atomically(trend_file, history_content)
        except OSError as exc:
            raise AnsibleActionFail(f"dest: could not write the reports to {args['dest']}: {exc}") from exc
        return files, {"file": trend_file if args["history"] else None}, notes

    @staticmethod
    def _write_baseline(report, args):
        """Keep this report as the next run's baseline, atomically; the one it replaces stays as ``<baseline>.previous``."""
        path = args["baseline"]
        try:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            if os.path.exists(path):
                with open(path, "rb") as handle:
                    write_atomically(path + PREVIOUS_BASELINE_SUFFIX, handle.read())
            write_atomically(path, render_json(report).encode("utf-8"))
        except OSError as exc:
            raise AnsibleActionFail(f"baseline: could not keep this report as the next baseline at {path}: {exc}") from exc
        return path


def _groups_of(task_vars) -> dict:
    """Host name -> the inventory groups it is in, from the play's ``groups`` magic variable."""
    groups_of: dict[str, list[str]] = {}
    for group, hosts in (task_vars.get("groups") or {}).items():
        if group in ("all", "ungrouped"):
            continue
        for host in hosts or ():
            groups_of.setdefault(str(host), []).append(str(group))
    return groups_of


def _duration(started_at) -> float | None:
    """Seconds since ``started_at`` (an ISO-8601 time the role recorded when the audit began), or None."""
    if not started_at:
        return None
    try:
        started = datetime.fromisoformat(str(started_at).strip())
    except ValueError as exc:
        raise AnsibleActionFail(f"started_at: expected an ISO-8601 date and time, got {started_at!r}") from exc
    if started.tzinfo is None:
        started = started.replace(tzinfo=timezone.utc)
    return max(time.time() - started.timestamp(), 0.0)


def _waiver_notes(report) -> list[str]:
    """Warnings for the waivers that need a person: stale ones (they waived nothing) and expired ones."""
    block = report.get("waivers")
    if block is None:
        return []
    entries = {entry["id"]: entry for entry in block["entries"]}
    notes = [f"waiver {waiver_id!r} waived nothing in this audit (stale): its hosts are compliant or gone, "
             "or it names none; remove it or correct it" for waiver_id in block["stale"]]
    notes.extend(f"waiver {waiver_id!r} expired on {entries[waiver_id]['expires']}: the findings it covered count again"
                 for waiver_id in block["expired"])
    return notes


def _waiver_findings(report) -> dict | None:
    block = report.get("waivers")
    if block is None:
        return None
    return {"stale": block["stale"], "expired": block["expired"]}
