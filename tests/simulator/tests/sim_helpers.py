# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Helpers of the simulator tests: paths, encoding, pywinrm sessions, ansible runs.

A module of its own (not conftest.py) so that ``from sim_helpers import ...`` cannot pick up
another test suite's conftest when several suites run in one pytest session.
"""

from __future__ import annotations

import atexit
import base64
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import pytest
import winrm

from winsim import BackgroundSimulator, collection

TESTS_DIR = Path(__file__).resolve().parent
FIXTURE_PROFILES = TESTS_DIR / "fixtures" / "profiles"
REPO_ROOT = collection.root()
COLLECTOR_PATH = REPO_ROOT / "plugins" / "plugin_utils" / "_facts" / "collector.ps1"
#: The collection's names (plugins/plugin_utils/_vocabulary.py), not copies of them.
VOCABULARY = collection.vocabulary()
COLLECTOR_MARKER: str = VOCABULARY.COLLECTOR_MARKER
#: ansible's PowerShell command line before the encoded script, as words: PowerShell -NoProfile ... -EncodedCommand
ANSIBLE_PREFIX: list[str] = VOCABULARY.POWERSHELL_PREFIX.split()


def compact(script: str) -> str:
    """The collector as it goes on the wire: comment lines (not the marker) and blank lines dropped.

    Mirrors ``_compact()`` of plugins/plugin_utils/_facts/command.py, the action plugin's
    module, which is part of the collection's package (``ansible_collections.licensing.windows``,
    importable only through :func:`import_collection_module`) and private to it. The test of
    the action's own command line in test_collector.py checks that the two agree.
    """
    lines = [line.strip() for line in script.splitlines()]
    return "\n".join(line for line in lines if line and (not line.startswith("#") or line == COLLECTOR_MARKER))


def import_collection_module(name: str) -> ModuleType:
    """``ansible_collections.licensing.windows.<name>`` of this checkout, imported the way Ansible imports it.

    A checkout is not an ``ansible_collections/licensing/windows`` tree, so (as
    tests/unit/conftest.py does) a temporary directory holding that path as a symlink to the
    checkout goes first on sys.path; the module's own ``ansible_collections.*`` imports then work.
    """
    global _COLLECTION_HOLDER  # pylint: disable=global-statement
    if _COLLECTION_HOLDER is None:
        holder = Path(tempfile.mkdtemp(prefix="winsim-tests-collection-"))
        atexit.register(shutil.rmtree, holder, ignore_errors=True)
        (holder / "ansible_collections" / "licensing").mkdir(parents=True)
        (holder / "ansible_collections" / "licensing" / "windows").symlink_to(REPO_ROOT, target_is_directory=True)
        sys.path.insert(0, str(holder))
        importlib.invalidate_caches()
        _COLLECTION_HOLDER = holder
    return importlib.import_module(f"ansible_collections.licensing.windows.{name}")


_COLLECTION_HOLDER: Path | None = None


def encode(script: str) -> str:
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


def session(sim: BackgroundSimulator, name: str, **kwargs: object) -> winrm.Session:
    """A pywinrm session to ``name`` with the host's own transport and credentials."""
    spec = sim.spec(name)
    kwargs.setdefault("transport", spec.auth)
    return winrm.Session(sim.endpoint(name), auth=(spec.username, spec.password), **kwargs)


def protocol(sim: BackgroundSimulator, name: str, **kwargs: object) -> winrm.Protocol:
    spec = sim.spec(name)
    kwargs.setdefault("transport", spec.auth)
    return winrm.Protocol(sim.endpoint(name), username=spec.username, password=spec.password, **kwargs)


def run_command(proto: winrm.Protocol, command: str, arguments: list[str] | tuple[str, ...] = ()) -> tuple[bytes, bytes, int]:
    """Open a shell, run one command, collect its output, clean up (what ansible does per task)."""
    shell_id = proto.open_shell(codepage=65001)
    try:
        command_id = proto.run_command(shell_id, command, list(arguments))
        try:
            return proto.get_command_output(shell_id, command_id)
        finally:
            proto.cleanup_command(shell_id, command_id)
    finally:
        proto.close_shell(shell_id)


def _ansible_bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} not found next to {sys.executable} or on PATH; install ansible-core (requirements-dev.txt)")
    return found


def run_ansible(inventory: Path, pattern: str, module_args: str, workdir: Path, *extra: str,
                timeout: float = 240) -> dict[str, dict[str, object]]:
    """``ansible <pattern> -m raw -a <args>``; returns each host's result (ansible's ``--tree`` JSON files)."""
    tree = workdir / f"tree-{len(list(workdir.glob('tree-*')))}"
    environment = dict(
        os.environ,
        ANSIBLE_HOME=str(workdir / "ansible-home"), ANSIBLE_LOCAL_TEMP=str(workdir / "ansible-tmp"), ANSIBLE_NOCOLOR="1",
        ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_DEPRECATION_WARNINGS="False", ANSIBLE_RETRY_FILES_ENABLED="False",
        ANSIBLE_CONFIG=str(workdir / "no-ansible.cfg"),
    )
    command = [_ansible_bin("ansible"), pattern, "-i", str(inventory), "-m", "raw", "-a", module_args, "--tree", str(tree), *extra]
    completed = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=workdir, timeout=timeout, check=False)
    if not tree.is_dir():
        pytest.fail(f"ansible wrote no results (rc {completed.returncode}):\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in tree.iterdir()}
