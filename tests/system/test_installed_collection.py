# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a user gets: the tarball `ansible-galaxy collection build` makes, and that tarball,
installed into an empty collections path, running the demo playbook against simulated hosts.

The run must use the installed copy only; the test proves it from ansible's own output
(`ansible-galaxy collection list`, and the task paths `-vv` prints).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from collection_build import BIN, ROOT, build_collection, install_collection, tarball_members
from conftest import ansible_env
from reports import assert_every_host_once, read_reports

# Directories that must never be shipped: virtual environments, caches, test output,
# build output and reports. Matched against every directory component of every member.
DENIED_DIRS = {".venv", ".tools-venv", "build", "reports", "results", "__pycache__", ".pytest_cache", ".ansible", ".cache",
               "context"}
DENIED_SUFFIXES = (".pyc", ".tar.gz")

# What a user needs from the tarball (beyond the metadata ansible-galaxy adds).
REQUIRED_FILES = [
    "MANIFEST.json", "FILES.json", "README.md", "meta/runtime.yml", "meta/execution-environment.yml",
    "plugins/action/license_facts.py", "plugins/modules/license_facts.py", "plugins/plugin_utils/_facts/collector.ps1",
    "plugins/action/license_report.py", "plugins/filter/license_verdicts.py",
    "roles/license_audit/meta/argument_specs.yml", "roles/license_audit/tasks/main.yml",
    "playbooks/audit.yml", "playbooks/merge_reports.yml", "docs/README.md",
]

# Planted in a copy of the working tree where tools leave such things; none may be shipped.
DECOYS = [
    ".venv/bin/python", ".tools-venv/bin/python", ".pytest_cache/v/cache/nodeids", ".ansible/collections/marker",
    "build/collections/marker", "build/dist/licensing-windows-0.0.1.tar.gz", "licensing-windows-0.0.9.tar.gz",
    "reports/license-audit.json", "playbooks/reports/license-audit.json", "results/bench.json", "context/Containerfile",
    "tests/output/.tmp/sanity/marker", "tests/unit/__pycache__/test_marker.cpython-311.pyc",
    "plugins/plugin_utils/_audit/__pycache__/policy.cpython-311.pyc", "tests/simulator/.pytest_cache/v/cache/nodeids",
    "tests/simulator/winsim.egg-info/PKG-INFO", "extensions/.ansible/roles/marker", "extensions/molecule/.cache/marker",
]

# Heavy or irrelevant directories left out of the copy; the decoys stand in for them.
COPY_SKIPPED = {".git", ".venv", ".tools-venv", "build", "reports", "results", "output", "__pycache__", ".pytest_cache", ".ansible",
                ".cache", "context"}

FLEET = {
    "defaults": {"listen": "ephemeral"},
    "hosts": [
        {"name": "ws-01", "profile": "digital_license_pro"},
        {"name": "ws-02", "profile": "retail_key"},
        {"name": "ws-03", "profile": "oem_firmware_key"},
        {"name": "ws-04", "profile": "kms_client"},
        {"name": "srv-01", "profile": "server_2022_retail", "auth": "ntlm"},
        {"name": "down-01", "profile": "digital_license_pro", "fault": "not_listening"},
    ],
}


def shipped_violations(tarball: Path) -> list[str]:
    found = []
    for member in tarball_members(tarball):
        parts = member.name.split("/")
        directories = parts if member.isdir() else parts[:-1]
        if (any(part in DENIED_DIRS or part.endswith(".egg-info") for part in directories)
                or member.name.startswith("tests/output") or member.name.endswith(DENIED_SUFFIXES)):
            found.append(member.name)
    return found


@pytest.fixture(scope="module")
def tarball(tmp_path_factory) -> Path:
    """The tarball of the working tree, as `make build` makes it."""
    return build_collection(tmp_path_factory.mktemp("dist"))


def test_tarball_ships_the_collection_and_nothing_else(tarball):
    names = {member.name for member in tarball_members(tarball)}
    assert not [name for name in REQUIRED_FILES if name not in names], sorted(names)
    assert not shipped_violations(tarball)


def test_build_ignores_caches_and_output_wherever_tools_leave_them(tmp_path):
    source = tmp_path / "src" / "licensing" / "windows"
    shutil.copytree(ROOT, source, symlinks=True, ignore=lambda _dir, names: [name for name in names if name in COPY_SKIPPED
                                                                             or name.endswith((".egg-info", ".tar.gz"))])
    for decoy in DECOYS:
        (source / decoy).parent.mkdir(parents=True, exist_ok=True)
        (source / decoy).write_text("must not be shipped\n", encoding="utf-8")

    tarball = build_collection(tmp_path / "dist", source)
    names = {member.name for member in tarball_members(tarball)}
    assert not [name for name in REQUIRED_FILES if name not in names]
    assert shipped_violations(tarball) == [], "build_ignore in galaxy.yml lets these through"


def test_installed_tarball_runs_the_demo_playbook_without_the_working_tree(tarball, fleet_factory, tmp_path):
    collections = tmp_path / "collections"  # empty: only what the tarball installs
    collections.mkdir()
    installed = install_collection(tarball, collections, cwd=tmp_path)
    assert not installed.is_symlink() and ROOT not in installed.resolve().parents

    env = ansible_env(collections)
    listing = subprocess.run([str(BIN / "ansible-galaxy"), "collection", "list", "licensing.windows", "--format", "json"],
                             env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True)
    locations = {path for path, found in json.loads(listing.stdout).items() if "licensing.windows" in found}
    assert locations == {str(collections / "ansible_collections")}

    fleet = fleet_factory(FLEET)
    hosts = set(yaml.safe_load(fleet.inventory.read_text(encoding="utf-8"))["all"]["children"]["windows"]["hosts"])
    reports = tmp_path / "reports"
    run = subprocess.run(
        [str(BIN / "ansible-playbook"), "-vv", "-i", str(fleet.inventory), "licensing.windows.audit",
         "-e", json.dumps({"license_audit_report_dir": str(reports)})],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]

    task_paths = {line.split("task path: ", 1)[1].rsplit(":", 1)[0] for line in run.stdout.splitlines() if "task path: " in line}
    # audit.yml imports the role and has no task of its own; -vv names the playbook file it loaded.
    assert f"1 plays in {installed / 'playbooks' / 'audit.yml'}" in run.stdout
    assert str(installed / "roles" / "license_audit" / "tasks" / "collect.yml") in task_paths
    outside = [path for path in task_paths if not path.startswith(str(installed) + "/")]
    assert not outside, f"tasks ran from outside the installed collection: {outside}"
    for tree in ("plugins", "roles", "playbooks"):
        assert str(ROOT / tree) not in run.stdout + run.stderr

    result = read_reports(reports)
    assert_every_host_once(result, hosts)
    assert result.document["generator"] == f"licensing.windows {json.loads((installed / 'MANIFEST.json').read_text())['collection_info']['version']}"
    inventory = yaml.safe_load(fleet.inventory.read_text(encoding="utf-8"))["all"]["children"]["windows"]["hosts"]
    for record in result.document["hosts"]:
        expect = inventory[record["host"]].get("winsim_expect") or {}
        if inventory[record["host"]].get("winsim_fault") == "not_listening":
            assert record["status"] == "unknown" and record["reasons"] == ["unreachable"]
        else:
            assert record["facts"]["method"] == expect["method"], record
