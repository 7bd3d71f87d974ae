# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of licensing.windows.license_facts.

The module runs no code of its own on the host: it sends the collector script
(plugin_utils/_facts/collector.ps1) as ONE encoded PowerShell command through the
task's connection, the way ansible.windows' win_reboot drives PowerShell, and then
parses and classifies the JSON document on the controller. That keeps the host-side
cost to one process and a few kilobytes on the wire, and works unchanged over the
winrm, psrp and ssh connection plugins.

With ``policy`` the same task also judges the host (plugin_utils/_audit/verdict.py) and
returns the verdict as the ``license_audit`` fact plus an ``add_group`` for its status
group, the result key ansible.builtin.group_by uses. The license_audit role relies on
this: verdicts and groups then cost no task, fork or loop item per host beyond this one
(docs/performance.md).
"""

from __future__ import annotations

from datetime import datetime, timezone

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.licensing.windows.plugins.plugin_utils._facts.classifier import build_facts
from ansible_collections.licensing.windows.plugins.plugin_utils._facts.errors import LicenseFactsError
from ansible_collections.licensing.windows.plugins.plugin_utils._facts.document import parse_collector_output
from ansible_collections.licensing.windows.plugins.plugin_utils._masking import mask_product_keys
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.policy import PolicyError, normalize_policy
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.verdict import verdict
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import (
    GROUP_PREFIX,
    STATUS_GROUP_CHOICES,
    VERDICT_FACT,
    joins_status_group,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._facts.command import (
    CollectorRun,
    build_collector_command,
    interpret_failed_run,
)

# Argument spec of the module; plugins/modules/license_facts.py documents the same options.
ARGUMENT_SPEC = {
    "max_output_bytes": {"type": "int", "default": 1048576},
    "policy": {"type": "dict"},
    "status_groups": {"type": "str", "choices": list(STATUS_GROUP_CHOICES), "default": "all"},
}

# Shell plugins of Windows hosts: powershell (winrm, psrp, ssh) and cmd (ssh to a host whose DefaultShell is cmd.exe).
_WINDOWS_SHELL_FAMILIES = ("powershell", "cmd")

# Smallest output cap that still holds a real host's document with room to spare.
_MIN_OUTPUT_BYTES = 16384


class ActionModule(ActionBase):
    """Collect Windows activation and licensing facts."""

    TRANSFERS_FILES = False
    # Empty on purpose: validate_argument_spec() in run() then refuses an unknown option and lists
    # the supported ones, where ActionBase's _VALID_ARGS check would only say "Invalid options".
    _VALID_ARGS = frozenset()

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True  # read-only: check mode runs the query as usual
        self._supports_async = False
        result = super().run(tmp, task_vars)
        del tmp  # tmp no longer has any effect

        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        max_output = args["max_output_bytes"]
        if max_output < _MIN_OUTPUT_BYTES:
            raise AnsibleActionFail(
                f"max_output_bytes: expected an integer of at least {_MIN_OUTPUT_BYTES}, got {max_output}"
            )
        # Checked before the host is contacted, so a bad policy costs no connection.
        policy = None
        if args["policy"] is not None:
            try:
                policy = normalize_policy(args["policy"])
            except PolicyError as exc:
                raise AnsibleActionFail(str(exc)) from exc

        shell_family = getattr(self._connection._shell, "SHELL_FAMILY", None)
        # The command is a complete "PowerShell -NoProfile ... -EncodedCommand" line, so it runs the same whether
        # Windows' OpenSSH hands it to cmd.exe or to powershell.exe (its DefaultShell, which ansible_shell_type mirrors).
        if shell_family not in _WINDOWS_SHELL_FAMILIES:
            return self._failure(
                result,
                "not_powershell",
                f"license_facts needs a Windows host reached with the PowerShell (or cmd) shell plugin, but this host uses "
                f"the '{shell_family}' shell. Set ansible_connection to winrm or psrp (or ssh with "
                "ansible_shell_type=powershell, or cmd where the host's OpenSSH DefaultShell is cmd.exe).",
            )

        # Connection errors (refused, credentials, TLS) propagate as AnsibleConnectionFailure,
        # which Ansible reports as UNREACHABLE: that is the honest status for them.
        raw = self._low_level_execute_command(build_collector_command(), sudoable=False)
        run = CollectorRun(rc=raw.get("rc", 0), stdout=raw.get("stdout", ""), stderr=raw.get("stderr", ""))

        if run.rc != 0:
            code, message = interpret_failed_run(run)
            return self._failure(result, code, message, rc=run.rc)

        if len(run.stdout.encode("utf-8", "surrogatepass")) > max_output:
            return self._failure(
                result,
                "output_too_large",
                f"The collector printed more than max_output_bytes ({max_output} bytes); a licensing document is a few "
                "kilobytes, so the host's PowerShell profile or a wrapper is probably adding output. Check the host, or "
                "raise max_output_bytes.",
            )

        try:
            document = parse_collector_output(run.stdout)
            facts = build_facts(document, collected_at=datetime.now(timezone.utc))
        except LicenseFactsError as exc:
            return self._failure(result, exc.code, exc.message)

        result.update(changed=False, ansible_facts={"windows_license": facts})
        if policy is not None:
            self._judge(result, (task_vars or {}).get("inventory_hostname"), policy, args["status_groups"])
        return result

    @staticmethod
    def _judge(result, host, policy, status_groups):
        """Add the host's verdict as a fact and, as ``status_groups`` asks, its status group."""
        # The same pure function the license_verdicts filter applies to the registered result,
        # so the fact, the group and the fleet reports can never disagree.
        judged = verdict(host, result, policy)
        result["ansible_facts"][VERDICT_FACT] = judged
        # Each host that joins a group at run time costs ansible-core a reconcile of the whole
        # inventory (docs/performance.md), so a large fleet can group only the hosts that need
        # attention, or none (and build groups at parse time from the report instead).
        if joins_status_group(judged["status"], status_groups):
            result["add_group"] = GROUP_PREFIX + judged["status"]
            result["parent_groups"] = ["all"]

    @staticmethod
    def _failure(result, code, message, **extra):
        """Fail the task with a stable error_code and a message that says what to do."""
        result.update(extra)
        result.update(failed=True, changed=False, error_code=code, msg=mask_product_keys(message))
        return result
