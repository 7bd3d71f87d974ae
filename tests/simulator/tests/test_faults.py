# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Every fault kind, as pywinrm and as ansible's winrm connection plugin see it."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from winrm.exceptions import InvalidCredentialsError, WSManFaultError

from winsim import BackgroundSimulator, FleetBuilder
from winsim.fleet.faults import KINDS

from sim_helpers import FIXTURE_PROFILES, run_ansible, session

FAULT_HOSTS = {
    "win-ok": {},
    "win-not-listening": {"fault": "not_listening"},
    "win-refuse-basic": {"fault": "refuse_credentials"},
    "win-refuse-ntlm": {"fault": "refuse_credentials", "auth": "ntlm"},
    "win-slow": {"fault": "slow", "fault_options": {"seconds": 2.5}},
    "win-wmi-error": {"fault": "wmi_error", "fault_options": {"hresult": "0x80041013", "message": "Provider load failure"}},
    "win-service-disabled": {"fault": "service_disabled"},
    "win-access-denied": {"fault": "access_denied"},
    "win-shell-denied": {"fault": "shell_access_denied"},
    "win-not-json": {"fault": "not_json"},
    "win-truncated": {"fault": "truncated", "fault_options": {"bytes": 100}},
    "win-large": {"fault": "large_output", "fault_options": {"bytes": 1_000_000}},
    "win-not-windows": {"fault": "not_windows"},
    "win-old-ps": {"fault": "old_powershell"},
    "win-quota": {"fault": "quota_exceeded", "auth": "ntlm"},
    "win-slow-partial": {"fault": "slow_partial", "fault_options": {"chunks": 3, "delay": 1.5}},
    "win-not-admin": {"fault": "not_administrator", "auth": ["basic", "negotiate"]},  # the inventory says basic
    "win-command-denied": {"fault": "command_access_denied"},
}


def test_every_fault_kind_is_exercised() -> None:
    assert {fields["fault"] for fields in FAULT_HOSTS.values() if fields} == set(KINDS)


@pytest.fixture(scope="module")
def fault_sim() -> BackgroundSimulator:
    builder = FleetBuilder(profiles_dir=FIXTURE_PROFILES, listen="ephemeral")
    for name, fields in FAULT_HOSTS.items():
        builder.add(name, profile="minimal_digital_license_pro", **fields)
    with BackgroundSimulator(builder.build()) as simulator:
        yield simulator


# ---- pywinrm ---------------------------------------------------------------------------------------------------

def test_pywinrm_not_listening(fault_sim) -> None:
    with pytest.raises(requests.exceptions.ConnectionError, match="Connection refused"):
        session(fault_sim, "win-not-listening").run_ps("hostname")


@pytest.mark.parametrize("name", ["win-refuse-basic", "win-refuse-ntlm"])
def test_pywinrm_refused_credentials(fault_sim, name) -> None:
    with pytest.raises(InvalidCredentialsError):
        session(fault_sim, name).run_ps("hostname")


def test_pywinrm_slow_host_times_out_and_retries(fault_sim) -> None:
    started = time.monotonic()
    result = session(fault_sim, "win-slow", operation_timeout_sec=1, read_timeout_sec=5).run_ps("hostname")
    assert (result.status_code, result.std_out) == (0, b"win-slow\r\n")
    assert time.monotonic() - started >= 2.4
    assert fault_sim.stats.for_host("win-slow").faults["w:TimedOut"] >= 2


def test_pywinrm_slow_partial_streams_the_collector_document(fault_sim, collector_script) -> None:
    """Chunks over several Receives, w:TimedOut between them, the same document as a fast host."""
    fault_sim.stats.for_host("win-slow-partial").reset()
    started = time.monotonic()
    slow = session(fault_sim, "win-slow-partial", operation_timeout_sec=1, read_timeout_sec=5).run_ps(collector_script)
    assert time.monotonic() - started >= 2.9
    fast = session(fault_sim, "win-ok").run_ps(collector_script)
    assert slow.status_code == fast.status_code == 0
    assert json.loads(slow.std_out.replace(b"WIN-SLOW-PARTIAL", b"WIN-OK").replace(b"win-slow-partial", b"win-ok")) == \
        json.loads(fast.std_out)
    stats = fault_sim.stats.for_host("win-slow-partial")
    assert stats.faults["w:TimedOut"] >= 2
    assert stats.actions["Receive"] >= 5  # three chunks, two time-outs between them


def test_pywinrm_not_administrator(fault_sim) -> None:
    """Basic: 401 even with the right password; Negotiate gets in, and Create is denied."""
    with pytest.raises(InvalidCredentialsError):
        session(fault_sim, "win-not-admin", transport="basic").run_ps("hostname")
    with pytest.raises(WSManFaultError) as caught:
        session(fault_sim, "win-not-admin", transport="ntlm").run_ps("hostname")
    assert (caught.value.fault_subcode, caught.value.wsman_fault_code) == ("w:AccessDenied", 5)


def test_pywinrm_command_access_denied(fault_sim) -> None:
    with pytest.raises(WSManFaultError) as caught:
        session(fault_sim, "win-command-denied").run_ps("hostname")
    fault = caught.value
    assert (fault.fault_code, fault.fault_subcode, fault.wsman_fault_code) == ("s:Receiver", "w:InternalError", 2147942405)
    assert fault.reason.strip() == "Access is denied."


def test_pywinrm_shell_access_denied(fault_sim) -> None:
    with pytest.raises(WSManFaultError) as caught:
        session(fault_sim, "win-shell-denied").run_ps("hostname")
    fault = caught.value
    assert (fault.code, fault.fault_code, fault.fault_subcode, fault.wsman_fault_code) == (500, "s:Sender", "w:AccessDenied", 5)
    assert fault.reason.strip() == "Access is denied."


def test_pywinrm_quota_exceeded_then_recovers(fault_sim) -> None:
    client = session(fault_sim, "win-quota")
    outcomes = []
    for dummy in range(2):
        try:
            outcomes.append(client.run_ps("hostname").std_out)
        except WSManFaultError as fault:
            outcomes.append(fault.wmierror_code)
    assert sorted(outcomes, key=str) == sorted([0x803381A6, b"win-quota\r\n"], key=str)


def test_pywinrm_wmi_error_shows_the_hresult(fault_sim, collector_script) -> None:
    result = session(fault_sim, "win-wmi-error").run_ps(collector_script)
    assert (result.status_code, result.std_out) == (1, b"")
    assert result.std_err.startswith(b"Get-CimInstance : Provider load failure")
    assert b"HRESULT 0x80041013" in result.std_err


def test_pywinrm_collector_faults(fault_sim, collector_script) -> None:
    document = json.loads(session(fault_sim, "win-service-disabled").run_ps(collector_script).std_out)
    assert [error["hresult"] for error in document["errors"]] == ["0x80070422", "0x80070422"]
    document = json.loads(session(fault_sim, "win-access-denied").run_ps(collector_script).std_out)
    assert [error["hresult"] for error in document["errors"]] == ["0x80041003"] * 3
    assert len(session(fault_sim, "win-truncated").run_ps(collector_script).std_out) == 100
    assert len(session(fault_sim, "win-large").run_ps(collector_script).std_out) == 1_000_000
    old = session(fault_sim, "win-old-ps").run_ps(collector_script)
    assert (old.status_code, old.std_err) == (3, b"licensing.windows: Windows PowerShell 5.1 is required, this host has 2.0\r\n")
    assert session(fault_sim, "win-not-windows").run_ps("hostname").std_err == b"sh: 1: powershell: not found\n"


# ---- ansible ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fault_inventory(fault_sim, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("ansible-faults")
    return fault_sim.write_inventory(workdir / "inventory.yml"), workdir


def test_ansible_raw_connection_level_faults(fault_inventory) -> None:
    inventory, workdir = fault_inventory
    results = run_ansible(inventory, "all", "hostname", workdir, "-f", "16", "-e", "ansible_winrm_connection_timeout=1")
    for name in ("win-ok", "win-slow", "win-slow-partial", "win-quota", "win-old-ps", "win-service-disabled", "win-access-denied"):
        assert results[name]["rc"] == 0 and results[name]["stdout"] == f"{name}\r\n", name
    assert results["win-not-listening"]["unreachable"] is True
    assert "Connection refused" in results["win-not-listening"]["msg"]
    for name in ("win-refuse-basic", "win-refuse-ntlm", "win-not-admin"):
        assert results[name]["unreachable"] is True
        assert "the specified credentials were rejected by the server" in results[name]["msg"]
    assert results["win-shell-denied"]["unreachable"] is True
    assert "Access is denied." in results["win-shell-denied"]["msg"] and "w:AccessDenied" in results["win-shell-denied"]["msg"]
    denied = results["win-command-denied"]
    assert "Access is denied." in denied["msg"] and "w:InternalError" in denied["msg"], denied
    not_windows = results["win-not-windows"]
    assert (not_windows["rc"], not_windows["stderr"], not_windows["msg"]) == (127, "sh: 1: PowerShell: not found\n", "non-zero return code")


def test_ansible_raw_collector_faults(fault_inventory, collector_script) -> None:
    inventory, workdir = fault_inventory
    pattern = ("win-ok,win-wmi-error,win-service-disabled,win-access-denied,win-not-json,win-truncated,win-large,"
               "win-old-ps,win-quota")
    results = run_ansible(inventory, pattern, collector_script, workdir, "-f", "9")
    healthy = json.loads(results["win-ok"]["stdout"])
    assert healthy["products"][0]["PartialProductKey"] == "3V66T"
    assert json.loads(results["win-quota"]["stdout"])["errors"] == []
    wmi = results["win-wmi-error"]
    assert wmi["rc"] == 1 and wmi["stdout"] == ""
    assert "Get-CimInstance : Provider load failure" in wmi["stderr"] and "HRESULT 0x80041013" in wmi["stderr"]
    assert not wmi["stderr"].startswith("#< CLIXML")  # ansible decodes the CLIXML stream
    assert json.loads(results["win-service-disabled"]["stdout"])["errors"][0]["hresult"] == "0x80070422"
    assert json.loads(results["win-access-denied"]["stdout"])["errors"][0]["message"] == "Access denied"
    with pytest.raises(json.JSONDecodeError):
        json.loads(results["win-not-json"]["stdout"])
    with pytest.raises(json.JSONDecodeError):
        json.loads(results["win-truncated"]["stdout"])
    assert len(results["win-large"]["stdout"]) == 1_000_000
    old = results["win-old-ps"]
    assert (old["rc"], old["stderr"].strip()) == (3, "licensing.windows: Windows PowerShell 5.1 is required, this host has 2.0")


def test_a_slow_host_does_not_hold_up_the_others(fault_sim) -> None:
    slow_started = time.monotonic()
    with ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(lambda: session(fault_sim, "win-slow", operation_timeout_sec=5, read_timeout_sec=10).run_ps("hostname"))
        time.sleep(0.2)  # the slow host's Receive is now waiting inside the simulator
        fast_started = time.monotonic()
        assert session(fault_sim, "win-ok").run_ps("hostname").std_out == b"win-ok\r\n"
        assert time.monotonic() - fast_started < 1.0
        assert slow.result(timeout=15).std_out == b"win-slow\r\n"
    assert time.monotonic() - slow_started >= 2.4
