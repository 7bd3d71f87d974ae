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

Every other command line is run by the cmd.exe emulation (:mod:`winsim.windows.cmd`):
``cmd.exe /c echo hi`` (WinRS wraps it in ``cmd.exe /c`` once more), ``echo hi``,
``type x | PowerShell ... -Command -``, ``set``, ``exit 3``. A PowerShell command inside a
cmd line (after ``|``, ``&&``, in ``cmd /c``) comes back here through the ``external``
callback. Each process gets its shell's environment and working directory
(:class:`~winsim.windows.results.ProcessEnv`).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from winsim.fleet import faults
from winsim.windows import cmd, handlers, powershell
from winsim.windows.results import HostContext, ProcessEnv, ProcessOutput

CMD_LINE_LIMIT = 8191
CREATE_PROCESS_LIMIT = 32767
_POWERSHELL_NAMES = ("powershell", "powershell.exe", "pwsh", "pwsh.exe")
#: powershell.exe parameters that take a value (the next word is not the command): name, shortest prefix
_VALUE_OPTIONS = (("executionpolicy", 2), ("outputformat", 2), ("inputformat", 2), ("windowstyle", 1), ("version", 1),
                  ("psconsolefile", 2), ("configurationname", 4), ("settingsfile", 2), ("workingdirectory", 2))


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
        if token == "-":
            break
        if token[:1] not in "-/":
            # The first word that is not a parameter starts the command (``powershell.exe Write-Host hi``).
            invocation.script = " ".join(tokens[index:])
            return invocation
        if any(_option_matches(token, name, shortest) for name, shortest in _VALUE_OPTIONS):
            index += 1
        index += 1
    invocation.script_from_stdin = True
    return invocation


def _external(ctx: HostContext) -> cmd.External:
    """What cmd.exe finds on the PATH of this host: PowerShell (and through it, the handlers)."""
    def external(text: str, stdin: str, env: ProcessEnv) -> ProcessOutput | None:
        word, rest = cmd.first_word(text)
        if cmd.program_name(word) not in _POWERSHELL_NAMES:
            return None
        arguments = rest.split()
        invocation = parse(word.strip('"'), arguments)
        return _run_powershell(invocation, ctx, stdin=stdin, env=env)
    return external


def run_cmd_line(line: str, ctx: HostContext, env: ProcessEnv, *, stdin: str = "") -> ProcessOutput:
    """``cmd.exe /c <line>`` on the host (PowerShell found on its PATH)."""
    return cmd.run(line, ctx, env, stdin=stdin, external=_external(ctx))


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


def run(invocation: Invocation, ctx: HostContext, *, stdin: str = "", skip_cmd_shell: bool = False,
        env: ProcessEnv | None = None) -> ProcessOutput:
    """Run a parsed command on the host; ``stdin`` is the script for ``-Command -``; ``env``: the shell's."""
    if len(invocation.command_line) > command_line_limit(skip_cmd_shell):
        return ProcessOutput(stderr="The command line is too long.\r\n", exit_code=1)
    if ctx.has_fault(faults.NOT_WINDOWS):
        return _run_posix(invocation, ctx)
    env = env if env is not None else ctx.process_env()
    if not invocation.is_powershell:
        return run_cmd_line(invocation.command_line, ctx, env, stdin=stdin)
    return _run_powershell(invocation, ctx, stdin=stdin, env=env)


def _run_powershell(invocation: Invocation, ctx: HostContext, *, stdin: str, env: ProcessEnv) -> ProcessOutput:
    if invocation.error:
        return ProcessOutput(stderr=invocation.error + "\r\n", exit_code=1)
    script = stdin if invocation.script_from_stdin else invocation.script or ""
    request = handlers.ScriptRequest(invocation.command_line, script, stdin, dict(env.variables), env.working_directory)
    found = handlers.find(request)
    powershell.count_process(ctx, found[0].name if found else powershell.INTERPRETER, script)  # host work
    if found is not None:
        handler, matched = found
        return handler.run(request, ctx, matched)
    return powershell.run_script(script, ctx, env=env, run_cmd=lambda line, data, process: run_cmd_line(line, ctx, process, stdin=data))
