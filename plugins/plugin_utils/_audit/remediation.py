# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The words of a verdict: its one-line summary and the steps a person takes to fix the host.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

verdict.py decides the status and the reasons; this module only explains them, in plain
language, to whoever has to fix the host (a desktop user for a client without a digital
license, an administrator for KMS, evaluation and collection problems). It reads the
host's facts through the attributes of verdict.py's fact reader (the FactsView protocol),
so the texts can change without touching any decision.

The same words reach users of the license_audit role, of the license_facts module's
``policy`` option and of the license_verdicts filter, so a step names the policy setting
first and the role variable in brackets (``setting_words``).
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from ansible_collections.licensing.windows.plugins.plugin_utils._text import one_line
from ansible_collections.licensing.windows.plugins.plugin_utils._values import whole_days
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import KMS_DEFAULT_PORT, KMS_VALIDITY_DAYS

# The role's variables are the policy settings with this prefix.
ROLE_VARIABLE_PREFIX = "license_audit_"

# LicenseStatusReason values that mean a KMS client could not get (or renew) its
# activation from a KMS host, with what each one means for the person fixing it.
KMS_CONTACT_REASONS = {
    "0xC004F074": "no Key Management Service (KMS) host could be contacted",
    "0xC004F038": "the KMS host has not yet reached its activation threshold (25 Windows client machines or 5 servers)",
    "0xC004F039": "the KMS host is not enabled",
    "0xC004F041": "the KMS host is not activated",
    "0xC004F042": "the KMS host cannot activate this product",
    "0xC004F056": "the product could not be activated using KMS",
    "0x8007232B": "DNS has no KMS SRV record (_vlmcs._tcp) for the host's domain",
}

_KMS_REASON_STEPS = {
    "0xC004F038": "The KMS host counts too few clients to activate anyone yet (25 Windows client machines or 5 servers); "
                  "it starts activating when enough machines have asked. Check its count with slmgr /dlv on the KMS host.",
    "0xC004F039": "The KMS host is not enabled: on the KMS host, check the Software Protection service and its KMS "
                  "settings (slmgr /dlv).",
    "0xC004F041": "The KMS host itself is not activated: activate its KMS host key (CSVLK) on the KMS host "
                  "(slmgr /ato there).",
    "0xC004F042": "This KMS host cannot activate this Windows version: install a newer KMS host key (CSVLK) on it, or "
                  "point the client at a KMS host that can.",
    "0x8007232B": "DNS has no _vlmcs._tcp SRV record for this host's domain: publish one from the KMS host, or set the "
                  "host explicitly with slmgr /skms <kms-host>:1688.",
}

# Hints for the LicenseStatusReason values a person most often sees on a host that is
# not activated (the facts carry the full text of the code as well).
_NOT_ACTIVATED_STEPS = {
    "0xC004F014": "No product key is installed: install one (Settings > System > Activation > Change product key, or "
                  "slmgr /ipk <product key> on Server), then activate.",
    "0xC004F009": "The grace period has expired: activate now (Settings > System > Activation, or slmgr /ato).",
    "0xC004F200": "Windows reports that it is not genuine: install a genuine product key and activate; check the "
                  "host for activation tampering.",
    "0xC004F034": "The license could not be found or is invalid: check that the product key matches this edition "
                  "(Change product key) and activate again.",
    "0xC004F050": "The product key is invalid for this edition: install the right key for the edition "
                  "(Change product key, or slmgr /ipk <product key>).",
    "0xC004F00F": "The hardware changed too much since activation: open Settings > System > Activation > "
                  "Troubleshoot and choose 'I changed hardware on this device recently'.",
    "0xC004FC07": "The evaluation period has ended: convert the evaluation to a licensed edition or reinstall.",
    "0xC004F035": "A volume license key cannot activate on this computer: install a retail or OEM product key, or use "
                  "your organisation's KMS.",
}

# The activation state names of the facts, as a person reads them.
_STATUS_LABELS = {
    "licensed": "licensed",
    "unlicensed": "unlicensed",
    "oob_grace": "initial grace period",
    "oot_grace": "additional grace period",
    "non_genuine_grace": "non-genuine grace period",
    "notification": "notification mode",
    "extended_grace": "extended grace period",
}

_METHOD_LABELS = {
    "digital_license": "a digital license",
    "subscription": "a Windows Enterprise/Education subscription",
    "oem_firmware_key": "the OEM product key in the firmware",
    "product_key": "a product key",
    "volume_mak": "a Multiple Activation Key (MAK)",
    "kms": "a KMS host",
    "ad_based": "Active Directory-based activation",
    "token": "token-based activation",
    "avma": "Automatic Virtual Machine Activation",
    "evaluation": "an evaluation license",
    "kms_host": "a KMS host key (this machine is a KMS host)",
}

_CHANNEL_LABELS = {
    "retail": "retail",
    "oem_dm": "OEM",
    "oem_slp": "OEM",
    "oem_coa": "OEM",
    "oem_nonslp": "OEM",
    "oem_coa_nslp": "OEM",
}

# What to do when the facts could not be collected, by the license_facts error_code.
_COLLECTION_STEPS = {
    "access_denied": [
        "The connection account must be a local administrator on the host: the licensing (WMI) classes cannot be read "
        "otherwise.",
        "For a local (non-domain) account over WinRM, also check the UAC remote restriction "
        "(LocalAccountTokenFilterPolicy) or use a domain account in the Administrators group.",
    ],
    "service_disabled": [
        "The Software Protection service (sppsvc) is disabled: set it back to its default and start it "
        "(sc.exe config sppsvc start= delayed-auto, then Start-Service sppsvc). Windows cannot stay activated without it.",
    ],
    "powershell_too_old": [
        "The host runs PowerShell older than 5.1: install Windows Management Framework 5.1.",
    ],
    "not_powershell": [
        "The host was not reached through PowerShell: use ansible_connection winrm or psrp "
        "(or ssh with ansible_shell_type=powershell).",
    ],
    "output_not_json": [
        "Something on the host adds text to PowerShell output (a profile, a transcript or a wrapper): check it, and run "
        "the audit with -vvv to see the output.",
    ],
    "output_too_large": [
        "The host printed far more than a licensing document: check its PowerShell profile or wrappers, or raise the "
        "facts module's max_output_bytes.",
    ],
    "schema_mismatch": [
        "The collector on the host and the collection on the controller do not match: use one licensing.windows version "
        "on every controller and execution environment.",
    ],
    "wmi_error": [
        "WMI failed on the host: check the repository (winmgmt /verifyrepository), that "
        "Get-CimInstance SoftwareLicensingService works, and restart the Software Protection service (Restart-Service sppsvc).",
    ],
    "no_windows_product": [
        "No Windows product key is installed: install one (Settings > System > Activation > Change product key, or "
        "slmgr /ipk <product key>) and activate.",
    ],
    "timeout": [
        "The host did not answer in time: WMI or the Software Protection service may be hung. Restart them "
        "(Restart-Service sppsvc; Restart-Service Winmgmt -Force) or raise the task's timeout (role: "
        "license_audit_host_timeout).",
    ],
    "skipped": [
        "The collection task was skipped on this host: check the play's conditions (when:) and tags.",
    ],
}
_COLLECTION_GENERIC_STEPS = [
    "Run the audit again for this host with -vvv and read the task error; the Software Protection service (sppsvc) and "
    "WMI must work and the connection account must be a local administrator.",
]

_UNREACHABLE_STEPS = [
    "Check that the host is running and reachable from the controller: name resolution, routing and the firewall for "
    "WinRM (TCP 5985 for HTTP, 5986 for HTTPS).",
    "Check the WinRM listener on the host: winrm enumerate winrm/config/listener (or Test-WSMan <host> from another "
    "Windows machine).",
    "Check the credentials and connection variables (ansible_user, ansible_password, ansible_connection, "
    "ansible_winrm_transport); the account must be a local administrator on the host.",
]
_NO_RESULT_STEPS = [
    "The host has no result from the collection task in this run (it failed earlier in the play or was left out): run "
    "the audit again for this host.",
]

# What a person does at the PC to get (or confirm) a digital license.
_DIGITAL_LICENSE_STEPS = [
    "On the PC, open Settings > System > Activation (Windows 10: Settings > Update & Security > Activation) and read the "
    "activation state: 'Windows is activated with a digital license' (or '... linked to your Microsoft account') means "
    "the device has a digital entitlement.",
    "Open Settings > Accounts > Your info and choose 'Sign in with a Microsoft account instead', with a Microsoft account "
    "that is an administrator on this PC, so that the digital license is linked to that account and survives "
    "hardware changes.",
    "If the page shows a product key activation instead: when the device has a digital license for this edition (an "
    "upgrade from a genuine Windows 7/8.1, a license bought in the Microsoft Store, or one linked to your Microsoft "
    "account), open the Troubleshooter on the Activation page (after a hardware change choose 'I changed hardware on "
    "this device recently') or use Change product key; otherwise buy a digital license for this edition.",
]


class FactsView(Protocol):  # pylint: disable=too-few-public-methods
    """What the words read of a host's facts (verdict.py's fact reader provides it)."""

    license_status: str | None
    licensed: bool
    reason: str | None
    reason_text: str | None
    method: str | None
    channel: str | None
    is_evaluation: bool
    is_kms_client: bool
    is_server: bool | None
    evaluation_end_date: str | None
    grace_minutes: int | None
    kms_host: str | None
    kms_lookup_domain: str | None


class Assessment(NamedTuple):
    """What license_policy found out about a host, besides its reasons."""

    policy: dict
    minutes_left: int | None  # until the activation or grace period ends; None: it does not end
    threshold_days: int  # fewer days left than this raise grace_expiring
    judged_as_client: bool  # False for a Server judged by any_activation
    undecided_digital: bool  # unclassified because digital_license is unknown and matters

# ---------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------


def setting_words(setting: str) -> str:
    """A policy setting as a step names it: ``the policy's min_days_remaining (role: license_audit_min_days_remaining)``."""
    return f"the policy's {setting} (role: {ROLE_VARIABLE_PREFIX}{setting})"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _unique(steps: list[str]) -> list[str]:
    seen = set()
    unique = []
    for step in steps:
        if step not in seen:
            seen.add(step)
            unique.append(step)
    return unique


def unknown_words(reason: str, code: str, message: str) -> tuple[str, list[str]]:
    """(summary, remediation) of a host that could not be judged."""
    if code == "no_result":
        summary = "Not reached: no result from the collection task"
        steps = _NO_RESULT_STEPS
    elif reason == "unreachable":
        summary = f"Not reached: {message}"
        steps = _UNREACHABLE_STEPS
    else:
        summary = f"Licensing facts not collected ({code}): {message}"
        steps = _COLLECTION_STEPS.get(code, _COLLECTION_GENERIC_STEPS)
    return one_line(summary), list(steps)


# ---------------------------------------------------------------------------------------
# Summary and remediation of a judged host
# ---------------------------------------------------------------------------------------


def _method_phrase(facts: FactsView) -> str:
    label = _METHOD_LABELS.get(facts.method or "", "a method that could not be identified")
    if facts.method == "product_key":
        channel = _CHANNEL_LABELS.get((facts.channel or "").lower())
        if channel:
            label = f"{label} ({channel})"
    if facts.method == "kms" and facts.kms_host:
        label = f"KMS host {facts.kms_host}"
    return label


def _status_phrase(facts: FactsView) -> str:
    label = _STATUS_LABELS.get(facts.license_status or "", facts.license_status or "unknown state")
    if facts.reason and facts.reason != "0x00000000":
        label += f", {facts.reason}"
        if facts.reason_text:
            label += f": {facts.reason_text}"
    return label


def summary_line(facts: FactsView, reasons: set[str], assessment: Assessment) -> str:
    """The verdict's one-line summary."""
    minutes_left = assessment.minutes_left
    if facts.license_status is None:
        head = "License status not reported"
    elif not facts.licensed:
        head = f"Not activated ({_status_phrase(facts)})"
    elif facts.is_evaluation:
        head = "Evaluation edition"
        if facts.evaluation_end_date:
            head += f" (ends {facts.evaluation_end_date[:10]})"
    else:
        head = f"Activated with {_method_phrase(facts)}"

    parts = [head]
    if "not_digital_entitlement" in reasons:
        parts.append("not a digital entitlement" if not facts.is_server else "not an entitled activation method")
    if "grace_expiring" in reasons:
        parts.append(
            f"ends in {_plural(whole_days(minutes_left), 'day')}, fewer than the {assessment.threshold_days} required"
        )
    elif minutes_left is not None and facts.licensed:
        parts.append(f"{_plural(whole_days(minutes_left), 'day')} left")
    if "evaluation" in reasons:
        parts.append("evaluation editions are not allowed")
    if "kms_unreachable" in reasons:
        parts.append(f"KMS host not reached ({facts.reason}: {KMS_CONTACT_REASONS[facts.reason]})")
    if "kms_host_unexpected" in reasons:
        parts.append(f"KMS host {facts.kms_host or 'not reported'} is not an expected KMS host")
    if "kms_validity_anomalous" in reasons:
        parts.append(f"KMS activation valid for {whole_days(facts.grace_minutes)} days, more than the {KMS_VALIDITY_DAYS} a KMS host grants")
    if "unclassified" in reasons:
        if assessment.undecided_digital:
            parts.append("cannot tell whether it carries a digital license")
        elif facts.license_status is not None and facts.licensed:
            parts.append("activation method not recognised")
    if not assessment.judged_as_client and facts.licensed and not reasons:
        parts.append("Windows Server: any activation accepted")
    return one_line("; ".join(parts))


def _policy_hint(method: str | None) -> str:
    return (
        f"If activation with {_METHOD_LABELS.get(method or '', method)} is acceptable for this host, add {method} to "
        f"{setting_words('entitled_methods')}."
    )


def _steps_not_activated(facts: FactsView) -> list[str]:
    steps = [f"Windows is not activated ({_status_phrase(facts)})."]
    specific = _NOT_ACTIVATED_STEPS.get(facts.reason or "")
    if specific:
        steps.append(specific)
    if facts.is_kms_client:
        steps.append(
            "This is a KMS client: it activates against your organisation's KMS host. Run slmgr /ato on the host and "
            "read the error it shows; slmgr /dlv shows the KMS host it uses."
        )
    else:
        if not facts.is_server:
            steps.append(
                "Activate it: open Settings > System > Activation (Windows 10: Settings > Update & Security > "
                "Activation) and use Troubleshoot, or Change product key to enter a valid key for this edition."
            )
        steps.append(
            "From an elevated prompt: slmgr /ipk <product key> (only if the installed key is missing or wrong), then "
            "slmgr /ato; slmgr /dlv shows the result."
        )
    return steps


def _steps_not_entitled(facts: FactsView, policy: dict) -> list[str]:
    if facts.is_server:
        entitled = ", ".join(policy["entitled_methods"])
        return [
            "Windows Server has no digital licenses: activate it with an entitled method "
            f"({entitled}), for example slmgr /ipk <product key> then slmgr /ato, or set "
            f"{setting_words('server_policy')} to any_activation.",
            _policy_hint(facts.method),
        ]
    return [*_DIGITAL_LICENSE_STEPS, _policy_hint(facts.method)]


def _steps_kms_network(facts: FactsView) -> list[str]:
    domain = f"_vlmcs._tcp.{facts.kms_lookup_domain}" if facts.kms_lookup_domain else "_vlmcs._tcp.<DNS domain>"
    host, _sep, port = (facts.kms_host or "").rpartition(":")
    if not host or not port.isdigit():
        host, port = facts.kms_host or "<kms-host>", str(KMS_DEFAULT_PORT)
    return [
        f"Check that DNS finds the KMS host: nslookup -type=srv {domain} must return it (or set the host explicitly with "
        "slmgr /skms <kms-host>:1688; slmgr /ckms returns to DNS discovery).",
        f"Check that the KMS host answers on TCP port {port} from this host: Test-NetConnection {host.strip('[]')} "
        f"-Port {port}; open the firewall between them if not.",
        "Then activate now with slmgr /ato and check the result with slmgr /dlv.",
    ]


def _steps_kms_unreachable(facts: FactsView) -> list[str]:
    steps = [f"The KMS host was not reached ({facts.reason}: {KMS_CONTACT_REASONS.get(facts.reason or '', 'KMS error')})."]
    specific = _KMS_REASON_STEPS.get(facts.reason or "")
    if specific:
        steps.append(specific)
    return steps + _steps_kms_network(facts)


def _steps_grace(facts: FactsView, minutes_left: int, threshold_days: int) -> list[str]:
    days = _plural(whole_days(minutes_left), "day")
    first = f"The activation (or grace period) ends in {days}; the policy asks for at least {threshold_days}."
    if not facts.licensed:
        return [f"{first} Activate the host before then (see the steps above)."]
    if facts.is_evaluation:
        return [f"{first} Convert the evaluation to a licensed edition before it ends (see below)."]
    if facts.method == "kms":
        return [
            f"{first} A KMS client renews every 7 days, so it has not reached its KMS host for a long time.",
            *_steps_kms_network(facts),
        ]
    if facts.method == "ad_based":
        return [
            f"{first} Active Directory-based activation renews when the host contacts a domain controller: check its "
            "domain connection (nltest /sc_verify:<domain>) and run slmgr /ato.",
        ]
    if facts.method == "avma":
        return [
            f"{first} AVMA renews through the Hyper-V host: check that the host runs an activated Windows Server "
            "Datacenter and that the guest's Data Exchange (Key-Value Pair Exchange) integration service is on, then "
            "run slmgr /ato.",
        ]
    return [f"{first} Run slmgr /xpr to see when it expires and slmgr /ato to renew it."]


def _steps_evaluation(facts: FactsView) -> list[str]:
    steps = []
    if facts.is_server is not False:
        steps.append(
            "Convert the Windows Server evaluation to a licensed edition from an elevated prompt: "
            "DISM /Online /Get-TargetEditions, then DISM /Online /Set-Edition:<edition, e.g. ServerStandard> "
            "/ProductKey:<product key> /AcceptEula, and restart."
        )
    if facts.is_server is not True:
        steps.append(
            "A Windows client evaluation (Enterprise evaluation) cannot be converted: reinstall from licensed media."
        )
    steps.append(
        f"If evaluation editions are acceptable here (for example a test lab), set {setting_words('allow_evaluation')} to true."
    )
    return steps


def _steps_kms_unexpected(facts: FactsView, policy: dict) -> list[str]:
    used = facts.kms_host or "a KMS host the licensing data does not name"
    return [
        f"This KMS client uses {used}, which is not in {setting_words('expected_kms_hosts')} "
        f"({', '.join(policy['expected_kms_hosts'])}).",
        "Point it at an approved KMS host: slmgr /skms <approved-host>:1688, then slmgr /ato. If it found the host "
        "through DNS, remove the wrong _vlmcs._tcp SRV record.",
        "An unknown KMS host can be an unofficial activator: look for one on the network and on this host.",
    ]


def _steps_kms_anomalous(facts: FactsView) -> list[str]:
    return [
        f"The KMS activation is valid for {whole_days(facts.grace_minutes or 0)} days, but a KMS host grants at most {KMS_VALIDITY_DAYS}: this "
        "matches unofficial activators (for example 'KMS38').",
        "Remove the unofficial activation: install your organisation's KMS client setup key or product key "
        "(slmgr /ipk <product key>), point the host at your KMS host (slmgr /skms <kms-host>), run slmgr /ato, and check "
        "the host for activation tools (scheduled tasks, services).",
    ]


def _steps_unclassified(facts: FactsView, undecided_digital: bool) -> list[str]:
    if undecided_digital:
        return [
            f"This host is activated with {_method_phrase(facts)}, which may also carry a digital license; the local "
            "licensing data cannot tell. Open Settings > System > Activation on the host: 'Windows is activated with a "
            "digital license' means it has one.",
            _policy_hint(facts.method),
        ]
    return [
        f"The licensing data did not identify the activation (status: {facts.license_status or 'not reported'}, "
        f"method: {facts.method or 'not reported'}, channel: {facts.channel or 'not reported'}). Run slmgr /dlv on the "
        "host and compare with Settings > System > Activation.",
    ]


# The steps for each reason, in report order; each takes the facts and the assessment.
_STEPS_BY_REASON = (
    ("not_activated", lambda facts, assessment: _steps_not_activated(facts)),
    ("not_digital_entitlement", lambda facts, assessment: _steps_not_entitled(facts, assessment.policy)),
    ("kms_unreachable", lambda facts, assessment: _steps_kms_unreachable(facts)),
    ("grace_expiring", lambda facts, assessment: _steps_grace(facts, assessment.minutes_left, assessment.threshold_days)),
    ("evaluation", lambda facts, assessment: _steps_evaluation(facts)),
    ("kms_host_unexpected", lambda facts, assessment: _steps_kms_unexpected(facts, assessment.policy)),
    ("kms_validity_anomalous", lambda facts, assessment: _steps_kms_anomalous(facts)),
    ("unclassified", lambda facts, assessment: _steps_unclassified(facts, assessment.undecided_digital)),
)


def remediation_steps(facts: FactsView, reasons: set[str], assessment: Assessment) -> list[str]:
    """The steps that fix the host, for every reason it has, without repeats."""
    steps: list[str] = []
    for reason, steps_for in _STEPS_BY_REASON:
        if reason in reasons:
            steps += steps_for(facts, assessment)
    return _unique(steps)
