# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""From a WinRS command line to what the process prints.

WinRS runs ``rsp:Command`` + ``rsp:Arguments`` through ``cmd.exe /c`` (unless
WINRS_SKIP_CMD_SHELL is TRUE), so the whole line is bound by cmd.exe's 8191
character limit. PowerShell command lines are recognised in the forms pywinrm
(``powershell -encodedcommand <b64>`` in rsp:Command) and ansible
(``PowerShell -NoProfile ... -EncodedCommand <b64>`` in rsp:Arguments) send,
plus ``-Command -`` / no command at all, where the script arrives on stdin.
The decoded script (with what came on stdin) is offered to the programs
registered in :mod:`winsim.windows.handlers` (the collector personality, and any
module loaded with ``winsim serve --handlers``); a script none of them claims
goes to the small statement interpreter (:mod:`winsim.windows.powershell`).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from winsim.fleet import faults
from winsim.windows import handlers, powershell
from winsim.windows.results import HostContext, ProcessOutput

CMD_LINE_LIMIT = 8191
CREATE_PROCESS_LIMIT = 32767
_POWERSHELL_NAMES = ("powershell", "powershell.exe", "pwsh", "pwsh.exe")


@dataclass
class Invocation:
    """A parsed command line."""

    command_line: str
    program: str
    is_powershell: bool
    script: str | None = None
    script_from_stdin: bool = False
    error: str | None = None


def _option_matches(token: str, full: str, shortest: int) -> bool:
    """PowerShell accepts any unambiguous prefix of a parameter name (``-enc``, ``-e``, ``-ec``)."""
    name = token.lstrip("-/").lower()
    return token[:1] in "-/" and len(name) >= shortest and full.startswith(name)


def parse(command: str, arguments: list[str]) -> Invocation:
    """Split the WinRS command and arguments into program and (for PowerShell) script."""
    command_line = " ".join([command.strip(), *arguments]).strip() if arguments else command.strip()
    tokens = command_line.split()
    program = tokens[0] if tokens else ""
    invocation = Invocation(command_line, program, program.lower().rsplit("\\", 1)[-1] in _POWERSHELL_NAMES)
    if not invocation.is_powershell:
        return invocation
    index = 1
    while index < len(tokens):
        token = tokens[index]
        if token.lower() in ("-ec", "-e") or _option_matches(token, "encodedcommand", 3):
            if index + 1 >= len(tokens):
                invocation.error = "Cannot process the command because of a missing parameter. A command must follow -EncodedCommand."
                return invocation
            try:
                invocation.script = base64.b64decode(tokens[index + 1], validate=True).decode("utf-16-le")
            except (binascii.Error, UnicodeDecodeError):
                invocation.error = "Cannot process the command because the value specified with -EncodedCommand is not properly encoded."
            return invocation
        if token.lower() == "-c" or _option_matches(token, "command", 2):
            rest = tokens[index + 1:]
            if rest == ["-"]:
                invocation.script_from_stdin = True
            else:
                invocation.script = " ".join(rest)
            return invocation
        if _option_matches(token, "file", 1):
            invocation.error = "The -File parameter is not supported by this simulated host."
            return invocation
        index += 1
    invocation.script_from_stdin = True
    return invocation


def _run_cmd(invocation: Invocation, ctx: HostContext) -> ProcessOutput:
    """A cmd.exe command line (pywinrm ``run_cmd``)."""
    line = invocation.command_line
    word = invocation.program.lower()
    if word in ("hostname", "hostname.exe"):
        return ProcessOutput(stdout=ctx.name + "\r\n")
    if word == "echo":
        return ProcessOutput(stdout=line[5:] + "\r\n")
    if word == "whoami":
        return ProcessOutput(stdout=f"{ctx.name.lower()}\\{ctx.username.lower()}\r\n")
    if word == "ver":
        version = str(ctx.cim.classes["SoftwareLicensingService"].rows[0].get("Version") or "10.0")
        return ProcessOutput(stdout=f"\r\nMicrosoft Windows [Version {version}]\r\n")
    exit_match = re.match(r"^exit(?:\s+/b)?(?:\s+(-?\d+))?$", line, re.IGNORECASE)
    if exit_match:
        return ProcessOutput(exit_code=int(exit_match.group(1) or 0))
    return ProcessOutput(stderr=f"'{invocation.program}' is not recognized as an internal or external command,\r\n"
                                "operable program or batch file.\r\n", exit_code=1)


def _run_posix(invocation: Invocation, ctx: HostContext) -> ProcessOutput:
    """What a Linux box behind a WinRM-speaking gateway answers (fault ``not_windows``)."""
    word = invocation.program
    if word == "hostname":
        return ProcessOutput(stdout=ctx.name + "\n")
    if word == "echo":
        return ProcessOutput(stdout=invocation.command_line[5:] + "\n")
    return ProcessOutput(stderr=f"sh: 1: {word}: not found\n", exit_code=127)


def command_line_limit(skip_cmd_shell: bool) -> int:
    return CREATE_PROCESS_LIMIT if skip_cmd_shell else CMD_LINE_LIMIT


def run(invocation: Invocation, ctx: HostContext, *, stdin: str = "", skip_cmd_shell: bool = False) -> ProcessOutput:
    """Run a parsed command on the host; ``stdin`` is the script for ``-Command -``."""
    if len(invocation.command_line) > command_line_limit(skip_cmd_shell):
        return ProcessOutput(stderr="The command line is too long.\r\n", exit_code=1)
    if ctx.has_fault(faults.NOT_WINDOWS):
        return _run_posix(invocation, ctx)
    if not invocation.is_powershell:
        return _run_cmd(invocation, ctx)
    if invocation.error:
        return ProcessOutput(stderr=invocation.error + "\r\n", exit_code=1)
    script = stdin if invocation.script_from_stdin else invocation.script or ""
    request = handlers.ScriptRequest(invocation.command_line, script, stdin)
    found = handlers.find(request)
    if found is not None:
        handler, matched = found
        return handler.run(request, ctx, matched)
    return powershell.run_script(script, ctx)
