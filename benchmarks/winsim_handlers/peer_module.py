# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Answer ansible.windows.win_product_facts the way the module would on the host (for the benchmark).

A winsim handler module (:mod:`winsim.windows.handlers`), used only by the benchmark's peer
variant: it registers itself when it is loaded, with
``winsim serve --handlers benchmarks/winsim_handlers/peer_module.py`` (or
``winsim.windows.handlers.load(<this file>)`` for an in-process simulator). Without it a
simulated host does not run ansible's module wrapper at all.

Ansible runs a PowerShell module in two parts (ansible-core 2.19): a bootstrap as
``-EncodedCommand`` that reads ``$input``, and the exec-wrapper payload on stdin
(WinRS Send, about 170 KB): ``{"name": "exec_wrapper", "script": ..., "params": ...}``,
a line of four NUL characters, then ``{"scripts": {name: {path, script (base64)}},
"actions": [{"name": "module_wrapper.ps1", "params": {"Script": <module>, "Variables":
[{"Name": "complex_args", "Value": {..., "_ansible_module_name": ...}}]}}]}``.

Only win_product_facts is executed here, so the peer variant of the benchmark pays its real
transport and controller costs; any other module is left to the caller (which answers
as before). Nothing is hard-coded per host: the module's logic runs against the host's
CIM model (:mod:`winsim.windows.cim`), including the dozens of keyless rows a real host lists.

Which product filter runs is read from the module source that came with the payload:

* ansible.windows 2.7.0 - 3.3.x: ``$product_key -match $_.PartialProductKey -and $_.Name -match "Windows"``.
  An empty PartialProductKey is an empty regex and matches everything, so every keyless
  Windows row is selected too and the license facts come back as lists
  (community.windows #661, ansible.windows #834);
* ansible.windows 3.4.0 and later: ``$_.PartialProductKey -and $_.Name -match "Windows"``.

The real module returns the full product key: the firmware (OA3) key, else the key decoded
from the registry's DigitalProductId. Profiles hold FAKE firmware keys; for the decoded key
this module makes up an equally fake one (``FAKE1-FAKE2-FAKE3-FAKE4-<partial key>``).

Host work (:class:`winsim.fleet.stats.HostWork`), from what this handler really receives, which is
ansible's own payload: the powershell.exe that runs the bootstrap (``-EncodedCommand``) and the
bootstrap's bytes are counted by :mod:`winsim.windows.commands`; here, the scripts the host then
parses: the exec wrapper (the payload's first line), and for each action its wrapper script
(``module_wrapper.ps1``), the module, its PowerShell module utils and its C# module utils
(``Ansible.Basic.cs``, compiled). ansible-core 2.19's module_wrapper.ps1 runs the module in a new
runspace of the same process (``[PowerShell]::Create()``): one more runspace, no more PowerShell
processes. Compiling C# on Windows PowerShell 5.1 goes through CodeDom, which starts ``csc.exe``
(ansible's Ansible.ModuleUtils.AddType.psm1 says so): one compiler process per action with C#
module utils. The CIM queries are the module's: ``Get-CimInstance`` without a filter on
SoftwareLicensingService, SoftwareLicensingProduct and Win32_OperatingSystem (every instance,
every property); the registry read of the product key is not CIM and is not counted.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from winsim.fleet import faults
from winsim.windows import handlers, psjson
from winsim.windows.cim import CimError
from winsim.windows.results import HostContext, ProcessOutput

MODULE_NAME = "win_product_facts"
HANDLER_NAME = "ansible.windows.win_product_facts (benchmark peer)"
_PAYLOAD_SEPARATOR = "\0\0\0\0"
_OLD_FILTER = re.compile(r"\$product_key\s+-match\s+\$_\.PartialProductKey", re.IGNORECASE)
_STATUS_NAMES = {0: "Unlicensed", 1: "Licensed", 2: "OOBGrace", 3: "OOTGrace", 4: "NonGenuineGrace", 5: "Notification",
                 6: "ExtendedGrace"}
#: the decoded key is fake test data: four fixed groups and the installed product's partial key
_FAKE_KEY_PREFIX = "FAKE1-FAKE2-FAKE3-FAKE4-"


def _payload_parts(stdin: str) -> tuple[dict, dict] | None:
    """(exec wrapper header, module payload) when stdin is ansible's exec-wrapper payload, else None."""
    if _PAYLOAD_SEPARATOR not in stdin or '"exec_wrapper"' not in stdin[:200]:
        return None
    header_text, _separator, payload_text = stdin.partition(_PAYLOAD_SEPARATOR)
    try:
        header, payload = json.loads(header_text.strip()), json.loads(payload_text.strip())
    except ValueError:
        return None
    if not isinstance(header, dict) or header.get("name") != "exec_wrapper" or not isinstance(payload, dict):
        return None
    return header, payload


def _module_action(payload: dict) -> tuple[str, str] | None:
    """(name of the module script in ``scripts``, fully qualified module name) of the payload's module action."""
    actions = payload.get("actions")
    if not isinstance(actions, list):
        return None
    for action in actions:
        params = action.get("params") if isinstance(action, dict) else None
        if not isinstance(params, dict) or not params.get("ForModule") or not isinstance(params.get("Script"), str):
            continue
        module_name = ""
        for variable in params.get("Variables") or []:
            if isinstance(variable, dict) and variable.get("Name") == "complex_args" and isinstance(variable.get("Value"), dict):
                module_name = str(variable["Value"].get("_ansible_module_name") or "")
        return params["Script"], module_name or params["Script"].removesuffix(".ps1")
    return None


def _module_source(payload: dict, script_name: str) -> str:
    entry = (payload.get("scripts") or {}).get(script_name)
    if not isinstance(entry, dict):
        return ""
    try:
        return base64.b64decode(str(entry.get("script") or ""), validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return ""


def _count_wrapper_work(ctx: HostContext, header: dict, payload: dict) -> None:
    """The scripts, runspaces and compiler runs the exec wrapper costs the host (see the module docstring)."""
    work = ctx.cim.work
    if work is None:
        return
    work.parsed(str(header.get("script") or ""))
    scripts = payload.get("scripts") or {}
    seen: set[str] = set()
    for action in payload.get("actions") or []:
        if not isinstance(action, dict):
            continue
        params = action.get("params") if isinstance(action.get("params"), dict) else {}
        csharp = [name for name in params.get("CSharpModules") or [] if isinstance(name, str)]
        powershell = [str(action.get("name") or ""), str(params.get("Script") or ""),
                      *(name for name in params.get("PowerShellModules") or [] if isinstance(name, str))]
        for name in powershell + csharp:
            if name in scripts and name not in seen:
                seen.add(name)
                work.parsed(_module_source(payload, name), csharp=name.lower().endswith(".cs"))
        if "[PowerShell]::Create()" in _module_source(payload, str(action.get("name") or "")):
            work.runspaces += 1
        if csharp:
            work.compiler_processes += 1


def is_product_facts(module_name: str) -> bool:
    """True for win_product_facts under any of its names (ansible.windows, community.windows, short name)."""
    return module_name.rsplit(".", 1)[-1] == MODULE_NAME


def _product_key(ctx: HostContext) -> str | None:
    """The firmware key if the host has one, else the (fake) key decoded from the registry, else None."""
    try:
        service = ctx.cim.query("SELECT * FROM SoftwareLicensingService")[1]
        firmware_key = str((service[0] if service else {}).get("OA3xOriginalProductKey") or "")
    except CimError:
        firmware_key = ""
    if firmware_key:
        return firmware_key
    if ctx.cim.registry_failure is not None:
        return None
    rows = ctx.cim.classes["SoftwareLicensingProduct"].rows
    keyed = [row for row in rows if row.get("PartialProductKey") and not row.get("LicenseIsAddon")
             and str(row.get("Name") or "").lower().startswith("windows")]
    installed = next((row for row in keyed if row.get("LicenseStatus") == 1), keyed[0] if keyed else None)
    return _FAKE_KEY_PREFIX + (str(installed["PartialProductKey"]) if installed else "FAKE5")


def _matches(pattern: object, text: object) -> bool:
    """PowerShell ``text -match pattern``: case-insensitive regex search; $null on either side is ''."""
    try:
        return re.search(str(pattern or ""), str(text or ""), re.IGNORECASE) is not None
    except re.error:
        return False


def _unroll(values: list[object]) -> object:
    """What PowerShell assigns from a pipeline: nothing -> $null, one item -> the item, more -> an array."""
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def product_facts(ctx: HostContext, *, old_filter: bool) -> dict[str, object]:
    """The module's ansible_facts on this host; raises :class:`CimError` where the module would stop."""
    product_key = _product_key(ctx)
    products = ctx.cim.query("SELECT * FROM SoftwareLicensingProduct")[1]
    if old_filter:
        selected = [row for row in products if _matches(row.get("PartialProductKey"), product_key) and _matches("Windows", row.get("Name"))]
    else:
        selected = [row for row in products if row.get("PartialProductKey") and _matches("Windows", row.get("Name"))]
    # `switch ($license_info.LicenseStatus)` runs once for $null (no product) and once per element of an array.
    statuses = [_STATUS_NAMES.get(row.get("LicenseStatus")) for row in selected] or [None]  # type: ignore[arg-type]
    operating_system = ctx.cim.query("SELECT * FROM Win32_OperatingSystem")[1]
    return {
        "ansible_os_product_id": operating_system[0].get("SerialNumber") if operating_system else None,
        "ansible_os_product_key": product_key,
        "ansible_os_license_edition": _unroll([row.get("Name") for row in selected]),
        "ansible_os_license_channel": _unroll([row.get("ProductKeyChannel") for row in selected]),
        "ansible_os_license_status": _unroll(statuses),
    }


def _match(request: handlers.ScriptRequest) -> tuple[dict, tuple[str, str], dict] | None:
    """(module payload, module action, wrapper header) when stdin is ansible's module wrapper payload for win_product_facts."""
    # ansible's PowerShell module wrapper: the bootstrap as -EncodedCommand, the module payload on stdin.
    if not request.stdin:
        return None
    parts = _payload_parts(request.stdin)
    if parts is None:
        return None
    action = _module_action(parts[1])
    if action is None or not is_product_facts(action[1]):
        return None
    return parts[1], action, parts[0]


def _run(request: handlers.ScriptRequest, ctx: HostContext, matched: object) -> ProcessOutput:
    """The module's output on this host."""
    payload, action, header = matched  # type: ignore[misc]
    if tuple(int(part) for part in re.findall(r"\d+", ctx.powershell_version)[:2]) < (5, 1):
        # The bootstrap's own version guard.
        return ProcessOutput(stdout='{"failed":true,"msg":"Ansible requires PowerShell v5.1"}\r\n', exit_code=1)
    _count_wrapper_work(ctx, header, payload)
    old_filter = bool(_OLD_FILTER.search(_module_source(payload, action[0])))
    try:
        if ctx.has_fault(faults.WMI_ERROR) and ctx.fault is not None:
            raise CimError(int(str(ctx.fault.option("hresult")), 16), str(ctx.fault.option("message")))
        facts = product_facts(ctx, old_filter=old_filter)
    except CimError as exc:
        # The module wrapper runs modules with $ErrorActionPreference = 'Stop': the failed query ends the module.
        failure = {"failed": True, "msg": f"Unhandled exception while executing module: {exc.message}",
                   "exception": f"{exc.message}\r\n+ CategoryInfo          : NotSpecified: (:) [Get-CimInstance], CimException"}
        return ProcessOutput(stdout=psjson.dumps(failure) + "\r\n", exit_code=1)
    result = {"changed": False, "invocation": {"module_args": {}}, "ansible_facts": facts}
    return ProcessOutput(stdout=psjson.dumps(result) + "\r\n")


def run_module_wrapper(stdin: str, ctx: HostContext) -> ProcessOutput | None:
    """The module's output when stdin carries win_product_facts; None for anything else."""
    request = handlers.ScriptRequest("", "", stdin)
    matched = _match(request)
    return None if matched is None else _run(request, ctx, matched)


handlers.register(HANDLER_NAME, _match, _run)
