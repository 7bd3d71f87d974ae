# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""win_product_facts (the benchmark's peer) through ansible's real PowerShell module wrapper.

ansible-core packs a module into the exec-wrapper payload (a -EncodedCommand bootstrap plus
~170 KB on stdin); the simulator must find win_product_facts in it and answer as the module
would on the host. The module files written here carry the product filter of each
ansible.windows release line, which is what the simulator reads to choose its behaviour:
the ansible.windows package itself is not needed (the benchmark downloads it).

The emulation is the benchmark's handler module, benchmarks/winsim_handlers/peer_module.py,
loaded with the loader of ``winsim serve --handlers`` (winsim.windows.handlers.load).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from winsim import BackgroundSimulator, FleetBuilder
from winsim.windows import handlers

from sim_helpers import FIXTURE_PROFILES, REPO_ROOT

PEER_MODULE = REPO_ROOT / "benchmarks" / "winsim_handlers" / "peer_module.py"

_MODULE_HEAD = """#!powershell
#AnsibleRequires -CSharpUtil Ansible.Basic
$module = [Ansible.Basic.AnsibleModule]::Create($args, @{ supports_check_mode = $true })
$product_key = (Get-CimInstance -Class SoftwareLicensingService).OA3xOriginalProductKey
"""
# The product filter of ansible.windows 2.7.0 - 3.3.x and of 3.4.0+ (plugins/modules/win_product_facts.ps1).
OLD_FILTER = ('$license_info = Get-CimInstance SoftwareLicensingProduct | '
              'Where-Object { $product_key -match $_.PartialProductKey -and $_.Name -match "Windows" }')
NEW_FILTER = '$license_info = Get-CimInstance SoftwareLicensingProduct | Where-Object { $_.PartialProductKey -and $_.Name -match "Windows" }'
FACT_NAMES = {"ansible_os_product_id", "ansible_os_product_key", "ansible_os_license_edition", "ansible_os_license_channel",
              "ansible_os_license_status"}


@pytest.fixture(scope="module")
def peer_sim() -> BackgroundSimulator:
    handlers.load(PEER_MODULE)
    builder = FleetBuilder(profiles_dir=FIXTURE_PROFILES, listen="ephemeral")
    builder.add("win-digital", profile="minimal_digital_license_pro")
    builder.add("win-oem", profile="oem_pro_with_office")
    builder.add("win-denied", profile="minimal_digital_license_pro", fault="access_denied")
    with BackgroundSimulator(builder.build()) as simulator:
        yield simulator


def _run_module(sim: BackgroundSimulator, workdir: Path, module: str, source: str, pattern: str) -> dict[str, dict]:
    """``ansible PATTERN -m MODULE`` with MODULE.ps1 from a library folder; each host's result."""
    library = workdir / f"library-{len(list(workdir.glob('library-*')))}"
    library.mkdir(parents=True, exist_ok=True)
    (library / f"{module}.ps1").write_text(source, encoding="utf-8")
    inventory = sim.write_inventory(workdir / "inventory.yml")
    tree = workdir / f"tree-{len(list(workdir.glob('tree-*')))}"
    environment = dict(os.environ, ANSIBLE_HOME=str(workdir / "ansible-home"), ANSIBLE_LOCAL_TEMP=str(workdir / "tmp"),
                       ANSIBLE_NOCOLOR="1", ANSIBLE_CONFIG=str(workdir / "no-ansible.cfg"), ANSIBLE_LIBRARY=str(library))
    ansible = Path(sys.executable).parent / "ansible"
    completed = subprocess.run([str(ansible), pattern, "-i", str(inventory), "-m", module, "--tree", str(tree), "-f", "3"],
                               capture_output=True, text=True, env=environment, cwd=workdir, timeout=240, check=False)
    assert tree.is_dir(), completed.stdout[-2000:] + completed.stderr[-2000:]
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in tree.iterdir()}


def test_new_filter_returns_the_keyed_windows_products(peer_sim, tmp_path) -> None:
    peer_sim.stats.reset()
    results = _run_module(peer_sim, tmp_path, "win_product_facts", _MODULE_HEAD + NEW_FILTER + "\n", "win-digital,win-oem")
    digital = results["win-digital"]
    assert digital.get("failed") is not True and digital["changed"] is False, digital
    facts = digital["ansible_facts"]
    assert set(facts) == FACT_NAMES
    assert (facts["ansible_os_license_edition"], facts["ansible_os_license_channel"], facts["ansible_os_license_status"]) == (
        "Windows(R), Professional edition", "Retail", "Licensed")
    assert re.fullmatch(r"\d{5}-\d{5}-\d{5}-AA\w{3}", facts["ansible_os_product_id"])
    # No firmware key: the module decodes the registry's key; the simulator's stand-in is fake and ends in the installed key.
    assert facts["ansible_os_product_key"].startswith("FAKE1-") and facts["ansible_os_product_key"].endswith("-3V66T")
    # The ESU add-on is a keyed "Windows" product too: 3.4.0's filter returns it beside the OS (lists), Office never.
    oem = results["win-oem"]["ansible_facts"]
    assert oem["ansible_os_license_edition"] == [
        "Windows(R), Professional edition",
        "Windows(R), Client-ESU-Year1 add-on for Education,Enterprise,EnterpriseN,Professional,ProfessionalN"]
    assert oem["ansible_os_license_channel"] == ["OEM:DM", "Volume:MAK"]
    assert oem["ansible_os_license_status"] == ["Licensed", "Licensed"]
    assert oem["ansible_os_product_key"].endswith("-W269N")  # the profile's (fake) firmware key
    # The module really crossed the wire: one Send carrying the exec-wrapper payload.
    counters = peer_sim.stats.for_host("win-digital").as_dict()
    assert counters["actions"]["Send"] == 1 and counters["bytes_in"] > 100_000


def test_old_filter_matches_every_keyless_windows_row(peer_sim, tmp_path) -> None:
    results = _run_module(peer_sim, tmp_path, "win_product_facts", _MODULE_HEAD + OLD_FILTER + "\n", "win-digital,win-oem")
    for name in ("win-digital", "win-oem"):
        facts = results[name]["ansible_facts"]
        statuses, editions = facts["ansible_os_license_status"], facts["ansible_os_license_edition"]
        # An empty PartialProductKey is an empty regex: every keyless Windows SKU is selected (community.windows #661).
        assert isinstance(statuses, list) and len(statuses) == len(editions) > 10, facts
        assert statuses.count("Licensed") == 1
        assert all(edition.startswith("Windows(R)") for edition in editions)
    # The ESU add-on's key is not part of the firmware key, so 3.3.0 drops it (unlike 3.4.0).
    assert not any("ESU" in edition and status == "Licensed"
                   for edition, status in zip(results["win-oem"]["ansible_facts"]["ansible_os_license_edition"],
                                              results["win-oem"]["ansible_facts"]["ansible_os_license_status"]))


def test_a_failing_cim_query_fails_the_module(peer_sim, tmp_path) -> None:
    result = _run_module(peer_sim, tmp_path, "win_product_facts", _MODULE_HEAD + NEW_FILTER + "\n", "win-denied")["win-denied"]
    # (ansible's --tree files leave out the `failed` flag; the message and the missing facts say it.)
    assert "ansible_facts" not in result
    assert result["msg"] == "Unhandled exception while executing module: Access denied"


def test_other_modules_are_not_run(peer_sim, tmp_path) -> None:
    result = _run_module(peer_sim, tmp_path, "win_ping", _MODULE_HEAD + NEW_FILTER + "\n", "win-digital")["win-digital"]
    # The simulator does not run the module wrapper for any other module: no JSON comes back.
    assert "ansible_facts" not in result
    assert result["msg"].startswith("Module result deserialization failed")
