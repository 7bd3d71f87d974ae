# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Answers for small PowerShell scripts (what ``ansible -m raw`` and ``run_ps`` send in tests).

Understood, statement by statement: ``hostname``, ``$env:COMPUTERNAME``,
``Get-Date``, ``exit N``, ``echo`` / ``Write-Output`` / ``Write-Host`` of
literals, ``Write-Error``, ``[Console]::WriteLine`` /
``[Console]::Error.WriteLine`` of a literal, ``$PSVersionTable.PSVersion``,
plain assignments and the preferences/strict-mode lines ansible adds,
``$env:NAME`` (the shell's environment), ``(pwd).Path`` / ``Get-Location`` /
``$pwd``, ``$LASTEXITCODE``, and native commands: ``cmd`` / ``cmd.exe`` (``raw``
sends ``cmd.exe /c echo hi`` this way), ``hostname``, ``whoami``.
Any other command word gets PowerShell's CommandNotFoundException on stderr (CLIXML).

Exit code, as ``powershell.exe -Command`` / ``-EncodedCommand`` sets it: ``exit N``;
otherwise 0 when the last statement succeeded and 1 when it failed (a native command that
exited non-zero has failed; its own code is kept only in ``$LASTEXITCODE``, PowerShell
issue #13501). Ansible's ``If (-not $?) { ... exit $LASTEXITCODE ... }`` line (modules,
``preserve_rc``) exits with ``$LASTEXITCODE`` when the statement before it failed.

:func:`count_process` counts a started powershell.exe as host work (the host's
:class:`~winsim.windows.cim.WorkRecorder`, if it has one): one process, its runspace and the
bytes of its decoded script, whichever program then answers it.
"""

from __future__ import annotations

import datetime as _dt
import re

from collections.abc import Callable

from winsim.windows import clixml, pslex
from winsim.windows.results import HostContext, ProcessEnv, ProcessOutput

#: (cmd.exe line, stdin, environment) -> output: how this interpreter starts cmd.exe
RunCmd = Callable[[str, str, ProcessEnv], ProcessOutput]

_IGNORED = re.compile(
    r"^(Set-StrictMode\b|\$(ErrorActionPreference|ProgressPreference|WarningPreference|VerbosePreference)\s*=|"
    r"&\s*chcp(\.com)?\s+65001)",
    re.IGNORECASE,
)
_PRESERVE_RC = re.compile(r"^If\s*\(\s*-not\s+\$\?\s*\)", re.IGNORECASE)
_NATIVE_CMD = re.compile(r"^(?:&\s*)?(?P<word>(?:[A-Za-z]:)?[\w\\/.:-]*\bcmd(?:\.exe)?|'[^']*cmd(?:\.exe)?'|\"[^\"]*cmd(?:\.exe)?\")"
                         r"(?=\s|$)(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
_ARGUMENT = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"`]|`.)*\"|\S+")


#: the program name host work counts for scripts no registered handler claims (this interpreter)
INTERPRETER = "powershell"


def count_process(ctx: HostContext, program: str, script: str) -> None:
    """Count one powershell.exe started for ``script`` (decoded text) that ``program`` answers."""
    if ctx.cim.work is not None:
        ctx.cim.work.process_started(program, script)


def _env_value(name: str, ctx: HostContext, env: ProcessEnv | None) -> str:
    if env is not None:
        return env.get(name) or ""
    return ctx.name.upper() if name.lower() == "computername" else ""


def _literal(token: str, ctx: HostContext, env: ProcessEnv | None = None) -> str:
    if token.startswith("'") and token.endswith("'") and len(token) >= 2:
        return token[1:-1].replace("''", "'")
    if token.startswith('"') and token.endswith('"') and len(token) >= 2:
        text = re.sub(r"\$env:(\w+)", lambda match: _env_value(match.group(1), ctx, env), token[1:-1], flags=re.IGNORECASE)
        return text.replace("`n", "\n")
    if match := re.match(r"^\$env:(\w+)$", token, re.IGNORECASE):
        return _env_value(match.group(1), ctx, env)
    return token


def _native_arguments(rest: str) -> str:
    """PowerShell's arguments of a native command as the command line the program gets (quotes kept as typed)."""
    return " ".join(token[1:-1].replace("''", "'") if token.startswith("'") and token.endswith("'") and " " not in token
                    else token for token in _ARGUMENT.findall(rest))


def format_date(moment: _dt.datetime) -> str:
    """``Get-Date`` as the en-US console shows it (blank line before, two after)."""
    hour = moment.hour % 12 or 12
    text = f"{moment:%A}, {moment:%B} {moment.day}, {moment.year} {hour}:{moment:%M:%S} {'AM' if moment.hour < 12 else 'PM'}"
    return f"\r\n{text}\r\n\r\n\r\n"


def run_script(script: str, ctx: HostContext, *, env: ProcessEnv | None = None, run_cmd: RunCmd | None = None) -> ProcessOutput:
    """Run the small script language above; return stdout/stderr text and the exit code."""
    output = ProcessOutput()
    errors: list[clixml.ErrorRecord] = []
    raw_stderr: list[str] = []
    lines = script.splitlines()
    last_failed = False
    last_exit_code: int | None = None
    for statement in pslex.statements(script):
        text = statement.text
        source_line = lines[statement.line - 1].strip() if statement.line <= len(lines) else text
        if _PRESERVE_RC.match(text):
            if last_failed:
                output.exit_code = last_exit_code if last_exit_code is not None else 1
                last_failed = False
                break
            continue
        last_failed = False
        if _IGNORED.match(text):
            continue
        exit_match = re.match(r"^exit(?:\s+(-?\d+|\$LASTEXITCODE))?\s*$", text, re.IGNORECASE)
        if exit_match:
            value = exit_match.group(1) or "0"
            output.exit_code = (last_exit_code or 0) if value.lower() == "$lastexitcode" else int(value)
            break
        native = _NATIVE_CMD.match(text)
        if native and run_cmd is not None and env is not None:
            # A child cmd.exe: the outer cmd line only starts it, with PowerShell's environment copied.
            result = run_cmd(f"cmd.exe {_native_arguments(native.group('rest'))}".strip(), "", env.copy())
            output.stdout += result.stdout
            raw_stderr.append(result.stderr)
            last_exit_code = result.exit_code
            last_failed = result.exit_code != 0
            continue
        if match := re.match(r"^(whoami|hostname)(\.exe)?$", text, re.IGNORECASE):
            if match.group(1).lower() == "hostname":
                output.stdout += ctx.name + "\r\n"
            else:
                user = (env.get("USERNAME") if env is not None else None) or ctx.username
                output.stdout += f"{ctx.name.lower()[:15]}\\{user.lower()}\r\n"
            last_exit_code = 0
        elif match := re.match(r"^\$env:(\w+)$", text, re.IGNORECASE):
            value = _env_value(match.group(1), ctx, env)
            output.stdout += value + "\r\n" if value else ""
        elif re.match(r"^(\(\s*(pwd|Get-Location)\s*\)\.Path|\$pwd(\.Path)?|pwd|Get-Location)$", text, re.IGNORECASE):
            directory = env.working_directory if env is not None else "C:\\Users\\" + ctx.username
            output.stdout += directory + "\r\n" if text.lower().startswith(("(", "$")) else f"\r\nPath\r\n----\r\n{directory}\r\n\r\n\r\n"
        elif re.match(r"^\$LASTEXITCODE$", text, re.IGNORECASE):
            output.stdout += f"{last_exit_code}\r\n" if last_exit_code is not None else ""
        elif re.match(r"^Get-Date$", text, re.IGNORECASE):
            output.stdout += format_date(_dt.datetime.now())
        elif re.match(r"^\$PSVersionTable\.PSVersion\.Major$", text, re.IGNORECASE):
            output.stdout += ctx.powershell_version.split(".")[0] + "\r\n"
        elif re.match(r"^\$PSVersionTable\.PSVersion\.ToString\(\)$", text, re.IGNORECASE):
            output.stdout += ctx.powershell_version + "\r\n"
        elif match := re.match(r"^(echo|Write-Output|Write-Host)(?:\s+(.*))?$", text, re.IGNORECASE | re.DOTALL):
            values = [_literal(token, ctx, env) for token in _ARGUMENT.findall(match.group(2) or "")]
            if match.group(1).lower() == "write-host":
                # The console host ends a Write-Host line with LF alone under WinRS (pypsrp's test_winrs_send,
                # test_winrs_operation_timeout, test_winrs_unicode); Write-Output's lines end with CRLF.
                output.stdout += " ".join(values) + "\n"
            else:
                output.stdout += "".join(value + "\r\n" for value in values)
        elif match := re.match(r"^\[Console\]::(Error\.)?WriteLine\((.*)\)$", text, re.IGNORECASE):
            line = _literal(match.group(2).strip(), ctx, env) + "\r\n"
            if match.group(1):
                raw_stderr.append(line)
            else:
                output.stdout += line
        elif match := re.match(r"^Write-Error\s+(.*)$", text, re.IGNORECASE):
            message = _literal(match.group(1).strip(), ctx, env)
            errors.append(clixml.write_error(message, source_line, statement.line, statement.column, len(text)))
            last_failed = True
        elif re.match(r"^\$[\w:]+\s*=[^=]", text):
            continue
        else:
            name = re.split(r"[\s(]", text, maxsplit=1)[0]
            errors.append(clixml.not_recognized(name, source_line, statement.line, statement.column))
            last_failed = True
    else:
        if last_failed:
            output.exit_code = 1
    output.stderr = "".join(raw_stderr) + (clixml.document(errors) if errors else "")
    return output
