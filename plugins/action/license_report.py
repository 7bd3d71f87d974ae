# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of licensing.windows.license_report: write or merge fleet reports.

Everything happens on the controller; the task's host is never contacted. The report
model and renderers are pure functions in plugin_utils so the role, the merge playbook
and the unit tests share them.
"""

from __future__ import annotations

from datetime import datetime, timezone

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.licensing.windows.plugins.plugin_utils._audit.policy import PolicyError, normalize_policy
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.verdict import verdicts_from_mapping
from ansible_collections.licensing.windows.plugins.plugin_utils._report.model import (
    ReportError,
    build_report,
    generator_name,
    load_report,
    merge_reports,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._report.summary import render_summary_table
from ansible_collections.licensing.windows.plugins.plugin_utils._report.writer import report_paths, write_reports
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import REPORT_FORMATS

# Argument spec; plugins/modules/license_report.py documents the same options.
ARGUMENT_SPEC = {
    "verdicts": {"type": "raw"},
    "policy": {"type": "dict"},
    "merge": {"type": "list", "elements": "path"},
    "dest": {"type": "path", "required": True},
    "formats": {"type": "list", "elements": "str", "choices": list(REPORT_FORMATS), "default": list(REPORT_FORMATS)},
}
MUTUALLY_EXCLUSIVE = [("verdicts", "merge"), ("policy", "merge")]
REQUIRED_ONE_OF = [("verdicts", "merge")]
REQUIRED_TOGETHER = [("verdicts", "policy")]


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

        _validation, args = self.validate_argument_spec(
            argument_spec=ARGUMENT_SPEC,
            mutually_exclusive=MUTUALLY_EXCLUSIVE,
            required_one_of=REQUIRED_ONE_OF,
            required_together=REQUIRED_TOGETHER,
        )

        try:
            if args["merge"] is not None:  # an empty list is a mistake to report, not a request for verdicts
                report, notes = merge_reports([load_report(path) for path in args["merge"]])
            else:
                policy = normalize_policy(args["policy"])
                report = build_report(
                    verdicts_from_mapping(args["verdicts"]),
                    policy,
                    generated_at=datetime.now(timezone.utc),
                    generator=generator_name(),
                )
                notes = []
        except (PolicyError, ReportError) as exc:
            raise AnsibleActionFail(str(exc)) from exc

        if self._task.check_mode:
            files = report_paths(args["dest"], args["formats"])
        else:
            try:
                files = write_reports(report, args["dest"], args["formats"])
            except OSError as exc:
                raise AnsibleActionFail(f"dest: could not write the reports to {args['dest']}: {exc}") from exc

        result.update(
            changed=True,
            files=files,
            summary=report["summary"],
            summary_table=render_summary_table(report),
            hosts=len(report["hosts"]),
        )
        if notes:
            result["warnings"] = notes
        return result
