# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit policy: its settings, checked and completed.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

The settings, their types, choices and defaults are written once, in the doc fragment
plugins/doc_fragments/policy.py that documents the ``policy`` option; ``POLICY_SPEC`` is
read from it. What a spec cannot say is checked here: ranges, that an evaluation is no
entitlement, the KMS host syntax, and a canonical form (methods in a fixed order, KMS hosts
lower-cased as ``host:port`` and sorted) so that policies that mean the same compare equal
when reports are merged.

Each message names the field, the problem and what is expected. ansible-core's
ArgumentSpecValidator would check the same types, but its messages name neither the
policy's field path (``policy.entitled_methods[2]``) nor the choices a user can take, and
the collection promises those messages.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

import yaml

from ansible_collections.licensing.windows.plugins.doc_fragments.policy import ModuleDocFragment
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.kms_host import format_kms_host, parse_kms_host
from ansible_collections.licensing.windows.plugins.plugin_utils._messages import got, shown

_SPEC_KEYS = ("type", "elements", "choices", "default")

# The settings as an argument spec (type, elements, choices, default), in documentation order.
POLICY_SPEC = {
    name: {key: option[key] for key in _SPEC_KEYS if key in option}
    for name, option in yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]["policy"]["suboptions"].items()
}

# The policy of an audit that sets nothing.
DEFAULT_POLICY = {name: spec["default"] for name, spec in POLICY_SPEC.items()}

# Strings a boolean setting accepts as well, since extra vars (-e) arrive as strings.
_TRUE_STRINGS = frozenset(("true", "yes", "on", "1"))
_FALSE_STRINGS = frozenset(("false", "no", "off", "0"))


class PolicyError(ValueError):
    """A policy, host list or verdict input is not what the audit expects.

    The message names the field, what is wrong with the value and what is expected.
    """


def _list(value, field: str, expected: str) -> list:
    if isinstance(value, (str, Mapping)) or not isinstance(value, (list, tuple)):
        raise PolicyError(f"{field}: expected {expected}, got {got(value)}")
    return list(value)


def _check_entitled_methods(value, field: str) -> list[str]:
    items = _list(value, field, "a list of activation methods")
    if not items:
        raise PolicyError(f"{field}: expected at least one activation method (for example digital_license), got an empty list")
    choices = POLICY_SPEC["entitled_methods"]["choices"]
    chosen = set()
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise PolicyError(f"{field}[{index}]: expected an activation method name, got {got(item)}")
        method = item.strip().lower()
        if method == "evaluation":
            raise PolicyError(
                f"{field}[{index}]: 'evaluation' is not an entitlement; set policy.allow_evaluation to true to accept "
                "running evaluation editions"
            )
        if method not in choices:
            raise PolicyError(f"{field}[{index}]: unknown activation method {shown(item)}; expected some of {', '.join(choices)}")
        chosen.add(method)
    # Canonical order, so that two policies that mean the same compare equal when reports merge.
    return [method for method in choices if method in chosen]


def _check_server_policy(value, field: str) -> str:
    choices = POLICY_SPEC["server_policy"]["choices"]
    if isinstance(value, str) and value.strip().lower() in choices:
        return value.strip().lower()
    raise PolicyError(f"{field}: expected one of {', '.join(choices)}, got {got(value)}")


def _check_min_days(value, field: str) -> int:
    # Extra vars (-e) arrive as strings, so a string of digits is accepted as well.
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return int(value)
    raise PolicyError(f"{field}: expected a non-negative integer, got {shown(value)}")


def _check_allow_evaluation(value, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_STRINGS:
            return True
        if word in _FALSE_STRINGS:
            return False
    raise PolicyError(f"{field}: expected a boolean (true or false), got {got(value)}")


def _check_expected_kms_hosts(value, field: str) -> list[str]:
    items = _list(value, field, "a list of KMS host names or host:port strings (empty for any host)")
    hosts = set()
    for index, item in enumerate(items):
        parsed = parse_kms_host(item) if isinstance(item, str) else None
        if parsed is None:
            raise PolicyError(
                f"{field}[{index}]: expected a host name, address or host:port such as kms01.example.com:1688, got {got(item)}"
            )
        hosts.add(format_kms_host(*parsed))
    return sorted(hosts)


# One check per setting of the spec (a unit test holds the two to the same names).
_CHECKS = {
    "entitled_methods": _check_entitled_methods,
    "server_policy": _check_server_policy,
    "min_days_remaining": _check_min_days,
    "allow_evaluation": _check_allow_evaluation,
    "expected_kms_hosts": _check_expected_kms_hosts,
}


def normalize_policy(policy) -> dict:
    """Validate ``policy`` and return it complete, in canonical form.

    Missing settings (or settings set to null) take their defaults. Unknown settings and
    bad values raise PolicyError naming the field, the problem and what is expected.
    """
    if policy is None:
        policy = {}
    if not isinstance(policy, Mapping):
        raise PolicyError(f"policy: expected a dictionary of policy settings, got {got(policy)}")
    unknown = sorted(str(key) for key in policy if key not in POLICY_SPEC)
    if unknown:
        raise PolicyError(
            f"policy: unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(repr(k) for k in unknown)}; "
            f"expected some of {', '.join(sorted(POLICY_SPEC))}"
        )
    normalized = {}
    for name in POLICY_SPEC:
        value = policy.get(name)
        normalized[name] = _CHECKS[name](value, f"policy.{name}") if value is not None else copy.deepcopy(DEFAULT_POLICY[name])
    return normalized
