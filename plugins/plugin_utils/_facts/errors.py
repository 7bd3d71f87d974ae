# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stable error codes of license_facts and the messages that explain them.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

A failed collection must tell the operator what failed and what to do about it, and give
automation a code that does not change with the wording (docs/architecture.md, "Failure
result of license_facts").
"""

from __future__ import annotations

from ansible_collections.licensing.windows.plugins.plugin_utils._facts.catalog import (
    ACCESS_DENIED_HRESULTS,
    SERVICE_DISABLED_HRESULTS,
)

ERROR_CODES = (
    "access_denied",
    "service_disabled",
    "powershell_too_old",
    "not_powershell",
    "output_not_json",
    "output_too_large",
    "schema_mismatch",
    "wmi_error",
    "no_windows_product",
    "command_failed",
    "timeout",
)

# What failed, then what to do. The detail of the concrete failure goes between the two.
_EXPLANATIONS = {
    "access_denied": (
        "The Windows licensing classes could not be read because access was denied",
        "Connect with an account in the host's local Administrators group; reading the licensing classes over WinRM "
        "needs administrative rights in practice.",
    ),
    "service_disabled": (
        "The Software Protection service (sppsvc) is disabled or not running, so the licensing classes cannot be read",
        "Set the service 'Software Protection' (sppsvc) back to its default start type (Automatic, Delayed Start); "
        "Microsoft recommends never disabling it.",
    ),
    "powershell_too_old": (
        "The host's Windows PowerShell is older than 5.1",
        "Install Windows Management Framework 5.1 on the host.",
    ),
    "not_powershell": (
        "The host did not run Windows PowerShell",
        "Use a Windows host with the winrm or psrp connection (or ssh with ansible_shell_type=powershell).",
    ),
    "output_not_json": (
        "The licensing collector did not print a JSON document",
        "Check the host for a PowerShell profile, transcript or wrapper that adds output, and run the task again.",
    ),
    "output_too_large": (
        "The licensing collector printed far more output than a licensing document needs",
        "Check the host for a PowerShell profile or wrapper that adds output, or raise max_output_bytes.",
    ),
    "schema_mismatch": (
        "The licensing document from the host does not match the schema this collection understands",
        "Make sure the collector and this collection come from the same release; report the field named here if they do.",
    ),
    "wmi_error": (
        "The WMI/CIM query for the Windows licensing classes failed",
        "Check the WMI repository (winmgmt /verifyrepository) and the Software Protection service (sppsvc), "
        "then run the task again.",
    ),
    "no_windows_product": (
        "The host has no Windows product with an installed product key "
        "(SoftwareLicensingProduct returned no keyed Windows row)",
        "Install the edition's product key or activate it in Settings > System > Activation "
        "(or run 'slmgr /ipk' followed by 'slmgr /ato'), then collect again.",
    ),
    "command_failed": (
        "The licensing collector failed on the host",
        "Read the error text above and run the task again with -vvv for the full output.",
    ),
    "timeout": (
        "The licensing collector did not finish in time",
        "Check that the host is responsive and that the Software Protection service starts; raise the task timeout "
        "if the host is very slow.",
    ),
}


class LicenseFactsError(Exception):
    """A collection that cannot produce facts. ``code`` is stable; ``str(exc)`` is the detail."""

    def __init__(self, code: str, detail: str, todo: str | None = None) -> None:
        if code not in _EXPLANATIONS:
            raise ValueError(f"unknown license_facts error code {code!r}; expected one of {', '.join(ERROR_CODES)}")
        super().__init__(detail)
        self.code = code
        self.detail = detail
        # What to do, where the detail calls for other advice than the code's usual one.
        self.todo = todo

    @property
    def message(self) -> str:
        """The full operator message: what failed, the detail, what to do."""
        return describe_error(self.code, self.detail, self.todo)


def error_code_for_hresult(hresult: int | None) -> str:
    """Map the HRESULT of a failed CIM query to the error code that names its cause."""
    if hresult in ACCESS_DENIED_HRESULTS:
        return "access_denied"
    if hresult in SERVICE_DISABLED_HRESULTS:
        return "service_disabled"
    return "wmi_error"


def describe_error(code: str, detail: str | None = None, todo: str | None = None) -> str:
    """Turn an error code (and the concrete detail) into a message saying what failed and what to do."""
    what, usual_todo = _EXPLANATIONS.get(code, ("license_facts failed (error code %s)" % code, "Run the task again with -vvv."))
    todo = todo or usual_todo
    detail = (detail or "").strip()
    if detail:
        return f"{what}: {detail.rstrip('.')}. {todo}"
    return f"{what}. {todo}"
