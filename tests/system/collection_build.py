# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the collection tarball the way a release does, and install it, with ansible-galaxy.

Shared by the system tests that check what users get: the tarball's contents, the installed
copy running the demo playbook, and the execution environment that installs the tarball.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import yaml
from conftest import ansible_env

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def galaxy_metadata(source: Path = ROOT) -> dict:
    """The collection's galaxy.yml."""
    return yaml.safe_load((source / "galaxy.yml").read_text(encoding="utf-8"))


def tarball_name(source: Path = ROOT) -> str:
    meta = galaxy_metadata(source)
    return f"{meta['namespace']}-{meta['name']}-{meta['version']}.tar.gz"


def build_collection(output_dir: Path, source: Path = ROOT) -> Path:
    """``ansible-galaxy collection build`` of ``source``; returns the tarball."""
    output_dir.mkdir(parents=True, exist_ok=True)
    completed = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(output_dir), str(source)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert completed.returncode == 0, f"collection build failed:\n{completed.stdout}\n{completed.stderr}"
    tarball = output_dir / tarball_name(source)
    assert tarball.is_file(), f"{tarball} not written; ansible-galaxy said:\n{completed.stdout}"
    return tarball


def install_collection(tarball: Path, collections_path: Path, cwd: Path) -> Path:
    """Install ``tarball`` (without dependencies, which would need Galaxy) into ``collections_path``.

    Returns the installed collection's directory.
    """
    completed = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "install", "--no-deps", "-p", str(collections_path), str(tarball)],
        capture_output=True, text=True, timeout=120, check=False, cwd=cwd, env=ansible_env(collections_path),
    )
    assert completed.returncode == 0, f"collection install failed:\n{completed.stdout}\n{completed.stderr}"
    meta = galaxy_metadata()
    installed = collections_path / "ansible_collections" / meta["namespace"] / meta["name"]
    assert (installed / "MANIFEST.json").is_file(), completed.stdout
    return installed


def tarball_members(tarball: Path) -> list[tarfile.TarInfo]:
    with tarfile.open(tarball) as archive:
        return archive.getmembers()
