# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit as AWX runs a sliced job template: through ansible-runner, three slices at once, merged.

AWX and Automation Platform run every job on an execution node through ansible-runner, the
library used here. This test plays the workflow of docs/awx.md on the demo fleet
(tests/fleets/demo.yml: 49 hosts, among them unreachable ones, one with wrong credentials
and ones whose audit fails on the host):

* one unsliced job of the whole inventory, the reference;
* a sliced job template with job_slice_count 3: three slice jobs started together
  (ansible_runner.run_async), each with its own private data directory (as every AWX job
  has), the project playbook docs/examples/awx/audit_slice.yml, an inventory holding only
  its slice's hosts, dealt out by AWX's rule (:func:`awx_slices`), and its own spool
  directory for its reports;
* the merge job, docs/examples/awx/merge_slices.yml, given the whole inventory, the
  baseline and the CI gate, as the merge job template is.

The merged fleet report must be the unsliced job's report in every format, apart from the
time it was made: same hosts, statuses, reasons, facts, summary and counts. A second merge
of the same slice reports, now with the baseline the first one kept, waivers and the gate
on new problems only, checks the part of docs/awx.md about baselines and history with
slices: one history record per merged fleet report.

The wall time of every job is printed (pytest -s); docs/awx.md quotes such a run.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from conftest import BIN, ROOT
from reports import CLOCK_FIELDS, FILE_NAMES, assert_every_host_once, read_html, read_reports

AWX_EXAMPLES = ROOT / "docs" / "examples" / "awx"
DEMO_FLEET = ROOT / "tests" / "fleets" / "demo.yml"
HISTORY_FILE = "license-audit-history.jsonl"
SLICES = 3
# A job template's forks: AWX's default (0) leaves it to ansible-playbook, which uses 5.
FORKS = 5
# One job of the demo fleet takes about 10 s on a 2-core machine; this is the stuck-job limit.
JOB_TIMEOUT = 300
# The demo fleet's branch office (its KMS host out of reach): waived in the second merge.
WAIVERS = [{"id": "branch-kms", "hosts": ["branch-*"],
            "justification": "the branch office's KMS host is being replaced", "owner": "it-branch"}]


def ansible_runner_module():
    """ansible_runner; missing, it fails the test under CI (requirements-tools.txt pins it) and skips it elsewhere."""
    try:
        import ansible_runner  # pylint: disable=import-outside-toplevel
    except ImportError:
        message = "ansible-runner is required (pinned in requirements-tools.txt: `make tools-venv` installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return ansible_runner


def awx_slices(hosts, count: int) -> list[list[str]]:
    """The hosts of each of ``count`` slices, as AWX deals an inventory out to the jobs of a sliced job template.

    The rule is AWX's (ansible/awx, awx/main/models/inventory.py: Inventory.get_script_data
    orders the inventory's enabled hosts by name, Inventory.get_sliced_hosts gives slice k
    of N, k = 1..N, every Nth of them from position k - 1): host i of the name-ordered list
    goes to slice i mod N. (awx/main/models/jobs.py, JobTemplate.get_effective_slice_ct,
    makes N at most the number of hosts.)
    """
    # The database orders the names; for this fleet's names (ASCII letters, digits and
    # hyphens, every number zero-padded) Python's order is the same.
    ordered = sorted(hosts)
    return [[host for position, host in enumerate(ordered) if position % count == index] for index in range(count)]


def inventory_of(group: dict, members: set[str]) -> dict:
    """A YAML inventory group (children included) with only the hosts in ``members``.

    AWX gives each slice job such an inventory: every group and variable of the
    inventory, but only the slice's hosts.
    """
    pared = {}
    for key, value in group.items():
        if key == "hosts":
            pared[key] = {name: hostvars for name, hostvars in (value or {}).items() if name in members}
        elif key == "children":
            pared[key] = {name: inventory_of(child or {}, members) for name, child in (value or {}).items()}
        else:
            pared[key] = copy.deepcopy(value)
    return pared


@dataclass
class Job:
    """One AWX job: an ansible-runner run in its own private data directory."""

    job_id: int
    private_data_dir: Path
    thread: threading.Thread
    runner: object
    started: float
    times: dict = field(default_factory=dict)

    def wait(self, expect: str = "successful"):
        # ansible-runner stops the job itself at JOB_TIMEOUT (status "timeout").
        self.thread.join(JOB_TIMEOUT + 30)
        assert not self.thread.is_alive(), f"job {self.job_id} still running after {JOB_TIMEOUT} s"
        stdout = self.private_data_dir / "artifacts" / str(self.job_id) / "stdout"
        output = stdout.read_text(encoding="utf-8", errors="replace") if stdout.is_file() else ""
        assert self.runner.status == expect, (
            f"job {self.job_id}: {self.runner.status} (rc {self.runner.rc}), expected {expect}:\n{output[-6000:]}")
        return output

    @property
    def seconds(self) -> float:
        return self.times["finished"] - self.started


def launch(ansible_runner, work: Path, job_id: int, playbook: str, inventory: dict, extravars: dict, envvars: dict) -> Job:
    """Start a job as an AWX execution node does: the project and the inventory in a fresh private data directory."""
    private = work / f"job-{job_id}"
    (private / "project").mkdir(parents=True)
    shutil.copy(AWX_EXAMPLES / playbook, private / "project" / playbook)
    (private / "inventory").mkdir()
    hosts_file = private / "inventory" / "hosts.yml"
    hosts_file.write_text(yaml.safe_dump(inventory, sort_keys=False), encoding="utf-8")
    hosts_file.chmod(0o600)  # it holds the hosts' passwords
    times: dict = {}
    started = time.monotonic()
    thread, runner = ansible_runner.run_async(
        private_data_dir=str(private),
        ident=str(job_id),
        project_dir=str(private / "project"),
        playbook=playbook,
        inventory=str(hosts_file),
        # AWX sets awx_job_id (and tower_job_id) on every job.
        extravars={**extravars, "awx_job_id": job_id},
        envvars=envvars,
        forks=FORKS,
        quiet=True,
        timeout=JOB_TIMEOUT,
        # Without a cancel callback ansible-runner installs its own SIGINT and SIGTERM
        # handlers in this process, and pytest could no longer be interrupted.
        cancel_callback=lambda: False,
        finished_callback=lambda _runner: times.setdefault("finished", time.monotonic()),
    )
    return Job(job_id, private, thread, runner, started, times)


def comparable(document: dict) -> dict:
    """A JSON report without what depends on when it was made: generated_at and the clock fields of the facts."""
    view = json.loads(json.dumps(document))
    view.pop("generated_at")
    for verdict in view["hosts"]:
        for name in CLOCK_FIELDS:
            verdict["facts"].pop(name, None)
    return view


def html_view(directory: Path) -> list[tuple]:
    """The HTML host table as (host, status, badge, reasons, error code), in page order."""
    return [(host, row["status"], row["badge"], row["reasons"], row["error_code"]) for host, row in read_html(directory)]


def history(directory: Path) -> list[dict]:
    lines = (directory / HISTORY_FILE).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_sliced_jobs_through_ansible_runner_merge_into_the_unsliced_report(fleet_factory, collections_path, tmp_path):
    ansible_runner = ansible_runner_module()
    demo = yaml.safe_load(DEMO_FLEET.read_text(encoding="utf-8"))
    # The demo fleet as it is, on ephemeral ports of 127.0.0.1 so that it never collides
    # with `make demo` or another test on 127.0.0.x:5985.
    demo["defaults"] = {**demo.get("defaults", {}), "listen": "ephemeral"}
    fleet = fleet_factory(demo, "demo")
    inventory = yaml.safe_load(fleet.inventory.read_text(encoding="utf-8"))
    hosts = set(inventory["all"]["children"]["windows"]["hosts"])
    assert len(hosts) == 49
    slices = awx_slices(hosts, SLICES)
    assert sorted(host for members in slices for host in members) == sorted(hosts)
    assert [len(members) for members in slices] == [17, 16, 16]

    envvars = {
        # The collections tree whose licensing/windows is this checkout (an EE has it installed).
        "ANSIBLE_COLLECTIONS_PATH": str(collections_path),
        # ansible-runner starts `ansible-playbook` from PATH: this venv's.
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_NOCOLOR": "1",
    }
    jobs_dir, spool, fleet_dir = tmp_path / "jobs", tmp_path / "spool", tmp_path / "fleet"
    archive, baseline = tmp_path / "archive", tmp_path / "baseline" / FILE_NAMES["json"]
    slice_vars = {"license_audit_spool": str(spool)}

    # The reference: one job of the whole inventory, alone on the machine.
    whole = launch(ansible_runner, jobs_dir, 100, "audit_slice.yml", inventory,
                   {"license_audit_spool": str(tmp_path / "unsliced")}, envvars)
    whole.wait()
    whole_dir = tmp_path / "unsliced" / "job-100"
    single = read_reports(whole_dir)
    assert_every_host_once(single, hosts)
    # The demo fleet has every kind of outcome, unreachable and failing hosts included.
    assert set(single.statuses().values()) == {"compliant", "noncompliant", "unknown"}
    by_reason = single.document["summary"]["by_reason"]
    assert by_reason["unreachable"] >= 1 and by_reason["collection_failed"] >= 1, by_reason
    assert not (whole_dir / HISTORY_FILE).exists(), "audit_slice.yml must leave the history to the merge job"

    # The sliced job template: three slice jobs, 101-103, at the same time.
    sliced_started = time.monotonic()
    jobs = [
        launch(ansible_runner, jobs_dir, 101 + index, "audit_slice.yml",
               {"all": inventory_of(inventory["all"], set(members))}, slice_vars, envvars)
        for index, members in enumerate(slices)
    ]
    for job in jobs:
        job.wait()
    sliced_seconds = max(job.times["finished"] for job in jobs) - sliced_started
    for job, members in zip(jobs, slices):
        # ansible-runner's own account of the job: it ran exactly the slice's hosts.
        assert set(job.runner.stats["processed"]) == set(members), f"job {job.job_id}"
        report = read_reports(spool / f"job-{job.job_id}")
        assert_every_host_once(report, set(members))
        assert not (spool / f"job-{job.job_id}" / HISTORY_FILE).exists()
    assert sorted(path.name for path in spool.iterdir()) == ["job-101", "job-102", "job-103"]

    # The merge job (whole inventory, localhost play): first run of an audit that keeps its
    # own baseline (none yet), the gate on unknown hosts. The gate fails the job, after the
    # fleet report is written and the spool archived.
    merge = launch(ansible_runner, jobs_dir, 104, "merge_slices.yml", inventory, {
        "license_audit_spool": str(spool), "license_audit_fleet_dir": str(fleet_dir),
        "license_audit_archive": str(archive), "license_audit_baseline": str(baseline),
        "license_audit_update_baseline": True, "license_audit_fail_on": ["unknown"],
    }, envvars)
    merge_output = merge.wait(expect="failed")
    first_merge_seconds = merge.seconds
    assert "is in several reports" not in merge_output
    failed_tasks = [event["event_data"]["task"] for event in merge.runner.events if event.get("event") == "runner_on_failed"]
    assert failed_tasks == ["Fail when hosts of the fleet trip the gate"], failed_tasks
    assert list(spool.iterdir()) == []
    assert sorted(path.name for path in (archive / "merge-104").iterdir()) == ["job-101", "job-102", "job-103"]

    merged = read_reports(fleet_dir)
    assert_every_host_once(merged, hosts)
    assert comparable(merged.document) == comparable(single.document)
    assert merged.document["summary"] == single.document["summary"]
    assert sorted(merged.csv_view(), key=json.dumps) == sorted(single.csv_view(), key=json.dumps)
    assert sorted(merged.junit_cases) == sorted(single.junit_cases)
    assert html_view(fleet_dir) == html_view(whole_dir)
    assert merged.markdown_attention == single.markdown_attention
    assert merged.markdown_total == single.markdown_total == len(hosts)
    # One history record for the merged fleet report; the baseline kept for the next run.
    (record,) = history(fleet_dir)
    assert record["total"] == len(hosts) and record["by_status"] == single.document["summary"]["by_status"]
    assert comparable(json.loads(baseline.read_text(encoding="utf-8"))) == comparable(merged.document)

    # The next run's merge (the same slice reports stand in for the next night's slices):
    # compared with the baseline the first merge kept, waivers applied, gate on new problems.
    merge = launch(ansible_runner, jobs_dir, 105, "merge_slices.yml", inventory, {
        "license_audit_spool": str(archive / "merge-104"), "license_audit_fleet_dir": str(fleet_dir),
        "license_audit_archive": str(archive), "license_audit_baseline": str(baseline),
        "license_audit_update_baseline": True, "license_audit_waivers": WAIVERS,
        "license_audit_fail_on": ["noncompliant", "unknown"], "license_audit_fail_on_new_only": True,
    }, envvars)
    merge.wait()
    again = read_reports(fleet_dir).document
    assert {change: count for change, count in again["summary"]["by_change"].items() if count} == {"unchanged": len(hosts)}
    waived = sorted(verdict["host"] for verdict in again["hosts"]
                    if verdict["waiver"] is not None and verdict["waiver"]["state"] == "active")
    assert waived == ["branch-01", "branch-02"]  # both noncompliant
    assert again["summary"]["waived"] == 2
    assert [entry["total"] for entry in history(fleet_dir)] == [len(hosts), len(hosts)]
    assert Path(f"{baseline}.previous").is_file()

    print(f"\ndemo fleet, {len(hosts)} hosts, forks {FORKS}, through ansible-runner: unsliced job {whole.seconds:.1f} s; "
          f"{SLICES} slices at once {sliced_seconds:.1f} s (slices "
          + ", ".join(f"{len(members)} hosts {job.seconds:.1f} s" for job, members in zip(jobs, slices))
          + f"); merge jobs {first_merge_seconds:.1f} s and {merge.seconds:.1f} s")
