# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The launcher of `winsim serve`: from Python (winsim.launch) and from a shell (serve --detach, stop)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import winrm
import yaml

from winsim.launch import LaunchError, ServedFleet, process_running, serve_fleet

from sim_helpers import FIXTURE_PROFILES

TWO_HOSTS = {
    "defaults": {"listen": "ephemeral"},
    "hosts": [{"name": "win-a", "profile": "minimal_digital_license_pro"},
              {"name": "win-b", "profile": "kms_server_2022", "auth": "ntlm"}],
}
BAD_FLEET = {"hosts": [{"name": "w", "profile": "minimal_digital_license_pro", "auth": "digest"}]}
BAD_FLEET_MESSAGE = ("fleet.yml: hosts[0] (w): field 'auth': expected one of basic, ntlm, negotiate, kerberos, credssp, "
                     "certificate, or a list or mapping of schemes, got 'digest'")


def winsim(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "winsim", *arguments], capture_output=True, text=True, timeout=120, check=False)


def fleet_file(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "fleet.yml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def hostname(inventory: Path, name: str) -> bytes:
    host = yaml.safe_load(inventory.read_text(encoding="utf-8"))["all"]["children"]["windows"]["hosts"][name]
    session = winrm.Session(f"http://{host['ansible_host']}:{host['ansible_port']}/wsman",
                            auth=(host["ansible_user"], host["ansible_password"]), transport=host["ansible_winrm_transport"])
    return session.run_ps("hostname").std_out


def winsim_processes_using(path: Path) -> list[int]:
    """PIDs of running processes whose command line names ``path`` (to prove a launcher left none behind)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(str(path).encode() in argument for argument in arguments) and process_running(int(entry.name)):
            found.append(int(entry.name))
    return found


# ---- Python: ServedFleet / serve_fleet ---------------------------------------------------------------------------

def test_served_fleet_is_ready_serves_counts_and_stops(tmp_path) -> None:
    state = tmp_path / "state"
    with serve_fleet(fleet_file(tmp_path, TWO_HOSTS), state, extra_args=["--profiles-dir", str(FIXTURE_PROFILES)]) as fleet:
        assert isinstance(fleet, ServedFleet)
        assert (fleet.state_dir, fleet.inventory, fleet.log) == (state, state / "inventory.yml", state / "winsim.log")
        ready = json.loads((state / "ready.json").read_text(encoding="utf-8"))
        assert ready == fleet.ready
        assert ready["pid"] == fleet.pid == fleet.process.pid and (ready["hosts"], ready["listening"]) == (2, 2)
        assert fleet.control_url == ready["control_url"] and fleet.control_url.startswith("http://127.0.0.1:")
        assert stat.S_IMODE(fleet.inventory.stat().st_mode) == 0o600
        assert set(yaml.safe_load(fleet.inventory.read_text())["all"]["children"]["windows"]["hosts"]) == {"win-a", "win-b"}
        assert (state / "sim").is_dir()
        assert hostname(fleet.inventory, "win-b") == b"win-b\r\n"
        counters = fleet.stats()
        assert counters["hosts"]["win-b"]["commands"] == 1 and counters["hosts"]["win-a"]["commands"] == 0
        pid = fleet.pid
    assert fleet.process.returncode == 0 and not process_running(pid)
    assert not (state / "ready.json").exists() and not (state / "inventory.yml").exists() and not (state / "sim").exists()
    assert "2 hosts (2 listening)" in (state / "winsim.log").read_text(encoding="utf-8")
    fleet.stop()  # again: nothing to do


def test_a_bad_fleet_raises_with_the_log(tmp_path) -> None:
    error = None
    try:
        started = ServedFleet.start(fleet_file(tmp_path, BAD_FLEET), tmp_path / "state",
                                    extra_args=["--profiles-dir", str(FIXTURE_PROFILES)])
    except RuntimeError as exc:
        error = exc
    else:
        started.stop()  # never leave a fleet running, even when the test fails
        pytest.fail("a bad fleet started")
    assert isinstance(error, LaunchError) and error.returncode == 2
    assert "exited with 2 before it was ready" in str(error) and BAD_FLEET_MESSAGE in str(error)


def test_not_ready_in_time_ends_the_process(tmp_path) -> None:
    state = tmp_path / "state"
    with pytest.raises(RuntimeError, match="not ready after 0.05 s"):
        ServedFleet.start(fleet_file(tmp_path, TWO_HOSTS), state, timeout=0.05,
                          extra_args=["--profiles-dir", str(FIXTURE_PROFILES)])
    assert winsim_processes_using(state) == []
    assert not (state / "ready.json").exists()


# ---- shell: winsim serve --detach, winsim stop ------------------------------------------------------------------

def test_detach_returns_when_ready_and_stop_ends_it(tmp_path) -> None:
    state = tmp_path / "detached"
    started = winsim("serve", "--fleet", str(fleet_file(tmp_path, TWO_HOSTS)), "--state-dir", str(state), "--detach",
                     "--profiles-dir", str(FIXTURE_PROFILES))
    ready_file = state / "ready.json"
    pid = json.loads(ready_file.read_text(encoding="utf-8"))["pid"] if ready_file.exists() else None
    try:
        assert started.returncode == 0, started.stderr
        assert started.stdout.strip() == str(state / "inventory.yml")
        ready = json.loads(ready_file.read_text(encoding="utf-8"))
        assert (ready["hosts"], ready["listening"], ready["inventory"]) == (2, 2, str(state / "inventory.yml"))
        assert process_running(pid) and os.getsid(pid) == pid  # a session of its own: it outlives the shell that started it
        assert hostname(state / "inventory.yml", "win-a") == b"win-a\r\n"
        assert (state / "winsim.log").is_file() and (state / "sim").is_dir()
        assert f"winsim stop --state-dir {state}" in started.stderr

        stopped = winsim("stop", "--state-dir", str(state))
        assert (stopped.returncode, stopped.stdout.strip()) == (0, f"stopped winsim serve (pid {pid})")
        assert not process_running(pid)
        assert not ready_file.exists() and not (state / "inventory.yml").exists() and not (state / "sim").exists()
    finally:
        if pid is not None and process_running(pid):
            os.kill(pid, signal.SIGTERM)
    again = winsim("stop", "--state-dir", str(state))
    assert again.returncode == 0 and again.stdout.startswith("nothing to stop:")


def test_detach_with_explicit_files_and_stop_by_ready_file(tmp_path) -> None:
    state, inventory, ready_file = tmp_path / "state", tmp_path / "my-inventory.yml", tmp_path / "my-ready.json"
    started = winsim("serve", "--fleet", str(fleet_file(tmp_path, TWO_HOSTS)), "--state-dir", str(state), "--detach",
                     "--inventory", str(inventory), "--ready-file", str(ready_file), "--profiles-dir", str(FIXTURE_PROFILES))
    pid = json.loads(ready_file.read_text(encoding="utf-8"))["pid"] if ready_file.exists() else None
    try:
        assert started.returncode == 0, started.stderr
        assert started.stdout.strip() == str(inventory) and inventory.is_file()
        assert not (state / "inventory.yml").exists() and not (state / "ready.json").exists()
        stopped = winsim("stop", "--ready-file", str(ready_file))
        assert stopped.returncode == 0 and not process_running(pid)
    finally:
        if pid is not None and process_running(pid):
            os.kill(pid, signal.SIGTERM)


def test_detach_with_a_bad_fleet_fails_with_the_message(tmp_path) -> None:
    state = tmp_path / "state"
    result = winsim("serve", "--fleet", str(fleet_file(tmp_path, BAD_FLEET)), "--state-dir", str(state), "--detach",
                    "--profiles-dir", str(FIXTURE_PROFILES))
    if result.returncode == 0:
        winsim("stop", "--state-dir", str(state))  # never leave a fleet running, even when the test fails
    assert result.returncode == 2
    assert BAD_FLEET_MESSAGE in result.stderr and result.stdout == ""
    assert winsim_processes_using(state) == [] and not (state / "ready.json").exists()


def test_detach_needs_a_state_dir_and_serve_an_inventory(tmp_path) -> None:
    fleet = fleet_file(tmp_path, TWO_HOSTS)
    detached = winsim("serve", "--fleet", str(fleet), "--detach")
    assert detached.returncode == 2 and "--state-dir DIR is required" in detached.stderr
    attached = winsim("serve", "--fleet", str(fleet))
    assert attached.returncode == 2 and "--inventory is required" in attached.stderr


def test_stop_when_nothing_runs(tmp_path) -> None:
    result = winsim("stop", "--state-dir", str(tmp_path / "never-started"))
    assert result.returncode == 0
    assert result.stdout.strip() == f"nothing to stop: {tmp_path / 'never-started' / 'ready.json'} does not exist " \
                                    "(no winsim serve is running with it)"


def test_stop_with_a_stale_ready_file(tmp_path) -> None:
    """A server that was killed leaves its ready file; its PID is gone (or someone else's now)."""
    exited = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    dead_pid = int(exited.stdout)
    inventory = tmp_path / "inventory.yml"
    inventory.write_text("all: {}\n", encoding="utf-8")
    (tmp_path / "ready.json").write_text(json.dumps({"pid": dead_pid, "inventory": str(inventory), "ca_file": None}))
    result = winsim("stop", "--state-dir", str(tmp_path))
    assert result.returncode == 0 and result.stdout.startswith("nothing to stop:")
    assert not (tmp_path / "ready.json").exists() and not inventory.exists()
