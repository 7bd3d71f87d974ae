# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Answers for small PowerShell scripts (what ``ansible -m raw`` and ``run_ps`` send in tests).

Understood, statement by statement: ``hostname``, ``$env:COMPUTERNAME``,
``Get-Date``, ``exit N``, ``echo`` / ``Write-Output`` / ``Write-Host`` of
literals, ``Write-Error``, ``[Console]::WriteLine`` /
``[Console]::Error.WriteLine`` of a literal, ``$PSVersionTable.PSVersion``,
plain assignments and the preferences/strict-mode/exit-code lines ansible
adds. Any other command word gets PowerShell's CommandNotFoundException on
stderr (CLIXML) and the script exits 1 when that was its last statement.
"""

from __future__ import annotations

import datetime as _dt
import re

from winsim.windows import clixml, pslex
from winsim.windows.results import HostContext, ProcessOutput

_IGNORED = re.compile(
    r"^(Set-StrictMode\b|\$(ErrorActionPreference|ProgressPreference|WarningPreference|VerbosePreference)\s*=|"
    r"If\s*\(\s*-not\s+\$\?\s*\)|&\s*chcp(\.com)?\s+65001)",
    re.IGNORECASE,
)
_ARGUMENT = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"`]|`.)*\"|\S+")


def _literal(token: str, ctx: HostContext) -> str:
    if token.startswith("'") and token.endswith("'") and len(token) >= 2:
        return token[1:-1].replace("''", "'")
    if token.startswith('"') and token.endswith('"') and len(token) >= 2:
        return re.sub(r"\$env:COMPUTERNAME", ctx.name.upper(), token[1:-1], flags=re.IGNORECASE).replace("`n", "\n")
    if token.lower() == "$env:computername":
        return ctx.name.upper()
    return token


def format_date(moment: _dt.datetime) -> str:
    """``Get-Date`` as the en-US console shows it (blank line before, two after)."""
    hour = moment.hour % 12 or 12
    text = f"{moment:%A}, {moment:%B} {moment.day}, {moment.year} {hour}:{moment:%M:%S} {'AM' if moment.hour < 12 else 'PM'}"
    return f"\r\n{text}\r\n\r\n\r\n"


def run_script(script: str, ctx: HostContext) -> ProcessOutput:
    """Run the small script language above; return stdout/stderr text and the exit code."""
    output = ProcessOutput()
    errors: list[clixml.ErrorRecord] = []
    raw_stderr: list[str] = []
    lines = script.splitlines()
    last_failed = False
    for statement in pslex.statements(script):
        text = statement.text
        source_line = lines[statement.line - 1].strip() if statement.line <= len(lines) else text
        last_failed = False
        if _IGNORED.match(text):
            continue
        exit_match = re.match(r"^exit(?:\s+(-?\d+))?\s*$", text, re.IGNORECASE)
        if exit_match:
            output.exit_code = int(exit_match.group(1) or 0)
            break
        if re.match(r"^hostname(\.exe)?$", text, re.IGNORECASE):
            output.stdout += ctx.name + "\r\n"
        elif re.match(r"^\$env:COMPUTERNAME$", text, re.IGNORECASE):
            output.stdout += ctx.name.upper() + "\r\n"
        elif re.match(r"^Get-Date$", text, re.IGNORECASE):
            output.stdout += format_date(_dt.datetime.now())
        elif re.match(r"^\$PSVersionTable\.PSVersion\.Major$", text, re.IGNORECASE):
            output.stdout += ctx.powershell_version.split(".")[0] + "\r\n"
        elif re.match(r"^\$PSVersionTable\.PSVersion\.ToString\(\)$", text, re.IGNORECASE):
            output.stdout += ctx.powershell_version + "\r\n"
        elif match := re.match(r"^(echo|Write-Output|Write-Host)(?:\s+(.*))?$", text, re.IGNORECASE | re.DOTALL):
            values = [_literal(token, ctx) for token in _ARGUMENT.findall(match.group(2) or "")]
            if match.group(1).lower() == "write-host":
                output.stdout += " ".join(values) + "\r\n"
            else:
                output.stdout += "".join(value + "\r\n" for value in values)
        elif match := re.match(r"^\[Console\]::(Error\.)?WriteLine\((.*)\)$", text, re.IGNORECASE):
            line = _literal(match.group(2).strip(), ctx) + "\r\n"
            if match.group(1):
                raw_stderr.append(line)
            else:
                output.stdout += line
        elif match := re.match(r"^Write-Error\s+(.*)$", text, re.IGNORECASE):
            message = _literal(match.group(1).strip(), ctx)
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
