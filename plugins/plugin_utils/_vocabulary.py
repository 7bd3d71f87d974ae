# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's shared names: each status, reason, method, fact key and file name once.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

Every part of the pipeline (the collector command, the facts, the verdicts, the reports,
the simulated hosts and the tests) takes these names from here. The file imports nothing
but the standard library, so that the simulator (tests/simulator) can load it by its path
without ansible-core's collection loader.
"""

from __future__ import annotations

# --- the collector contract ------------------------------------------------------------

# First line of the collector script; it names the document schema the parser reads.
COLLECTOR_MARKER = "# licensing.windows collector schema=1"

# What ansible-core's PowerShell shell plugin puts before an encoded command. A command that
# starts with exactly this is passed through by the winrm connection instead of being
# encoded a second time, and the simulated hosts recognise the collector by it.
POWERSHELL_PREFIX = "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand "

# WinRS runs the command line through cmd.exe, whose limit is 8191 characters.
WINDOWS_COMMAND_LINE_LIMIT = 8191

# --- time ------------------------------------------------------------------------------

MINUTES_PER_DAY = 1440

# --- KMS -------------------------------------------------------------------------------

# The port a KMS client uses when none is configured (slmgr prints host:1688 when
# KeyManagementServicePort is 0).
KMS_DEFAULT_PORT = 1688

# "KMS activations are valid for 180 days" (Microsoft, Plan for volume activation: KMS).
# A KMS client with more validity left than that was activated by something that is not a
# KMS host (the "KMS38" activator trick).
KMS_VALIDITY_DAYS = 180
KMS_VALIDITY_MINUTES = KMS_VALIDITY_DAYS * MINUTES_PER_DAY

# --- facts -----------------------------------------------------------------------------

# The values of ansible_facts.windows_license.activation.method, in the order the docs
# list them (docs/facts.md).
ACTIVATION_METHODS = (
    "digital_license",
    "subscription",
    "oem_firmware_key",
    "product_key",
    "volume_mak",
    "kms",
    "ad_based",
    "token",
    "avma",
    "evaluation",
    "kms_host",
    "not_activated",
    "unknown",
)

# Methods that are no activation a policy could entitle: an evaluation is a tolerated state
# (the policy's allow_evaluation), the other two are no activation at all.
UNENTITLEABLE_METHODS = ("evaluation", "not_activated", "unknown")
ENTITLEABLE_METHODS = tuple(method for method in ACTIVATION_METHODS if method not in UNENTITLEABLE_METHODS)

# Volume and virtual-machine activations, which can never carry a digital license.
NEVER_DIGITAL_METHODS = frozenset(("volume_mak", "kms", "ad_based", "token", "avma", "kms_host"))

# --- verdicts --------------------------------------------------------------------------

STATUSES = ("compliant", "noncompliant", "unknown")

# What each reason means, in one line (reports show it beside the code), in report order:
# what is wrong with the license first, then what is wrong with the audit itself.
REASON_DESCRIPTIONS = {
    "not_activated": "Windows is not activated (unlicensed, in a grace period or in notification mode)",
    "not_digital_entitlement": "activated, but not by an entitled method such as a digital license",
    "grace_expiring": "the activation, grace or evaluation period ends in fewer days than the policy requires",
    "evaluation": "an evaluation edition, which the policy does not allow",
    "kms_unreachable": "a KMS client that cannot reach (or get an activation from) its KMS host",
    "kms_host_unexpected": "a KMS client that uses a KMS host not in the expected list",
    "kms_validity_anomalous": "a KMS activation valid for longer than a KMS host grants (an unofficial activator)",
    "unclassified": "the activation could not be classified, or whether it is a digital license cannot be told",
    "unreachable": "the host was not reached",
    "collection_failed": "the licensing facts could not be collected from the host",
}
REASONS = tuple(REASON_DESCRIPTIONS)

# Reasons that prove a host is not compliant, as opposed to "we could not tell".
NONCOMPLIANT_REASONS = frozenset((
    "not_activated",
    "not_digital_entitlement",
    "grace_expiring",
    "evaluation",
    "kms_unreachable",
    "kms_host_unexpected",
    "kms_validity_anomalous",
))
AUDIT_FAILURE_REASONS = frozenset(("unreachable", "collection_failed"))

# How a host changed since the baseline (plugin_utils/_audit/baseline.py), in report order.
CHANGES = ("new", "regressed", "resolved", "changed", "unchanged", "gone")
# The changes that are news to whoever accepted the baseline: what a gate on new problems counts.
NEW_PROBLEM_CHANGES = frozenset(("new", "regressed"))

# The state of the waiver that matched a host (plugin_utils/_audit/waivers.py).
WAIVER_STATES = ("active", "expired")

# The values of the policy's server_policy.
SERVER_POLICIES = ("any_activation", "entitled_methods")

# The compact subset of the facts that every verdict carries, in this order.
FACT_KEYS = (
    "license_status",
    "method",
    "digital_license",
    "channel",
    "edition",
    "os_caption",
    "is_server",
    "partial_product_key",
    "grace_days_remaining",
    "grace_expires_at",
    "evaluation_end_date",
    "kms_host",
    "firmware_key_present",
)

# The fact a verdict is published under and the prefix of the status groups
# (license_compliant, license_noncompliant, license_unknown).
VERDICT_FACT = "license_audit"
GROUP_PREFIX = "license_"

# Which hosts join their status group at run time: every host, only the hosts that need
# attention (noncompliant and unknown), or none.
STATUS_GROUP_CHOICES = ("all", "attention", "none")


def joins_status_group(status: str, status_groups: str) -> bool:
    """Whether a host of ``status`` joins its status group under the ``status_groups`` choice."""
    return status_groups == "all" or (status_groups == "attention" and status != "compliant")


# --- reports ---------------------------------------------------------------------------

# Every report format, in the order the reports are written, and the file each is written to.
REPORT_FILE_NAMES = {
    "json": "license-audit.json",
    "csv": "license-audit.csv",
    "html": "license-audit.html",
    "junit": "license-audit-junit.xml",
    "markdown": "license-audit.md",
    "prometheus": "license-audit.prom",
}
REPORT_FORMATS = tuple(REPORT_FILE_NAMES)

# Beside the reports: one summary record per audit, appended (JSON Lines), and the baseline
# a run keeps for the next when asked to.
HISTORY_FILE_NAME = "license-audit-history.jsonl"
