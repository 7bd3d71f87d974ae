# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One audit of the 300-host fault fleet (tests/fleets/fault_fleet.yml), shared by the fault
matrix (test_fault_fleet.py) and the secrets scan (test_secrets.py).

The run is what an operator would do with a fleet that is a quarter broken: the real
playbook (playbooks/audit.yml) with a per-host timeout and WinRM timeouts in the
inventory, plus everything that records output: -vvvv on stdout, ANSIBLE_LOG_PATH and a
JSON fact cache. The process tree's memory is sampled throughout.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from process_meter import MeasuredRun, run_measured

ROOT = Path(__file__).resolve().parents[2]
FLEET_FILE = ROOT / "tests" / "fleets" / "fault_fleet.yml"
PLAYBOOK = ROOT / "playbooks" / "audit.yml"
# A test-only callback that records how long each host's task took (callback_plugins/host_timings.py).
CALLBACK_DIR = Path(__file__).resolve().parent / "callback_plugins"
COLLECT_TASK = "Collect Windows licensing facts"

# license_audit_host_timeout: the task keyword `timeout` of the collect task.
HOST_TIMEOUT_SECONDS = 10
FORKS = 25
# pywinrm's own timeouts, as an operator sets them in group_vars: the host may hold a WS-Man
# Receive 8 s before it answers "no output yet, ask again" (operation timeout), and one HTTP
# read may wait 12 s (read timeout, which must exceed the operation timeout). They bound
# each request; the per-host task timeout bounds the whole collection from one host.
WINRM_TIMEOUTS = {"ansible_winrm_operation_timeout_sec": 8, "ansible_winrm_read_timeout_sec": 12}
# The safety bound on the run's wall time, derived from the per-host timeout rather than
# measured: every fork handles ceil(hosts / forks) hosts one after the other, each within
# the host timeout plus this much connection set-up and teardown, and the play's own
# controller-side steps (policy check, judging, five reports) take at most the fixed part.
PER_HOST_OVERHEAD_SECONDS = 5
FIXED_OVERHEAD_SECONDS = 90
# A very generous ceiling for the whole ansible-playbook process tree (sum of PSS).
MEMORY_BOUND_MIB = 2048


def wall_time_bound(hosts: int, forks: int = FORKS, host_timeout: float = HOST_TIMEOUT_SECONDS) -> float:
    return math.ceil(hosts / forks) * (host_timeout + PER_HOST_OVERHEAD_SECONDS) + FIXED_OVERHEAD_SECONDS


@dataclass
class FaultFleetAudit:
    """What the shared run left behind."""

    fleet: object  # winsim.launch.ServedFleet (conftest.start_fleet)
    inventory: dict  # host name -> the inventory's variables for it
    report_dir: Path
    run: MeasuredRun
    log_file: Path
    fact_cache: Path
    bound_seconds: float
    work_dir: Path
    collect_seconds: dict[str, float]  # host -> how long its collect task took, as the controller saw it

    def hosts(self, prefix: str = "") -> list[str]:
        return sorted(name for name in self.inventory if name.startswith(prefix))


def load_fleet() -> dict:
    """The fleet file as data (YAML anchors resolved), ready for conftest.start_fleet."""
    return yaml.safe_load(FLEET_FILE.read_text(encoding="utf-8"))


def inventory_hosts(inventory: Path) -> dict[str, dict]:
    document = yaml.safe_load(inventory.read_text(encoding="utf-8"))
    return dict(document["all"]["children"]["windows"]["hosts"])


def write_timeouts_inventory(path: Path) -> Path:
    """A second inventory source with the WinRM timeouts for group windows, as group_vars would hold them."""
    path.write_text(yaml.safe_dump({"windows": {"vars": dict(WINRM_TIMEOUTS)}}), encoding="utf-8")
    return path


def audit_command(bin_dir: Path, inventories: list[Path], report_dir: Path, *extra: str) -> list[str]:
    command = [str(bin_dir / "ansible-playbook")]
    for inventory in inventories:
        command += ["-i", str(inventory)]
    command += [
        str(PLAYBOOK), "--forks", str(FORKS),
        "-e", json.dumps({"license_audit_report_dir": str(report_dir), "license_audit_host_timeout": HOST_TIMEOUT_SECONDS}),
        *extra,
    ]
    return command


def audit_fault_fleet(fleet, work_dir: Path, env: dict, bin_dir: Path) -> FaultFleetAudit:
    """Audit the whole running fault fleet once, at -vvvv, recording everything."""
    inventory = inventory_hosts(fleet.inventory)
    report_dir = work_dir / "reports"
    log_file = work_dir / "ansible.log"
    fact_cache = work_dir / "fact_cache"
    timings = work_dir / "timings.jsonl"
    bound = wall_time_bound(len(inventory))
    run_env = dict(env)
    run_env.update(
        ANSIBLE_LOG_PATH=str(log_file),
        ANSIBLE_CACHE_PLUGIN="jsonfile",
        ANSIBLE_CACHE_PLUGIN_CONNECTION=str(fact_cache),
        ANSIBLE_CALLBACK_PLUGINS=str(CALLBACK_DIR),
        ANSIBLE_CALLBACKS_ENABLED="host_timings",
        HOST_TIMINGS_FILE=str(timings),
    )
    command = audit_command(bin_dir, [fleet.inventory, write_timeouts_inventory(work_dir / "timeouts.yml")], report_dir, "-vvvv")
    run = run_measured(command, run_env, work_dir, timeout=bound, name="audit")
    collect_seconds = {}
    if timings.exists():
        for line in timings.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["task"].endswith(COLLECT_TASK):
                collect_seconds[record["host"]] = record["seconds"]
    return FaultFleetAudit(fleet=fleet, inventory=inventory, report_dir=report_dir, run=run, log_file=log_file,
                           fact_cache=fact_cache, bound_seconds=bound, work_dir=work_dir, collect_seconds=collect_seconds)
