# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""What a script run inside a remote runspace sends back, derived from what powershell.exe would print.

The host model answers a script the way ``powershell.exe -EncodedCommand`` does over WinRS
(:class:`~winsim.windows.results.ProcessOutput`: stdout text, stderr as CLIXML, an exit code).
Inside a PSRP runspace no powershell.exe is started, and the same script yields instead:

* one output object per line PowerShell would have written to stdout (ansible joins them
  with ``\\r\\n`` and adds no trailing newline);
* one error record per error view in the CLIXML error stream (progress records are not
  carried over: ansible ignores them);
* nothing for text written with ``[Console]::Error`` / ``[Console]::Out`` directly: in a
  remote runspace that is the host process's own console, which PSRP does not carry
  (raw, non-CLIXML stderr is therefore dropped);
* ``exit N`` (the script says so and the exit code is N != 0): a ``SetShouldExit(N)`` host
  call, the only way PSRP reports an exit code;
* any other non-zero exit with an error record: a terminating error, i.e. the pipeline ends
  in state Failed with that record as ``ExceptionAsErrorRecord`` (ansible: rc 1);
* exit code 0: pipeline Completed, no host call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from winsim.fleet import faults
from winsim.windows import handlers, powershell
from winsim.windows.results import HostContext, ProcessOutput

_ERROR_LINE = re.compile(r'<S S="Error">(.*?)</S>', re.DOTALL)
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_AT_LINE = re.compile(r"^At line:(\d+) char:(\d+)$")
_CATEGORY = re.compile(r"^(?P<category>\w+): \((?P<target_name>[^:]*):(?P<target_type>[^)]*)\) \[(?P<activity>[^\]]*)\], (?P<reason>.*)$")


@dataclass
class ErrorView:
    """One error record as PowerShell's error view showed it, taken apart again."""

    message: str
    command: str = ""
    category: str = "NotSpecified"
    target_name: str = ""
    target_type: str = ""
    activity: str = ""
    reason: str = ""
    error_id: str = ""
    script_line: str = ""
    line_number: int = 0
    column: int = 0
    position: str = ""


@dataclass
class PipelineResult:
    """What a pipeline sends: output objects, error records, and how it ended."""

    output: list[str] = field(default_factory=list)
    errors: list[ErrorView] = field(default_factory=list)
    #: ``exit N`` with N != 0: sent as the SetShouldExit host call
    should_exit: int | None = None
    #: a terminating error: the pipeline state is Failed with this record
    failure: ErrorView | None = None
    #: text the script wrote to the host process's console, which PSRP loses (kept for tests and logs)
    lost_console_text: str = ""


def _decode(text: str) -> str:
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)


def _view_from_lines(lines: list[str]) -> ErrorView:
    text_lines: list[str] = []
    view = ErrorView(message="")
    position: list[str] = []
    for line in lines:
        at = _AT_LINE.match(line)
        if at and not view.line_number:
            view.line_number, view.column = int(at.group(1)), int(at.group(2))
            position.append(line)
        elif line.startswith("    + CategoryInfo"):
            category = line.split(":", 1)[1].strip()
            match = _CATEGORY.match(category)
            if match:
                view.category, view.target_name, view.target_type = match["category"], match["target_name"], match["target_type"]
                view.activity, view.reason = match["activity"], match["reason"]
            else:
                view.reason = category
        elif line.startswith("    + FullyQualifiedErrorId"):
            view.error_id = line.split(":", 1)[1].strip()
        elif line.startswith("+ ") and view.line_number:
            position.append(line)
            if not view.script_line:
                view.script_line = line[2:]
        elif not view.line_number:
            text_lines.append(line)
    text = "".join(text_lines).strip()
    head, separator, rest = text.partition(" : ")
    if separator and head and " " not in head and (head == view.activity or view.reason.endswith("CommandNotFoundException")):
        view.command, text = head, rest
    view.message = text.strip()
    view.position = "\r\n".join(position)
    return view


def error_views(stderr: str) -> list[ErrorView]:
    """The error records of a CLIXML error stream (``#< CLIXML`` + ``<Objs>``); [] for anything else."""
    if not stderr.lstrip().startswith("#< CLIXML"):
        return []
    records: list[list[str]] = [[]]
    for raw in _ERROR_LINE.findall(stderr):
        line = _decode(raw)
        for piece in line.replace("\r\n", "\n").split("\n")[:-1] if line.endswith("\n") else [line]:
            if piece == " ":
                records.append([])
            else:
                records[-1].append(piece)
    return [_view_from_lines(lines) for lines in records if lines]


def _output_objects(stdout: str) -> list[str]:
    if not stdout:
        return []
    lines = stdout.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def from_process_output(script: str, output: ProcessOutput) -> PipelineResult:
    """Translate powershell.exe's view of a run into the runspace's (see the module docstring)."""
    result = PipelineResult(output=_output_objects(output.stdout))
    views = error_views(output.stderr)
    if not output.stderr.lstrip().startswith("#< CLIXML"):
        result.lost_console_text = output.stderr
    else:
        result.lost_console_text = output.stderr.split("#< CLIXML", 1)[0]
    code = output.exit_code
    if code != 0 and (re.search(rf"\bexit\s+{code}\b", script, re.IGNORECASE) or not views):
        result.should_exit = code
        result.errors = views
    elif code != 0:
        result.errors, result.failure = views[:-1], views[-1]
    else:
        result.errors = views
    return result


def run_script(script: str, ctx: HostContext) -> PipelineResult:
    """Run a script in the host's runspace: a registered handler (the collector ...) or the small interpreter."""
    request = handlers.ScriptRequest(command_line="", script=script, stdin="")
    found = handlers.find(request)
    if found is not None:
        handler, matched = found
        output = handler.run(request, ctx, matched)
    else:
        output = powershell.run_script(script, ctx)
    return from_process_output(script, output)


def opens_runspace(ctx: HostContext) -> bool:
    """False for a host that has no PowerShell endpoint at all (fault ``not_windows``)."""
    return not ctx.has_fault(faults.NOT_WINDOWS)
