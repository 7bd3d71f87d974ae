# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Host work, counted (winsim.fleet.stats.HostWork): what a host computes for ours and for the peer.

Both programs are driven through pywinrm exactly as ansible sends them: ours is the action
plugin's own command line (plugins/plugin_utils/_facts/command.py), the peer is ansible-core's
real module payload for a module shaped like ansible.windows 3.3.0's win_product_facts (the
bootstrap as -EncodedCommand, the exec-wrapper payload on stdin, built by ansible's own
module_manifest), answered by the benchmark's handler, benchmarks/winsim_handlers/peer_module.py.
The host is the library's realistic profile: Windows 11 Pro with the keyless SKU rows and Office.
The expected figures are worked out here from the scripts and the CIM schema, not read back from
the simulator.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.request
from pathlib import Path

import ansible
import pytest
from ansible.executor.powershell import module_manifest
from ansible.plugins.loader import shell_loader

from winsim import BackgroundSimulator, FleetBuilder
from winsim.fleet.profiles import LIBRARY_PROFILES_DIR, ProfileLibrary
from winsim.fleet.stats import HostWork
from winsim.personalities import collector
from winsim.windows import cim_schema, handlers, powershell
from winsim.windows.cim import HostCim

from sim_helpers import REPO_ROOT, encode, import_collection_module, protocol, run_command

PEER_MODULE = REPO_ROOT / "benchmarks" / "winsim_handlers" / "peer_module.py"
PROFILE = "windows11_pro_with_office_realistic"
#: SoftwareLicensingProduct instances on that host: its keyed Pro row, 48 more keyless Windows SKU rows, 3 ESU
#: add-ons, the licensed Office row and 5 more keyless Office rows (the profile's header comment).
PRODUCT_INSTANCES = 58
#: ansible.windows 3.3.0's win_product_facts, in the shape that matters here: Ansible.Basic, three unfiltered queries.
PEER_SOURCE = """#!powershell
#AnsibleRequires -CSharpUtil Ansible.Basic
$module = [Ansible.Basic.AnsibleModule]::Create($args, @{ supports_check_mode = $true })
$product_key = (Get-CimInstance -Class SoftwareLicensingService).OA3xOriginalProductKey
$license_info = Get-CimInstance SoftwareLicensingProduct | Where-Object { $product_key -match $_.PartialProductKey -and $_.Name -match "Windows" }
$module.Result.ansible_facts = @{ ansible_os_product_id = (Get-CimInstance Win32_OperatingSystem).SerialNumber }
$module.ExitJson()
"""
ANSIBLE_BASIC = Path(ansible.__file__).parent / "module_utils" / "csharp" / "Ansible.Basic.cs"


@pytest.fixture(scope="module")
def work_sim() -> BackgroundSimulator:
    handlers.load(PEER_MODULE)
    builder = FleetBuilder(profiles_dir=LIBRARY_PROFILES_DIR, listen="ephemeral")
    for name in ("win-ours", "win-peer", "win-raw"):
        builder.add(name, profile=PROFILE)
    with BackgroundSimulator(builder.build()) as simulator:
        yield simulator


def _selected(script: str, class_name: str) -> list[str]:
    match = re.search(rf"SELECT ([\w,]+) FROM {class_name}\b", script)
    assert match, f"the collector no longer queries {class_name}"
    return match.group(1).split(",")


def _run_ours(sim: BackgroundSimulator, name: str) -> dict:
    """The license_facts action's command on ``name``; the collector's document."""
    words = import_collection_module("plugins.plugin_utils._facts.command").build_collector_command().split()
    stdout, stderr, rc = run_command(protocol(sim, name), words[0], words[1:])
    assert (rc, stderr) == (0, b""), stderr
    return json.loads(stdout)


def _peer_payload() -> tuple[list[str], bytes]:
    """(bootstrap command line as words, stdin payload) as ansible-core builds them for the module."""
    payload = module_manifest._create_powershell_wrapper(  # pylint: disable=protected-access
        name="ansible.windows.win_product_facts", module_data=PEER_SOURCE.encode("utf-8"), module_path="/library/win_product_facts.ps1",
        module_args={"_ansible_module_name": "ansible.windows.win_product_facts"}, environment={}, async_timeout=0,
        become_plugin=None, substyle="powershell", task_vars={}, profile="legacy")
    bootstrap = shell_loader.get("powershell").build_module_command(env_string="", shebang="#!powershell", cmd="")
    return bootstrap.split(), payload


def _run_peer(sim: BackgroundSimulator, name: str) -> dict:
    """The module through pywinrm as ansible's winrm connection runs it: bootstrap command, payload on stdin."""
    words, payload = _peer_payload()
    proto = protocol(sim, name)
    shell_id = proto.open_shell(codepage=65001)
    try:
        # ansible's winrm connection: console_mode_stdin off when it sends stdin, so the command waits for its input.
        command_id = proto.run_command(shell_id, words[0], words[1:], console_mode_stdin=False)
        chunks = [payload[start:start + 200_000] for start in range(0, len(payload), 200_000)]
        for index, chunk in enumerate(chunks):
            proto.send_command_input(shell_id, command_id, chunk, end=index == len(chunks) - 1)
        stdout, stderr, rc = proto.get_command_output(shell_id, command_id)
        proto.cleanup_command(shell_id, command_id)
    finally:
        proto.close_shell(shell_id)
    assert rc == 0, stdout + stderr
    return json.loads(stdout)


def _work(sim: BackgroundSimulator, name: str) -> dict:
    return sim.stats.for_host(name).as_dict()["host_work"]


def test_ours_enumerates_the_products_but_returns_the_keyed_windows_row(work_sim) -> None:
    work_sim.stats.reset()
    document = _run_ours(work_sim, "win-ours")
    assert [row["PartialProductKey"] for row in document["products"]] == ["3V66T"]
    script = import_collection_module("plugins.plugin_utils._facts.command").collector_script()
    work = _work(work_sim, "win-ours")
    assert work["cim"] == {
        "SoftwareLicensingProduct": {"queries": 1, "enumerated": PRODUCT_INSTANCES, "returned": 1,
                                     "properties_returned": len(_selected(script, "SoftwareLicensingProduct"))},
        "SoftwareLicensingService": {"queries": 1, "enumerated": 1, "returned": 1,
                                     "properties_returned": len(_selected(script, "SoftwareLicensingService"))},
        "Win32_OperatingSystem": {"queries": 1, "enumerated": 1, "returned": 1,
                                  "properties_returned": len(_selected(script, "Win32_OperatingSystem"))},
    }
    # One powershell.exe, its own runspace, nothing compiled; the host parses the decoded script and nothing else.
    assert (work["powershell_processes"], work["runspaces"], work["compiler_processes"]) == (1, 1, 0)
    assert work["script_bytes"] == len(script.encode("utf-8")) and work["csharp_bytes"] == 0
    assert work["programs"] == {collector.HANDLER_NAME: 1}


def test_the_peer_enumerates_and_returns_every_instance_and_compiles_ansible_basic(work_sim) -> None:
    work_sim.stats.reset()
    result = _run_peer(work_sim, "win-peer")
    assert result["changed"] is False and set(result["ansible_facts"]) >= {"ansible_os_license_status", "ansible_os_product_id"}
    work = _work(work_sim, "win-peer")
    every = {name: len(cim_schema.CLASSES[name]) for name in cim_schema.CLASSES}
    assert work["cim"] == {
        "SoftwareLicensingProduct": {"queries": 1, "enumerated": PRODUCT_INSTANCES, "returned": PRODUCT_INSTANCES,
                                     "properties_returned": PRODUCT_INSTANCES * every["SoftwareLicensingProduct"]},
        "SoftwareLicensingService": {"queries": 1, "enumerated": 1, "returned": 1,
                                     "properties_returned": every["SoftwareLicensingService"]},
        "Win32_OperatingSystem": {"queries": 1, "enumerated": 1, "returned": 1, "properties_returned": every["Win32_OperatingSystem"]},
    }
    # One powershell.exe (the bootstrap); module_wrapper.ps1 opens a second runspace in it; Add-Type runs csc.exe once.
    assert (work["powershell_processes"], work["runspaces"], work["compiler_processes"]) == (1, 2, 1)
    words, payload = _peer_payload()
    header_text, _separator, manifest_text = payload.decode("utf-8").partition("\0\0\0\0")
    header, manifest = json.loads(header_text), json.loads(manifest_text)
    shipped = {name: base64.b64decode(entry["script"]) for name, entry in manifest["scripts"].items()}
    assert set(shipped) == {"module_wrapper.ps1", "ansible.windows.win_product_facts.ps1", "Ansible.ModuleUtils.AddType.psm1",
                            "Ansible.Basic.cs"}
    bootstrap = base64.b64decode(words[-1]).decode("utf-16-le")
    assert work["script_bytes"] == (len(bootstrap.encode("utf-8")) + len(header["script"].encode("utf-8"))
                                    + sum(len(source) for source in shipped.values()))
    assert work["csharp_bytes"] == len(shipped["Ansible.Basic.cs"]) == ANSIBLE_BASIC.stat().st_size
    assert work["programs"] == {"ansible.windows.win_product_facts (benchmark peer)": 1}


def test_a_plain_command_is_one_process_and_no_cim(work_sim) -> None:
    work_sim.stats.reset()
    stdout, _stderr, rc = run_command(protocol(work_sim, "win-raw"), "powershell", ["-EncodedCommand", encode("Write-Output hi")])
    assert (stdout, rc) == (b"hi\r\n", 0)
    work = _work(work_sim, "win-raw")
    assert work == {"cim": {}, "powershell_processes": 1, "runspaces": 1, "compiler_processes": 0,
                    "script_bytes": len("Write-Output hi"), "csharp_bytes": 0, "programs": {powershell.INTERPRETER: 1}}


def test_stats_serve_the_host_work_per_host_and_in_the_totals(work_sim) -> None:
    work_sim.stats.reset()
    _run_ours(work_sim, "win-ours")
    _run_peer(work_sim, "win-peer")
    with urllib.request.urlopen(work_sim.control_url + "/stats", timeout=30) as response:  # 127.0.0.1 control endpoint
        document = json.loads(response.read())
    ours, peer = document["hosts"]["win-ours"]["host_work"], document["hosts"]["win-peer"]["host_work"]
    totals = document["totals"]["host_work"]
    assert totals["script_bytes"] == ours["script_bytes"] + peer["script_bytes"]
    assert totals["powershell_processes"] == 2 and totals["compiler_processes"] == 1
    products = totals["cim"]["SoftwareLicensingProduct"]
    assert products == {"queries": 2, "enumerated": 2 * PRODUCT_INSTANCES, "returned": 1 + PRODUCT_INSTANCES,
                        "properties_returned": (ours["cim"]["SoftwareLicensingProduct"]["properties_returned"]
                                                + peer["cim"]["SoftwareLicensingProduct"]["properties_returned"])}
    assert document["hosts"]["win-raw"]["host_work"]["powershell_processes"] == 0
    # The peer returns over a hundred times the product properties ours does, and parses about thirty times the bytes.
    assert peer["cim"]["SoftwareLicensingProduct"]["properties_returned"] > 100 * ours["cim"]["SoftwareLicensingProduct"]["properties_returned"]
    assert peer["script_bytes"] > 20 * ours["script_bytes"]
    # POST /reset zeroes the host work in place: the hosts keep counting into the same object afterwards.
    request = urllib.request.Request(work_sim.control_url + "/reset", method="POST")
    with urllib.request.urlopen(request, timeout=30):  # 127.0.0.1 control endpoint
        pass
    assert _work(work_sim, "win-ours")["script_bytes"] == 0
    _run_ours(work_sim, "win-ours")
    assert _work(work_sim, "win-ours")["powershell_processes"] == 1


def test_a_where_clause_enumerates_every_instance_even_when_it_returns_none() -> None:
    work = HostWork()
    cim = HostCim("win-001", ProfileLibrary(LIBRARY_PROFILES_DIR).get(PROFILE).cim, work=work)
    cim.query("SELECT ID,Name FROM SoftwareLicensingProduct WHERE LicenseFamily = 'NoSuchFamily'")
    cim.query("SELECT * FROM SoftwareLicensingService")
    assert work.as_dict()["cim"] == {
        "SoftwareLicensingProduct": {"queries": 1, "enumerated": PRODUCT_INSTANCES, "returned": 0, "properties_returned": 0},
        "SoftwareLicensingService": {"queries": 1, "enumerated": 1, "returned": 1,
                                     "properties_returned": len(cim_schema.SOFTWARE_LICENSING_SERVICE)},
    }
    # Without a counter (a CIM model built on its own) nothing is counted and nothing fails.
    assert HostCim("win-002", ProfileLibrary(LIBRARY_PROFILES_DIR).get(PROFILE).cim).query("SELECT ID FROM SoftwareLicensingProduct")[1]
