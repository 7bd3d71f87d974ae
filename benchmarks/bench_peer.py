# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The peer of the benchmark: ansible.windows (win_product_facts) from PyPI's `ansible` package.

The collection is taken from one pinned release of the `ansible` community package (never
added to the project's requirements): `pip download --no-deps` into build/bench-cache (once;
reruns are offline), the wheel's hash checked, and only ansible_collections/ansible/windows
extracted into a collections path that only the benchmark uses.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

# ansible 12.3.0 ships ansible.windows 3.3.0 and runs on Python 3.11 (ansible 13 needs 3.12).
ANSIBLE_RELEASE = "12.3.0"
ANSIBLE_WHEEL = f"ansible-{ANSIBLE_RELEASE}-py3-none-any.whl"
# sha256 of that wheel as PyPI serves it: the download is refused if it differs.
ANSIBLE_WHEEL_SHA256 = "cd156f82fa87f7a899212b0efa9f7ca3a24d609212de9f78428a572eb01e5414"
COLLECTION_PREFIX = "ansible_collections/ansible/windows/"
EXPECTED_COLLECTION_VERSION = "3.3.0"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(cache: Path) -> Path:
    wheel = cache / ANSIBLE_WHEEL
    if wheel.is_file() and _sha256(wheel) == ANSIBLE_WHEEL_SHA256:
        return wheel
    cache.mkdir(parents=True, exist_ok=True)
    print(f"benchmark: downloading ansible=={ANSIBLE_RELEASE} (for ansible.windows only) into {cache}", flush=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet", "--no-deps",
         "--only-binary=:all:", f"ansible=={ANSIBLE_RELEASE}", "--dest", str(cache)],
        check=True,
    )
    actual = _sha256(wheel)
    if actual != ANSIBLE_WHEEL_SHA256:
        wheel.unlink()
        raise RuntimeError(f"{ANSIBLE_WHEEL}: sha256 {actual} is not the pinned {ANSIBLE_WHEEL_SHA256}")
    return wheel


def _installed_version(collections: Path) -> str | None:
    manifest = collections / COLLECTION_PREFIX / "MANIFEST.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text(encoding="utf-8"))["collection_info"]["version"]


def ensure_peer_collection(cache: Path, collections: Path) -> str:
    """Make ansible.windows available under ``collections``; return its version."""
    version = _installed_version(collections)
    if version == EXPECTED_COLLECTION_VERSION:
        return version
    wheel = _download(cache)
    target = collections / COLLECTION_PREFIX
    if target.exists():
        shutil.rmtree(target)
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.infolist():
            if member.filename.startswith(COLLECTION_PREFIX) and not member.is_dir():
                archive.extract(member, collections)
    version = _installed_version(collections)
    if version != EXPECTED_COLLECTION_VERSION:
        raise RuntimeError(f"{ANSIBLE_WHEEL} holds ansible.windows {version}, expected {EXPECTED_COLLECTION_VERSION}")
    return version
