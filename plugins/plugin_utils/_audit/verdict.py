# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The verdict the audit policy gives each host.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

``verdict`` judges one host's registered ``license_facts`` result against a policy;
``verdicts`` judges a whole play. A verdict is ``compliant``, ``noncompliant`` or
``unknown``, with stable reason codes, a one-line summary and the plain-language steps a
person takes to fix the host (worded in remediation.py; docs/policy-and-reports.md explains
every setting and every reason). The license_facts action (option ``policy``), the
license_verdicts filter and the license_report action all run this same code, so the fact,
the groups and the reports cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone

from ansible_collections.licensing.windows.plugins.plugin_utils._audit.kms_host import format_kms_host, split_host_port
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.policy import PolicyError, normalize_policy
from ansible_collections.licensing.windows.plugins.plugin_utils._facts.catalog import is_evaluation_edition
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.remediation import (
    KMS_CONTACT_REASONS,
    Assessment,
    remediation_steps,
    summary_line,
    unknown_words,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._masking import mask_product_keys
from ansible_collections.licensing.windows.plugins.plugin_utils._messages import got, shown
from ansible_collections.licensing.windows.plugins.plugin_utils._text import ERROR_MESSAGE_MAX_CHARS, one_line
from ansible_collections.licensing.windows.plugins.plugin_utils._values import hresult, hresult_text, integer, whole_days
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import (
    AUDIT_FAILURE_REASONS,
    FACT_KEYS,
    KMS_DEFAULT_PORT,
    KMS_VALIDITY_MINUTES,
    MINUTES_PER_DAY,
    NEVER_DIGITAL_METHODS,
    NONCOMPLIANT_REASONS,
    REASONS,
)

# An AVMA activation only lasts 7 days and the guest renews it with its Hyper-V host all
# the time, so a healthy guest always has fewer than 14 days left; for AVMA the
# grace_expiring threshold is capped at this many days (renewal failing for 5 days).
AVMA_MAX_THRESHOLD_DAYS = 2


# ---------------------------------------------------------------------------------------
# Reading the registered result and the facts
# ---------------------------------------------------------------------------------------


def _text(value) -> str | None:
    # str() turns Ansible's tagged strings into plain ones.
    return str(value) if isinstance(value, str) else None


def _flag(value) -> bool | None:
    return bool(value) if isinstance(value, bool) else None


def _mapping(value) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def _hresult(value) -> str | None:
    """LicenseStatusReason as ``0xXXXXXXXX`` whether it arrives as text or as a number."""
    return hresult_text(hresult(value))


def _timestamp(value) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _kms_endpoints(kms: Mapping) -> tuple[str | None, list[str]]:
    """The KMS host a client uses, for display, and every name it may be known by.

    A configured host (slmgr /skms) overrides DNS discovery, so only it counts when set.
    """
    configured = _text(kms.get("configured_host"))
    if configured and configured.strip():
        port = integer(kms.get("configured_port")) or KMS_DEFAULT_PORT
        names = [configured]
    else:
        discovered = _text(kms.get("discovered_host"))
        port = integer(kms.get("discovered_port")) or KMS_DEFAULT_PORT
        names = [name for name in (discovered, _text(kms.get("discovered_ip"))) if name and name.strip()]
    endpoints = []
    for name in names:
        parsed = split_host_port(name)
        if parsed is not None:
            # A name written as host:port carries its own port.
            endpoints.append(format_kms_host(parsed[0], parsed[1] or port))
    if endpoints:
        return endpoints[0], endpoints
    if names:
        return one_line(names[0], 300), []
    return None, []


class _HostFacts:
    """The facts one verdict needs, read defensively: every value may be null."""

    def __init__(self, facts: Mapping):
        activation = _mapping(facts.get("activation"))
        product = _mapping(facts.get("product"))
        os_facts = _mapping(facts.get("os"))
        firmware = _mapping(facts.get("firmware_key"))
        self.license_status = _text(facts.get("license_status"))
        self.reason = _hresult(facts.get("license_status_reason"))
        self.reason_text = _text(facts.get("license_status_reason_text"))
        self.method = _text(activation.get("method"))
        self.digital_license = _flag(activation.get("digital_license"))
        self.channel = _text(product.get("channel"))
        self.description = _text(product.get("description")) or ""
        self.edition = _text(product.get("edition"))
        self.edition_id = _text(os_facts.get("edition_id"))
        partial = _text(product.get("partial_product_key"))
        # Second line of defence: a partial key is five characters, never more.
        self.partial_product_key = partial[-5:] if partial else None
        self.os_caption = _text(os_facts.get("caption"))
        self.is_server = _flag(os_facts.get("is_server"))
        self.grace_minutes = integer(facts.get("grace_remaining_minutes"))
        self.grace_expires_at = _text(facts.get("grace_expires_at"))
        self.evaluation_end_date = _text(facts.get("evaluation_end_date"))
        self.collected_at = _timestamp(facts.get("collected_at"))
        self.firmware_key_present = _flag(firmware.get("present"))
        kms = facts.get("kms")
        self.kms = kms if isinstance(kms, Mapping) else None
        self.kms_host, self.kms_names = _kms_endpoints(self.kms) if self.kms else (None, [])
        self.kms_lookup_domain = _text(self.kms.get("lookup_domain")) if self.kms else None

    @property
    def licensed(self) -> bool:
        return self.license_status == "licensed"

    @property
    def is_evaluation(self) -> bool:
        channel = (self.channel or "").lower()
        # The same marks the classifier uses: a time-based channel, an evaluation end date, or
        # an evaluation edition (what an evaluation that is no longer activated still shows).
        return (
            self.method == "evaluation"
            or channel.startswith("retail_tb")
            or "TIMEBASED_" in self.description.upper()
            or self.evaluation_end_date is not None
            or is_evaluation_edition(self.edition)
            or is_evaluation_edition(self.edition_id)
        )

    @property
    def is_kms_client(self) -> bool:
        if self.method == "kms":
            return True
        if self.method not in (None, "unknown", "not_activated"):
            return False
        # Not activated, so the method is not known; the channel, the description or the
        # KMS block of a volume client still tell a KMS client.
        if (self.channel or "").lower() == "volume_gvlk" or "VOLUME_KMSCLIENT" in self.description.upper():
            return True
        return self.kms is not None and self.kms.get("is_kms_host") is False

    def minutes_left(self) -> int | None:
        """Minutes until the current activation or grace period ends (None: it does not end)."""
        candidates = []
        if self.grace_minutes is not None and self.grace_minutes > 0:
            candidates.append(self.grace_minutes)
        # An evaluation that has already ended is "not activated"; its end date only counts down while it runs.
        if self.licensed and self.is_evaluation and self.collected_at is not None:
            end = _timestamp(self.evaluation_end_date)
            if end is not None:
                candidates.append(max(int((end - self.collected_at).total_seconds() // 60), 0))
        return min(candidates) if candidates else None

    def compact(self) -> dict:
        grace_days = whole_days(self.grace_minutes) if self.grace_minutes is not None else None
        values = {
            "license_status": self.license_status,
            "method": self.method,
            "digital_license": self.digital_license,
            "channel": self.channel,
            "edition": self.edition,
            "os_caption": self.os_caption,
            "is_server": self.is_server,
            "partial_product_key": self.partial_product_key,
            "grace_days_remaining": grace_days,
            "grace_expires_at": self.grace_expires_at,
            "evaluation_end_date": self.evaluation_end_date,
            "kms_host": self.kms_host,
            "firmware_key_present": self.firmware_key_present,
        }
        return {key: values[key] for key in FACT_KEYS}


def empty_facts() -> dict:
    """The compact facts of a host whose facts were not collected: every value null."""
    return dict.fromkeys(FACT_KEYS)


# ---------------------------------------------------------------------------------------
# Judging one host
# ---------------------------------------------------------------------------------------


def _status_for(reasons: set[str]) -> str:
    if reasons & AUDIT_FAILURE_REASONS:
        return "unknown"
    if reasons & NONCOMPLIANT_REASONS:
        return "noncompliant"
    if "unclassified" in reasons:
        return "unknown"
    return "compliant"


def _ordered(reasons: set[str]) -> list[str]:
    return [reason for reason in REASONS if reason in reasons]


def _unknown_verdict(host: str, reason: str, code: str, message: str) -> dict:
    message = mask_product_keys(one_line(message, ERROR_MESSAGE_MAX_CHARS)) or "no message"
    summary, steps = unknown_words(reason, code, message)
    return {
        "host": host,
        "status": "unknown",
        "reasons": [reason],
        "summary": summary,
        "remediation": steps,
        "error": {"code": code, "message": message},
        "facts": empty_facts(),
    }


def _failed_code(result: Mapping) -> str:
    code = _text(result.get("error_code"))
    if code and code.strip():
        return code.strip()
    # The task keyword `timeout` fails the task without an error_code of ours.
    if result.get("timedout"):
        return "timeout"
    return "task_failed"


def _judge(host: str, result, policy: dict) -> dict:
    if not isinstance(result, Mapping):
        return _unknown_verdict(host, "unreachable", "no_result", "no result: the host was not reached")
    if result.get("unreachable"):
        return _unknown_verdict(host, "unreachable", "unreachable", _text(result.get("msg")) or "the host could not be reached")
    if result.get("skipped"):
        return _unknown_verdict(
            host, "collection_failed", "skipped", _text(result.get("skip_reason")) or "the license_facts task was skipped on this host"
        )
    if result.get("failed"):
        return _unknown_verdict(
            host, "collection_failed", _failed_code(result), _text(result.get("msg")) or "the license_facts task failed without a message"
        )
    facts = _mapping(result.get("ansible_facts")).get("windows_license")
    if not isinstance(facts, Mapping):
        return _unknown_verdict(host, "collection_failed", "no_facts", "the license_facts task returned no windows_license facts")
    return _judge_facts(host, _HostFacts(facts), policy)


def _threshold_days(facts: _HostFacts, policy: dict) -> int:
    """Days left below which grace_expiring is raised for this host."""
    if facts.method == "avma":
        return min(policy["min_days_remaining"], AVMA_MAX_THRESHOLD_DAYS)
    return policy["min_days_remaining"]


def _entitlement(facts: _HostFacts, policy: dict) -> str | None:
    """The reason a licensed, classified, non-evaluation host earns for its activation method, if any."""
    entitled = policy["entitled_methods"]
    if facts.method in entitled:
        return None
    if "digital_license" in entitled:
        if facts.digital_license is True:
            return None  # the facts show a digital license behind this activation
        if facts.digital_license is None and facts.method not in NEVER_DIGITAL_METHODS:
            return "unclassified"  # whether it is a digital license decides, and cannot be told
    return "not_digital_entitlement"


def _judge_facts(host: str, facts: _HostFacts, policy: dict) -> dict:
    reasons: set[str] = set()
    threshold_days = _threshold_days(facts, policy)
    minutes_left = facts.minutes_left()
    judged_as_client = not (facts.is_server and policy["server_policy"] == "any_activation")
    undecided_digital = False

    if facts.license_status is None:
        reasons.add("unclassified")
    elif not facts.licensed:
        reasons.add("not_activated")
        if facts.is_kms_client and facts.reason in KMS_CONTACT_REASONS:
            reasons.add("kms_unreachable")
        if facts.is_evaluation and not policy["allow_evaluation"]:
            reasons.add("evaluation")
    elif facts.is_evaluation:
        if not policy["allow_evaluation"]:
            reasons.add("evaluation")
    elif facts.method in (None, "unknown", "not_activated"):
        reasons.add("unclassified")
    elif judged_as_client:
        reason = _entitlement(facts, policy)
        if reason:
            reasons.add(reason)
            undecided_digital = reason == "unclassified"

    if minutes_left is not None and minutes_left < threshold_days * MINUTES_PER_DAY:
        reasons.add("grace_expiring")
    if facts.is_kms_client:
        if facts.grace_minutes is not None and facts.grace_minutes > KMS_VALIDITY_MINUTES:
            reasons.add("kms_validity_anomalous")
        if policy["expected_kms_hosts"] and not set(facts.kms_names) & set(policy["expected_kms_hosts"]):
            reasons.add("kms_host_unexpected")

    assessment = Assessment(policy, minutes_left, threshold_days, judged_as_client, undecided_digital)
    return {
        "host": host,
        "status": _status_for(reasons),
        "reasons": _ordered(reasons),
        "summary": summary_line(facts, reasons, assessment),
        "remediation": remediation_steps(facts, reasons, assessment),
        "error": None,
        "facts": facts.compact(),
    }


# ---------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------


def host_sort_key(host: str) -> tuple:
    """Natural order of host names (win-2 before win-10), total and deterministic."""
    parts = re.split(r"(\d+)", host)
    key = tuple((0, int(part), "") if part.isdigit() else (1, 0, part.casefold()) for part in parts if part)
    return key, host


def _host_name(value, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PolicyError(f"{field}: expected a host name, got {got(value)}")
    return str(value)


def verdict(host: str, result, policy) -> dict:
    """Judge one host's registered ``license_facts`` result against ``policy``.

    ``result`` is the registered task result (success, failure or unreachable) or None
    when the host never ran the task. Returns the verdict described in docs/architecture.md.
    """
    return _judge(_host_name(host, "host"), result, normalize_policy(policy))


def verdicts(hosts, results, policy) -> list[dict]:
    """Judge every host of ``hosts`` once, sorted by host name.

    ``results`` maps host names to registered results; a host missing from it (or mapped
    to None) was not reached. Duplicate host names are judged once.
    """
    checked = normalize_policy(policy)
    if isinstance(hosts, (str, Mapping)) or not isinstance(hosts, (list, tuple, set, frozenset)):
        raise PolicyError(f"hosts: expected a list of host names, got {got(hosts)}")
    if results is None:
        results = {}
    if not isinstance(results, Mapping):
        raise PolicyError(f"results: expected a dictionary of host name to task result, got {got(results)}")
    # None entries are skipped: a list built with map/extract may hold them for hosts
    # that are gone, and they name no host to judge.
    names = {_host_name(host, f"hosts[{index}]") for index, host in enumerate(hosts) if host is not None}
    return [_judge(name, results.get(name), checked) for name in sorted(names, key=host_sort_key)]


def verdicts_from_mapping(value) -> list[dict]:
    """The verdicts of the license_verdicts filter (host -> verdict) or a list of verdicts, as a sorted list.

    Only the container is checked here; the report model validates each verdict's fields.
    """
    if isinstance(value, Mapping):
        items = []
        for host, item in value.items():
            name = _host_name(host, "verdicts")
            if not isinstance(item, Mapping):
                raise PolicyError(f"verdicts[{name!r}]: expected a verdict dictionary, got {got(item)}")
            if "host" in item and item["host"] != host:
                raise PolicyError(f"verdicts[{name!r}].host: expected {name!r} (the key it is stored under), got {shown(item['host'])}")
            items.append({**item, "host": name})
    elif isinstance(value, (list, tuple)):
        items = []
        seen = set()
        for index, item in enumerate(value):
            if not isinstance(item, Mapping):
                raise PolicyError(f"verdicts[{index}]: expected a verdict dictionary, got {got(item)}")
            name = _host_name(item.get("host"), f"verdicts[{index}].host")
            if name in seen:
                raise PolicyError(f"verdicts[{index}].host: host {name!r} appears more than once")
            seen.add(name)
            items.append(dict(item))
    else:
        raise PolicyError(
            "verdicts: expected a dictionary of host name to verdict (the output of licensing.windows.license_verdicts) "
            f"or a list of verdicts, got {got(value)}"
        )
    return sorted(items, key=lambda item: host_sort_key(item["host"]))
