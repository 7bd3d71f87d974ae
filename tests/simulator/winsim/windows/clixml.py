# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""stderr the way ``powershell.exe -EncodedCommand`` writes it over WinRS: CLIXML.

PowerShell started with ``-EncodedCommand`` and redirected streams serialises
its error and progress streams as CLIXML: one ``#< CLIXML`` line, then an
``<Objs>`` document whose ``<S S="Error">`` elements carry the error view line
by line (wrapped at the 120-column buffer, CR/LF encoded as ``_x000D__x000A_``)
and whose ``<Obj S="progress">`` elements carry progress records such as
"Preparing modules for first use.". pywinrm's ``run_ps`` and ansible's winrm
plugin both decode it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

HEADER = "#< CLIXML\r\n"
_OBJS_OPEN = '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
BUFFER_WIDTH = 120
_NEEDS_ENCODING = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]|_(?=x[0-9A-Fa-f]{4}_)")


def _encode(text: str) -> str:
    """XML-escape and apply PowerShell's ``_xHHHH_`` encoding (control characters, literal ``_xHHHH_``)."""
    encoded = _NEEDS_ENCODING.sub(lambda match: f"_x{ord(match.group(0)):04X}_", escape(text))
    return encoded.replace("\r", "_x000D_").replace("\n", "_x000A_")


def wrap(text: str, width: int = BUFFER_WIDTH) -> list[str]:
    """Word-wrap like the console host: a line, trailing space included, stays below ``width``."""
    lines: list[str] = []
    current = ""
    for word in re.findall(r"\S+\s*", text):
        if current and len(current) + len(word) >= width:
            lines.append(current)
            current = ""
        current += word
    if current or not lines:
        lines.append(current)
    return lines


@dataclass
class ErrorRecord:
    """One PowerShell error as the default error view prints it."""

    command: str
    message: str
    script_line: str
    line_number: int
    column: int
    length: int
    category: str
    error_id: str

    def view_lines(self) -> list[str]:
        lines = wrap(f"{self.command} : {self.message}") if self.command else wrap(self.message)
        lines += [
            f"At line:{self.line_number} char:{self.column}",
            f"+ {self.script_line}",
            "+ " + " " * (self.column - 1) + "~" * max(self.length, 1),
            f"    + CategoryInfo          : {self.category}",
            f"    + FullyQualifiedErrorId : {self.error_id}",
            " ",
        ]
        return lines


def not_recognized(name: str, script_line: str, line_number: int, column: int) -> ErrorRecord:
    """CommandNotFoundException for an unknown command word."""
    return ErrorRecord(
        command=name,
        message=(f"The term '{name}' is not recognized as the name of a cmdlet, function, script file, or operable program. "
                 "Check the spelling of the name, or if a path was included, verify that the path is correct and try again."),
        script_line=script_line, line_number=line_number, column=column, length=len(name),
        category=f"ObjectNotFound: ({name}:String) [], CommandNotFoundException",
        error_id="CommandNotFoundException",
    )


def cim_error(message: str, hresult: int, script_line: str, line_number: int, column: int, length: int) -> ErrorRecord:
    """A Get-CimInstance failure (CimException) naming its HRESULT."""
    return ErrorRecord(
        command="Get-CimInstance", message=message.rstrip() + " ", script_line=script_line, line_number=line_number,
        column=column, length=length, category="MetadataError: (:) [Get-CimInstance], CimException",
        error_id=f"HRESULT 0x{hresult:08x},Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand",
    )


def write_error(message: str, script_line: str, line_number: int, column: int, length: int) -> ErrorRecord:
    """What ``Write-Error <message>`` produces."""
    return ErrorRecord(
        command="", message=message, script_line=script_line, line_number=line_number, column=column, length=length,
        category="NotSpecified: (:) [Write-Error], WriteErrorException", error_id="Microsoft.PowerShell.Commands.WriteErrorException",
    )


PROGRESS_PREPARING_MODULES = (
    '<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN>'
    '<MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first use.</AV><AI>0</AI><Nil />'
    "<PI>-1</PI><PC>-1</PC><T>Processing</T><SR>-1</SR><SD> </SD></PR></MS></Obj>"
    '<Obj S="progress" RefId="1"><TNRef RefId="0" /><MS><I64 N="SourceId">1</I64><PR N="Record">'
    "<AV>Preparing modules for first use.</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR>"
    "<SD> </SD></PR></MS></Obj>"
)


def document(errors: Sequence[ErrorRecord] = (), progress: bool = False) -> str:
    """The whole stderr text: header plus one ``<Objs>`` with progress records first, then error lines."""
    parts = [PROGRESS_PREPARING_MODULES] if progress else []
    for record in errors:
        parts.extend(f'<S S="Error">{_encode(line)}_x000D__x000A_</S>' for line in record.view_lines())
    return HEADER + _OBJS_OPEN + "".join(parts) + "</Objs>"
