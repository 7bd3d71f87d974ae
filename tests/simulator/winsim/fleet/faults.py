# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Fault kinds a simulated host can be given, their options, and what each one breaks.

=====================  ==========================================================================================
kind                   effect (see README.md "Fault reference" for what pywinrm / ansible then report)
=====================  ==========================================================================================
not_listening          nothing is bound on the host's address (connection refused); the inventory still lists it
refuse_credentials     every authentication fails: HTTP 401 with the host's WWW-Authenticate headers
slow                   every command produces its output only after ``seconds``; Receive answers w:TimedOut
                       after the request's OperationTimeout meanwhile (clients retry)
slow_partial           slow, with partial output first: each command's stdout is released in ``chunks``
                       pieces, the first at once and one more every ``delay`` seconds (stderr, if any, one
                       ``delay`` after the last); Receive returns what exists with CommandState/Running and
                       answers w:TimedOut while nothing new comes within the OperationTimeout
not_administrator      the account is a local non-administrator: Basic authentication gets HTTP 401 even
                       with the right password; over Negotiate, Create gets w:AccessDenied
command_access_denied  Command gets w:InternalError 2147942405 (0x80070005, access denied) from the shell
                       plug-in, after the shell was created
wmi_error              the collector fails as a whole: CLIXML ``Get-CimInstance : <message>`` naming ``hresult``, rc 1
service_disabled       SoftwareLicensing* queries fail with 0x80070422 in the document's errors; os still present
access_denied          every CIM query fails with 0x80041003 "Access denied" in the document's errors
shell_access_denied    Create (open shell) gets the WS-Man w:AccessDenied fault
not_json               the collector prints ``message`` (text, not JSON)
truncated              the collector document is cut after ``bytes`` bytes (default: half of it)
large_output           the document is padded with trailing whitespace to ``bytes`` bytes (default 5,000,000)
not_windows            commands run under a POSIX shell: ``sh: 1: PowerShell: not found``, rc 127
old_powershell         Windows PowerShell ``version`` (2.0): the collector's version guard fires
quota_exceeded         every other shell has used up its operation quota: its first Command gets the
                       0x803381A6 quota fault (ansible re-creates the shell and retries)
=====================  ==========================================================================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from winsim.errors import ConfigError

NOT_LISTENING = "not_listening"
REFUSE_CREDENTIALS = "refuse_credentials"
SLOW = "slow"
SLOW_PARTIAL = "slow_partial"
NOT_ADMINISTRATOR = "not_administrator"
COMMAND_ACCESS_DENIED = "command_access_denied"
WMI_ERROR = "wmi_error"
SERVICE_DISABLED = "service_disabled"
ACCESS_DENIED = "access_denied"
SHELL_ACCESS_DENIED = "shell_access_denied"
NOT_JSON = "not_json"
TRUNCATED = "truncated"
LARGE_OUTPUT = "large_output"
NOT_WINDOWS = "not_windows"
OLD_POWERSHELL = "old_powershell"
QUOTA_EXCEEDED = "quota_exceeded"

_HRESULT = re.compile(r"^0x[0-9A-Fa-f]{8}$")


def _seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError("expected a number of seconds >= 0")
    return float(value)


def _size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("expected a positive number of bytes")
    return value


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise ValueError("expected a whole number of chunks in 1..1000")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("expected a non-empty string")
    return value


def _hresult(value: object) -> str:
    if not isinstance(value, str) or not _HRESULT.match(value):
        raise ValueError("expected an HRESULT string such as '0x8004100E'")
    return "0x" + value[2:].upper()


def _version(value: object) -> str:
    if not isinstance(value, str) or not re.match(r"^[1-4]\.\d+$", value):
        raise ValueError("expected a Windows PowerShell version older than 5 such as '2.0'")
    return value


#: kind -> {option: (validator, default)}
KINDS: dict[str, dict[str, tuple]] = {
    NOT_LISTENING: {},
    REFUSE_CREDENTIALS: {},
    SLOW: {"seconds": (_seconds, 30.0)},
    SLOW_PARTIAL: {"chunks": (_count, 3), "delay": (_seconds, 2.0)},
    WMI_ERROR: {"hresult": (_hresult, "0x8004100E"), "message": (_text, "Invalid namespace")},
    SERVICE_DISABLED: {},
    ACCESS_DENIED: {},
    SHELL_ACCESS_DENIED: {},
    NOT_JSON: {"message": (_text, "Windows PowerShell\r\nCopyright (C) Microsoft Corporation. All rights reserved.\r\n\r\n"
                                  "Loading personal and system profiles took 5123ms.\r\n")},
    TRUNCATED: {"bytes": (_size, None)},
    LARGE_OUTPUT: {"bytes": (_size, 5_000_000)},
    NOT_WINDOWS: {},
    OLD_POWERSHELL: {"version": (_version, "2.0")},
    QUOTA_EXCEEDED: {},
    NOT_ADMINISTRATOR: {},
    COMMAND_ACCESS_DENIED: {},
}


@dataclass(frozen=True)
class Fault:
    """A fault kind with its options (defaults filled in)."""

    kind: str
    options: Mapping[str, object] = field(default_factory=dict)

    def option(self, name: str) -> object:
        return self.options.get(name)

    @property
    def seconds(self) -> float:
        return float(self.options.get("seconds") or 0.0)  # type: ignore[arg-type]


def parse_fault(kind: object, options: object, where: str) -> Fault | None:
    """Validate ``fault`` / ``fault_options`` of a fleet entry; None when there is no fault."""
    if kind is None:
        if options:
            raise ConfigError(f"{where}: field 'fault_options': given without a fault")
        return None
    if kind not in KINDS:
        raise ConfigError(f"{where}: field 'fault': expected one of {', '.join(KINDS)}, got {kind!r}")
    schema = KINDS[str(kind)]
    options = options or {}
    if not isinstance(options, Mapping):
        raise ConfigError(f"{where}: field 'fault_options': expected a mapping, got {type(options).__name__}")
    values: dict[str, object] = {}
    for name, raw in options.items():
        if name not in schema:
            expected = ", ".join(schema) or "no options"
            raise ConfigError(f"{where}: field 'fault_options.{name}': fault {kind} takes {expected}")
        validator = schema[name][0]
        try:
            values[name] = validator(raw)
        except ValueError as exc:
            raise ConfigError(f"{where}: field 'fault_options.{name}': {exc}, got {raw!r}") from None
    for name, (dummy, default) in schema.items():
        values.setdefault(name, default)
    return Fault(str(kind), values)
