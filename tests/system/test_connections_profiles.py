# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module is right on every path (issue 15): every profile and every failure, over winrm, psrp and ssh.

Each profile of the library (tests/profiles) and each failure fault is served three times, over
ansible's winrm connection (NTLM with message encryption, the Windows default), its psrp
connection (negotiate with message encryption, psrp's default) and its ssh connection (a key,
DefaultShell powershell). The facts of a profile must be identical on the three paths, and a
failure must give the same ``error_code`` with a message that names what failed, although each
path hands the module different raw shapes (psrp: no ``[Console]::Error``, rc only from
``exit``, output joined without a trailing newline, error records formatted by the plugin;
ssh and winrm: CLIXML stderr decoded by the plugin). One ansible-playbook run.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import BIN, ROOT, ansible_env, start_fleet

CONNECTIONS = {
    "winrm": {"auth": "ntlm"},
    "psrp": {"connection": "psrp", "auth": "ntlm"},
    "ssh": {"connection": "ssh", "auth": "publickey"},
}
PROFILES = sorted(path.stem for path in (ROOT / "tests" / "profiles").glob("*.yml"))
#: fault -> (error_code, a fragment the message must carry so the user knows what failed)
FAULTS = {
    "access_denied": ("access_denied", "0x80041003"),
    "service_disabled": ("service_disabled", "sppsvc"),
    "wmi_error": ("wmi_error", "0x8004100E"),
    "not_json": ("output_not_json", "did not print a JSON document"),
    "truncated": ("output_not_json", "did not print a JSON document"),
    "large_output": ("output_too_large", "max_output_bytes"),
    "old_powershell": ("powershell_too_old", "this host has 2.0"),
    "not_windows": ("not_powershell", "PowerShell: not found"),
}
FAULT_OPTIONS = {"large_output": {"bytes": 1_200_000}}
#: psrp needs a PowerShell endpoint: a host without one fails to open the RunspacePool (UNREACHABLE, naming the
#: missing resource URI) before any command runs, so "not PowerShell" cannot be a module error there.
PSRP_UNREACHABLE = {"not_windows": "Microsoft.PowerShell"}
TIME_KEYS = ("collected_at", "grace_expires_at")

# The playbook that collects and keeps every host's result (shared with the other connection test).
PLAYBOOK = (Path(__file__).resolve().parents[1] / "support" / "collect_results.yml").read_text(encoding="utf-8")


def _fleet() -> dict:
    hosts = []
    for connection, fields in CONNECTIONS.items():
        hosts += [{"name": f"{connection}--{profile}", "profile": profile, **fields} for profile in PROFILES]
        for fault in FAULTS:
            host = {"name": f"{connection}--fault-{fault}", "profile": "digital_license_pro", "fault": fault, **fields}
            if fault in FAULT_OPTIONS:
                host["fault_options"] = FAULT_OPTIONS[fault]
            hosts.append(host)
    return {"defaults": {"listen": "ephemeral"}, "hosts": hosts}


@pytest.fixture(scope="module")
def results(tmp_path_factory, collections_path) -> dict:
    work: Path = tmp_path_factory.mktemp("paths")
    fleet = start_fleet(_fleet(), work / "fleet")
    try:
        playbook = work / "paths.yml"
        playbook.write_text(PLAYBOOK, encoding="utf-8")
        results_file = work / "results.json"
        completed = subprocess.run(
            [str(BIN / "ansible-playbook"), "-f", "16", "-i", str(fleet.inventory), str(playbook),
             "-e", json.dumps({"results_file": str(results_file)})],
            env=ansible_env(collections_path, **fleet.ready.get("env", {})), capture_output=True, text=True,
            timeout=300, check=False)
        assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-3000:]
        return json.loads(results_file.read_text(encoding="utf-8"))
    finally:
        fleet.stop()


def _comparable(result: dict) -> dict:
    if result.get("failed") or result.get("unreachable"):
        return {"error_code": result.get("error_code"), "unreachable": bool(result.get("unreachable"))}
    facts = dict(result["ansible_facts"]["windows_license"])
    for key in TIME_KEYS:
        facts.pop(key, None)
    return facts


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_gives_the_same_facts_over_winrm_psrp_and_ssh(results, profile):
    seen = {connection: _comparable(results[f"{connection}--{profile}"]) for connection in CONNECTIONS}
    assert not seen["winrm"].get("unreachable"), results[f"winrm--{profile}"]
    assert seen["psrp"] == seen["winrm"], f"{profile}: psrp differs from winrm"
    assert seen["ssh"] == seen["winrm"], f"{profile}: ssh differs from winrm"


@pytest.mark.parametrize("connection", list(CONNECTIONS))
@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_failure_has_the_same_code_and_a_message_that_says_what_failed(results, connection, fault):
    result = results[f"{connection}--fault-{fault}"]
    if connection == "psrp" and fault in PSRP_UNREACHABLE:
        assert result.get("unreachable") is True, result
        assert PSRP_UNREACHABLE[fault] in result["msg"], result["msg"]
        return
    code, fragment = FAULTS[fault]
    assert result.get("failed") is True and not result.get("unreachable"), result
    assert result["error_code"] == code, result["msg"]
    assert fragment.lower() in result["msg"].lower(), result["msg"]
    assert "no error text" not in result["msg"]
    assert "ansible_facts" not in result
