# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Answer the licensing.windows collector the way Windows PowerShell 5.1 on the host would.

The script is recognised by its marker line, the collection's ``COLLECTOR_MARKER``
(``plugins/plugin_utils/_vocabulary.py``, loaded by :mod:`winsim.collection`); this
module registers itself with :mod:`winsim.windows.handlers` when it is imported
(``import winsim`` does that). Nothing about its queries is
hard-coded: every quoted ``SELECT <props> FROM <Class> [WHERE ...]`` string is
taken out of the script, in order, and evaluated against the host's CIM model
(:mod:`winsim.windows.cim`). A query that fails becomes an ``errors`` entry exactly as
the script's ``E`` function would write it; a query that succeeds fills the
document key its class feeds (docs/architecture.md):

=========================  =========================================================================
class                      document key
=========================  =========================================================================
Win32_OperatingSystem      ``os`` (first row)
SoftwareLicensingService   ``service`` (first row; ``OA3xOriginalProductKey`` replaced by
                           ``OA3xOriginalProductKeyPartial`` when the script does that masking)
SoftwareLicensingProduct   ``products`` (all rows)
=========================  =========================================================================

``edition_id`` is filled when the script reads the registry value EditionID.
The document's keys and their initial values come from the script's
``$r = [ordered]@{ ... }`` line. The JSON is PowerShell 5.1's
(:mod:`winsim.windows.psjson`). A script that does not set
``$ProgressPreference = 'SilentlyContinue'`` also gets the "Preparing modules
for first use." progress records on stderr, as on Windows.

Host work (:class:`winsim.fleet.stats.HostWork`): each query the script carries is counted by
the CIM model as it is evaluated; the powershell.exe a WinRS or SSH command line starts, with the
script's bytes, by :mod:`winsim.windows.commands`. A PowerShell remoting pipeline (no command
line) runs in the runspace pool's process, which is already open: the script is counted here,
no process.
"""

from __future__ import annotations

import re

from winsim import collection
from winsim.fleet import faults
from winsim.windows import clixml, handlers, psjson, pslex
from winsim.windows.cim import CimError, ProviderFailure, error_for
from winsim.windows.results import HostContext, ProcessOutput

#: The collector's first line (the collection's COLLECTOR_MARKER): it names the document schema.
MARKER: str = collection.vocabulary().COLLECTOR_MARKER
HANDLER_NAME = "licensing.windows collector"

_ANSIBLE_PREAMBLE = re.compile(r"^Set-StrictMode\b", re.IGNORECASE)
_QUERY = re.compile(r"^\s*SELECT\s", re.IGNORECASE)
_QUERY_CLASS = re.compile(r"^SELECT .+ FROM (\w+)", re.IGNORECASE | re.DOTALL)
_SILENT_PROGRESS = re.compile(r"\$ProgressPreference\s*=\s*['\"]SilentlyContinue['\"]", re.IGNORECASE)
_RESULT_LITERAL = re.compile(r"\$\w+\s*=\s*\[ordered\]\s*@\{(?P<body>[^}]*)\}", re.IGNORECASE)
_GUARD = re.compile(r"if\s*\(\s*\$PSVersionTable\.PSVersion\.Major\s*-lt\s*(?P<major>\d+)\s*\)\s*\{", re.IGNORECASE)
_DEFAULT_SHAPE: dict[str, object] = {"schema": 1, "os": None, "edition_id": None, "service": None, "products": [], "errors": []}
_CLASS_KEYS = {"Win32_OperatingSystem": "os", "SoftwareLicensingService": "service", "SoftwareLicensingProduct": "products"}
_SERVICE_DISABLED = error_for(0x80070422)


def is_collector(script: str) -> bool:
    """True when the first line (after ansible's strict-mode preamble) is the collector marker."""
    for line in script.splitlines():
        stripped = line.strip()
        if not stripped or _ANSIBLE_PREAMBLE.match(stripped):
            continue
        return stripped == MARKER
    return False


def queries(script: str) -> list[str]:
    """The WQL strings of the script, in order of appearance."""
    return [literal.value for literal in pslex.string_literals(script) if _QUERY.match(literal.value)]


def _initial_document(script: str) -> dict[str, object]:
    match = _RESULT_LITERAL.search(script)
    if not match:
        return {key: (list(value) if isinstance(value, list) else value) for key, value in _DEFAULT_SHAPE.items()}
    document: dict[str, object] = {}
    for part in match.group("body").split(";"):
        if "=" not in part:
            continue
        key, value = (piece.strip() for piece in part.split("=", 1))
        if re.fullmatch(r"-?\d+", value):
            document[key] = int(value)
        elif value in ("@()", "@( )"):
            document[key] = []
        elif value.lower() in ("$true", "$false"):
            document[key] = value.lower() == "$true"
        elif value[:1] in "'\"" and value[-1:] == value[:1]:
            document[key] = value[1:-1]
        else:
            document[key] = None
    return document


def _cim_statement(script: str) -> tuple[str, int, int, int]:
    """Where the script calls Get-CimInstance, for the error view: (stripped line, line number, column in it, call length)."""
    for number, line in enumerate(script.splitlines(), start=1):
        column = line.find("Get-CimInstance")
        if column != -1:
            call = re.match(r"Get-CimInstance[^|)]*", line[column:])
            return line.strip(), number, column - (len(line) - len(line.lstrip())) + 1, len(call.group(0).rstrip()) if call else 15
    return "Get-CimInstance", 1, 1, 15


def _version_guard(script: str, ctx: HostContext) -> ProcessOutput:
    """What the script does on an old Windows PowerShell: its version guard, or failing on CIM cmdlets."""
    version = ctx.powershell_version
    major = int(version.split(".")[0])
    match = _GUARD.search(script)
    if match and major < int(match.group("major")):
        depth, end = 1, match.end()
        while end < len(script) and depth:
            depth += {"{": 1, "}": -1}.get(script[end], 0)
            end += 1
        body = script[match.end():end - 1]
        substitutions = {
            r"$($PSVersionTable.PSVersion.Major)": str(major),
            r"$($PSVersionTable.PSVersion.ToString())": version,
            r"$($PSVersionTable.PSVersion)": version,
        }
        literals = pslex.string_literals(body)
        message = literals[0].value if literals else ""
        for needle, value in substitutions.items():
            message = message.replace(needle, value)
        exit_match = re.search(r"\bexit\s+(\d+)", body, re.IGNORECASE)
        code = int(exit_match.group(1)) if exit_match else 1
        to_console = re.search(r"\[Console\]::Error\.Write(Line)?\(", body, re.IGNORECASE)
        to_output = re.search(r"\bWrite-(Output|Host)\b", body, re.IGNORECASE)
        if to_console or to_output:
            # [Console]::Error is raw text on powershell.exe's stderr; the psrp front door drops it (winsim.psrp.runspace).
            return ProcessOutput(stdout=message + "\r\n" if to_output else "", stderr=message + "\r\n" if to_console else "",
                                 exit_code=code)
        line_number = script.count("\n", 0, match.start()) + 1
        record = clixml.write_error(message, body.strip(), line_number, 1, len(message))
        return ProcessOutput(stderr=clixml.document([record]), exit_code=code)
    line, number, column = _cim_statement(script)[:3]
    record = clixml.not_recognized("Get-CimInstance", line, number, column)
    return ProcessOutput(stderr=clixml.document([record]), exit_code=1)


def cim_failures(fault: faults.Fault | None) -> tuple[CimError | None, ProviderFailure | None]:
    """How a host's fault breaks its CIM queries: (failure of every query, failure per class)."""
    kind = fault.kind if fault else None
    if kind == faults.ACCESS_DENIED:
        return error_for(0x80041003), None
    if kind == faults.SERVICE_DISABLED:
        def disabled(class_name: str) -> CimError | None:
            return _SERVICE_DISABLED if class_name.startswith("SoftwareLicensing") else None
        return None, disabled
    return None, None


def build_document(script: str, ctx: HostContext) -> dict[str, object]:
    """The document the script would print on this host (before JSON serialisation)."""
    document = _initial_document(script)
    errors: list[dict[str, object]] = []
    document["errors"] = errors
    masks_firmware_key = "OA3xOriginalProductKeyPartial" in script
    for text in queries(script):
        written_class = _QUERY_CLASS.match(text.strip())
        source = written_class.group(1) if written_class else text
        try:
            class_name, rows = ctx.cim.query(text)
        except CimError as exc:
            errors.append({"source": source, "hresult": f"0x{exc.hresult:08X}", "message": exc.message.strip()})
            continue
        key = _CLASS_KEYS.get(class_name)
        if key is None or not rows:
            continue
        if key == "products":
            document[key] = rows
            continue
        row = dict(rows[0])
        if key == "service" and masks_firmware_key:
            firmware_key = str(row.pop("OA3xOriginalProductKey", None) or "")
            row["OA3xOriginalProductKeyPartial"] = firmware_key[-5:] if len(firmware_key) >= 5 else None
        document[key] = row
    if re.search(r"\bEditionID\b", script):
        if ctx.cim.registry_failure is not None:
            errors.append({"source": "Registry", "hresult": f"0x{ctx.cim.registry_failure.hresult:08X}",
                           "message": ctx.cim.registry_failure.message})
        else:
            document["edition_id"] = ctx.cim.edition_id
    return document


def run_collector(script: str, ctx: HostContext) -> ProcessOutput:
    """stdout / stderr / exit code of the collector on this host, faults included."""
    fault = ctx.fault
    kind = fault.kind if fault else None
    if kind == faults.OLD_POWERSHELL:
        return _version_guard(script, ctx)
    progress = not _SILENT_PROGRESS.search(script)
    if fault and kind == faults.WMI_ERROR:
        line, number, column, length = _cim_statement(script)
        record = clixml.cim_error(str(fault.option("message")), int(str(fault.option("hresult")), 16), line, number, column, length)
        return ProcessOutput(stderr=clixml.document([record], progress=progress), exit_code=1)
    text = psjson.dumps(build_document(script, ctx)) + "\r\n"
    if fault and kind == faults.NOT_JSON:
        text = str(fault.option("message"))
    elif fault and kind == faults.TRUNCATED:
        size = fault.option("bytes")
        text = text[:size if isinstance(size, int) else len(text) // 2]
    elif fault and kind == faults.LARGE_OUTPUT:
        target = fault.option("bytes")
        padding = max(target - len(text), 0) if isinstance(target, int) else 0
        # Trailing whitespace keeps the document valid JSON while making it as large as asked.
        text = text[:-2] + " " * padding + "\r\n"
    return ProcessOutput(stdout=text, stderr=clixml.document(progress=True) if progress else "")


def _match(request: handlers.ScriptRequest) -> bool | None:
    return True if is_collector(request.script) else None


def _run(request: handlers.ScriptRequest, ctx: HostContext, _matched: object) -> ProcessOutput:
    if not request.command_line and ctx.cim.work is not None:
        ctx.cim.work.pipeline_run(HANDLER_NAME, request.script)
    return run_collector(request.script, ctx)


handlers.register(HANDLER_NAME, _match, _run)
