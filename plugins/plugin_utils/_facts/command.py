# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the collector command and explain a run that failed.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

Kept apart from the action plugin so that the benchmark, the simulator tests and the
unit tests use exactly the command the module sends.
"""

from __future__ import annotations

import base64
import functools
import os
import re
from typing import NamedTuple

from ansible_collections.licensing.windows.plugins.plugin_utils._text import truncate
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import COLLECTOR_MARKER, POWERSHELL_PREFIX, WINDOWS_COMMAND_LINE_LIMIT

COLLECTOR_PATH = os.path.join(os.path.dirname(__file__), "collector.ps1")
_STDERR_LIMIT = 2000


class CollectorRun(NamedTuple):
    """What came back from the host."""

    rc: int
    stdout: str
    stderr: str


def _compact(script: str) -> str:
    """Drop comment lines (but keep the marker) and surrounding blanks to save command-line space."""
    lines = []
    for line in script.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#") and stripped != COLLECTOR_MARKER:
            continue
        lines.append(stripped)
    return "\n".join(lines)


@functools.lru_cache(maxsize=1)
def collector_script() -> str:
    """The collector script as it is sent (comments removed, marker kept)."""
    with open(COLLECTOR_PATH, encoding="utf-8") as handle:
        return _compact(handle.read())


@functools.lru_cache(maxsize=1)
def build_collector_command() -> str:
    """The complete command line: PowerShell with the script as -EncodedCommand (UTF-16-LE, base64)."""
    encoded = base64.b64encode(collector_script().encode("utf-16-le")).decode("ascii")
    command = POWERSHELL_PREFIX + encoded
    if len(command) > WINDOWS_COMMAND_LINE_LIMIT:
        # A packaging error, not a host problem: fail loudly rather than let Windows truncate it.
        raise ValueError(
            f"the collector command is {len(command)} characters, over the Windows limit of {WINDOWS_COMMAND_LINE_LIMIT}"
        )
    return command


_CLIXML_STRING = re.compile(r'<S S="Error">(.*?)</S>', re.DOTALL)
_HRESULT = re.compile(r"(?:HRESULT\s*:?\s*)?(0x8[0-9A-Fa-f]{7})")


def _plain_stderr(stderr: str) -> str:
    """Turn PowerShell's CLIXML error stream into plain text (ansible usually already did).

    The CLIXML document may follow plain text on the same stream (a ``[Console]::Error`` line
    written before PowerShell serialised its first error record), so it is looked for anywhere.
    """
    text = stderr or ""
    head, marker, clixml = text.partition("#< CLIXML")
    if marker:
        parts = _CLIXML_STRING.findall(clixml)
        decoded = "".join(parts).replace("_x000D__x000A_", "\n").replace("_x000D_", "").replace("_x000A_", "\n")
        text = (head.strip() + "\n" + decoded) if head.strip() else decoded
    text = text.strip()
    return truncate(text, _STDERR_LIMIT)


def _failure_text(run: CollectorRun) -> str:
    """What the host said about a failed run: stderr, else stdout.

    Over psrp nothing written with ``[Console]::Error`` arrives (it is the remote host
    process's own console), so the collector also writes its messages to the output
    stream; a failure whose stderr is empty is explained by what it printed.
    """
    err = _plain_stderr(run.stderr)
    if err:
        return err
    return truncate((run.stdout or "").strip(), _STDERR_LIMIT)


def interpret_failed_run(run: CollectorRun) -> tuple[str, str]:
    """Map a non-zero exit to (error_code, message that says what failed and what to do)."""
    err = _failure_text(run)
    lowered = err.lower()
    if run.rc == 3 and "powershell 5.1 is required" in lowered:
        return "powershell_too_old", (
            f"{err} Install Windows Management Framework 5.1 on the host; the licensing query needs its CIM cmdlets."
        )
    if run.rc in (9009, 127) or "is not recognized as an internal or external command" in lowered or "not found" in lowered:
        return "not_powershell", (
            f"The host could not start Windows PowerShell (rc={run.rc}: {err or 'no error text'}). "
            "Is it a Windows host? license_facts needs powershell.exe on the target."
        )
    if "command line is too long" in lowered:
        return "command_failed", f"Windows refused the collector command: {err}"
    match = _HRESULT.search(err)
    if match:
        hresult = match.group(1).upper().replace("0X", "0x")
        return "wmi_error", (
            f"The licensing query failed on the host with HRESULT {hresult} (rc={run.rc}): {err} "
            "Check the WMI repository (winmgmt /verifyrepository) and the Software Protection service (sppsvc)."
        )
    return "command_failed", f"The licensing query failed on the host (rc={run.rc}): {err or 'no error text'}"
