# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The winsim command: serve (ready file, inventory, control endpoint, clean stop), fleet, check, profiles."""

from __future__ import annotations

import json
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import winrm
import yaml

from winsim import parse_fleet

from sim_helpers import FIXTURE_PROFILES


def winsim(*arguments: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "winsim", *arguments], capture_output=True, text=True, timeout=60, check=False, **kwargs)


def wait_for(path: Path, process: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None:
            pytest.fail(f"winsim serve exited with {process.returncode}: {process.stderr.read() if process.stderr else ''}")
        if time.monotonic() > deadline:
            pytest.fail("winsim serve did not write its ready file")
        time.sleep(0.05)


def test_serve_writes_inventory_and_ready_file_serves_stats_and_cleans_up(tmp_path) -> None:
    fleet = tmp_path / "fleet.yml"
    fleet.write_text(yaml.safe_dump({
        "defaults": {"listen": "ephemeral"},
        "hosts": [{"name": "win-a", "profile": "minimal_digital_license_pro"},
                  {"name": "win-b", "profile": "kms_server_2022", "transport": "https", "auth": "ntlm"},
                  {"name": "win-c", "profile": "minimal_digital_license_pro", "fault": "not_listening"}],
    }), encoding="utf-8")
    state, inventory, ready, stats_file = tmp_path / "state", tmp_path / "inventory.yml", tmp_path / "ready.json", tmp_path / "stats.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "winsim", "serve", "--fleet", str(fleet), "--inventory", str(inventory), "--state-dir", str(state),
         "--ready-file", str(ready), "--profiles-dir", str(FIXTURE_PROFILES), "--stats-file", str(stats_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(ready, process)
        info = json.loads(ready.read_text(encoding="utf-8"))
        assert info["pid"] == process.pid and (info["hosts"], info["listening"]) == (3, 2)
        assert Path(info["ca_file"]).read_text(encoding="utf-8").startswith("-----BEGIN CERTIFICATE-----")
        assert stat.S_IMODE(inventory.stat().st_mode) == 0o600
        hosts = yaml.safe_load(inventory.read_text(encoding="utf-8"))["all"]["children"]["windows"]["hosts"]
        assert set(hosts) == {"win-a", "win-b", "win-c"}
        win_b = hosts["win-b"]
        endpoint = f"https://{win_b['ansible_host']}:{win_b['ansible_port']}/wsman"
        client = winrm.Session(endpoint, auth=(win_b["ansible_user"], win_b["ansible_password"]), transport="ntlm",
                               server_cert_validation="validate", ca_trust_path=win_b["ansible_winrm_ca_trust_path"])
        assert client.run_ps("hostname").std_out == b"win-b\r\n"

        with urllib.request.urlopen(info["control_url"] + "/stats", timeout=5) as answer:
            counters = json.load(answer)
        assert counters["hosts"]["win-b"]["commands"] == 1 and counters["totals"]["requests"] == 7
        request = urllib.request.Request(info["control_url"] + "/reset", method="POST")
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert json.load(answer) == {"reset": True}
        with urllib.request.urlopen(info["control_url"] + "/hosts", timeout=5) as answer:
            assert json.load(answer)["win-c"]["listening"] is False
        with urllib.request.urlopen(info["control_url"] + "/stats", timeout=5) as answer:
            assert json.load(answer)["totals"]["requests"] == 0
        client.run_ps("hostname")
    finally:
        process.send_signal(signal.SIGTERM)
        dummy, errors = process.communicate(timeout=20)
    assert process.returncode == 0, errors
    assert "3 hosts (2 listening)" in errors
    assert not inventory.exists() and not ready.exists() and not state.exists()
    assert json.loads(stats_file.read_text(encoding="utf-8"))["hosts"]["win-b"]["commands"] == 1
    assert win_b["ansible_password"] not in errors


def test_serve_refuses_a_bad_fleet_with_the_message(tmp_path) -> None:
    fleet = tmp_path / "fleet.yml"
    fleet.write_text(yaml.safe_dump({"hosts": [{"name": "w", "profile": "minimal_digital_license_pro", "address": "192.0.2.10"}]}))
    result = winsim("serve", "--fleet", str(fleet), "--inventory", str(tmp_path / "i.yml"), "--profiles-dir", str(FIXTURE_PROFILES))
    assert result.returncode == 2
    assert result.stderr.strip() == ("winsim: error: fleet.yml: hosts[0] (w): field 'address': refusing to bind 192.0.2.10: "
                                     "the simulator only listens on 127.0.0.0/8 or ::1")
    assert not (tmp_path / "i.yml").exists()


def test_fleet_generator_output_loads(tmp_path) -> None:
    arguments = ("fleet", "--count", "30", "--faulty", "0.25", "--seed", "1", "--profiles-dir", str(FIXTURE_PROFILES))
    first, second = winsim(*arguments), winsim(*arguments)
    assert first.returncode == 0 and first.stdout == second.stdout
    fleet = parse_fleet(yaml.safe_load(first.stdout), "generated", profiles_dir=FIXTURE_PROFILES)
    assert len(fleet.hosts) == 30 and sum(1 for host in fleet.hosts if host.fault) == 8
    path = tmp_path / "fleet.yml"
    path.write_text(first.stdout)
    checked = winsim("check", "--fleet", str(path), "--profiles-dir", str(FIXTURE_PROFILES))
    assert (checked.returncode, checked.stdout.strip()) == (0, f"{path}: 30 hosts OK")


def test_profiles_listing() -> None:
    result = winsim("profiles", "--profiles-dir", str(FIXTURE_PROFILES))
    assert result.returncode == 0
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["kms_server_2022", "minimal_digital_license_pro", "oem_pro_with_office"]
    listing = json.loads(winsim("profiles", "--json", "--profiles-dir", str(FIXTURE_PROFILES)).stdout)
    assert listing["kms_server_2022"]["expect"]["method"] == "kms"
