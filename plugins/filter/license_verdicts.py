# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over plugin_utils/_audit: judge every host of a play, validate a policy.

Thin adapters: they find each host's registered result through hostvars and hand
everything to the pure functions, turning a PolicyError into an AnsibleFilterError.
Documentation: license_verdicts.yml and license_policy.yml next to this file.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.licensing.windows.plugins.plugin_utils._audit.policy import PolicyError, normalize_policy
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.verdict import verdicts

DEFAULT_RESULT_VAR = "__license_audit_result"


def _registered_result(hostvars, host, result_var):
    """The host's registered result, or None when the host never registered one."""
    if hostvars is None or not isinstance(host, str):
        return None
    # HostVars answers `in` without templating anything; indexing an absent host would
    # give an undefined marker rather than raise.
    if host not in hostvars:
        return None
    host_vars = hostvars[host]
    if not isinstance(host_vars, Mapping) or result_var not in host_vars:
        return None
    result = host_vars[result_var]
    return result if isinstance(result, Mapping) else None


def license_verdicts(hosts, hostvars, result_var=DEFAULT_RESULT_VAR, policy=None):
    """Map each host of ``hosts`` to its verdict (see docs/architecture.md, "Verdicts")."""
    if not isinstance(result_var, str) or not result_var.strip():
        raise AnsibleFilterError(f"result_var: expected the name of the variable registered by license_facts, got {result_var!r}")
    if isinstance(hosts, (str, Mapping)) or not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError(f"_input: expected a list of host names such as ansible_play_hosts_all, got {type(hosts).__name__}")
    if hostvars is not None and not isinstance(hostvars, Mapping):
        raise AnsibleFilterError(f"hostvars: expected hostvars (a dictionary of host name to variables), got {type(hostvars).__name__}")
    results = {host: _registered_result(hostvars, host, result_var) for host in hosts if isinstance(host, str)}
    try:
        judged = verdicts(list(hosts), results, policy)
    except PolicyError as exc:
        raise AnsibleFilterError(str(exc)) from exc
    return {item["host"]: item for item in judged}


def license_policy(policy):
    """The policy validated and completed with its defaults."""
    try:
        return normalize_policy(policy)
    except PolicyError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """License audit filters."""

    def filters(self):
        return {
            "license_verdicts": license_verdicts,
            "license_policy": license_policy,
        }
