# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""System tests: the collection end to end, through ansible-playbook, the real winrm
connection plugin and pywinrm, against fleets of simulated Windows hosts.

Each test describes its fleet as data, starts it with the `winsim serve` command (exactly
as a user would, through winsim's launcher), runs real playbooks and reads what they wrote
(tests/support: the report reader and the process meter, shared with the integration
targets and the benchmark).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from winsim.launch import ServedFleet

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# The harness shared with the integration targets and the benchmark: reports, process_meter.
SUPPORT = ROOT / "tests" / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))


def _load_sample_results():
    # The unit tests' sample registered results import nothing of the collection, so they are
    # loaded by path (tests/unit is not a package here); the report tests build fleets from them.
    path = ROOT / "tests" / "unit" / "plugins" / "plugin_utils" / "_report" / "sample_results.py"
    spec = importlib.util.spec_from_file_location("licensing_windows_sample_results", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


registered_facts = _load_sample_results().registered_facts


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory) -> Path:
    """A collections tree whose licensing/windows is this checkout (never a stale installed copy)."""
    base = tmp_path_factory.mktemp("collections")
    target = base / "ansible_collections" / "licensing"
    target.mkdir(parents=True)
    (target / "windows").symlink_to(ROOT)
    return base


def start_fleet(fleet: dict, state: Path, timeout: float = 60.0) -> ServedFleet:
    """Write the fleet file to ``state`` and start `winsim serve` on it (winsim.launch, the one launcher).

    Returns once every listener is up; the caller stops it (``.stop()``, idempotent). The
    fleet's inventory, ready file and log are in ``state / "winsim"``.
    """
    state.mkdir(parents=True, exist_ok=True)
    fleet_file = state / "fleet.yml"
    fleet_file.write_text(yaml.safe_dump(fleet, sort_keys=False), encoding="utf-8")
    return ServedFleet.start(fleet_file, state / "winsim", timeout=timeout)


@pytest.fixture
def fleet_factory(tmp_path):
    """Start fleets for a test; all are stopped at teardown."""
    started: list[ServedFleet] = []

    def factory(fleet: dict, name: str = "fleet") -> ServedFleet:
        running = start_fleet(fleet, tmp_path / name)
        started.append(running)
        return running

    yield factory
    for running in started:
        running.stop()


def ansible_env(collections_path: Path, **extra: str) -> dict:
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(collections_path),
        ANSIBLE_HOST_KEY_CHECKING="False",
        ANSIBLE_RETRY_FILES_ENABLED="False",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    env.update(extra)
    return env


def run_playbook(collections_path: Path, inventory: Path, playbook: Path | str, *args: str,
                 extra_vars: dict | None = None, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ansible-playbook and return the completed process (stdout and stderr as text)."""
    command = [str(BIN / "ansible-playbook"), "-i", str(inventory), str(playbook), *args]
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    return subprocess.run(command, env=ansible_env(collections_path, **(env or {})), capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture(scope="session")
def fault_fleet_audit(tmp_path_factory, collections_path):
    """tests/fleets/fault_fleet.yml (300 hosts, a quarter faulty) audited once at -vvvv.

    Shared by test_fault_fleet.py and test_secrets.py so the fleet is audited only once
    per session; the fleet keeps running until the session ends (see fault_fleet_audit.py).
    """
    from fault_fleet_audit import audit_fault_fleet, load_fleet  # pylint: disable=import-outside-toplevel

    work = tmp_path_factory.mktemp("fault_fleet")
    fleet = start_fleet(load_fleet(), work / "fleet")
    try:
        yield audit_fault_fleet(fleet, work, ansible_env(collections_path), BIN)
    finally:
        fleet.stop()
