#!/usr/bin/env python
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Copy the working tree into DEST/ansible_collections/licensing/windows.

ansible-test resolves symlinks and insists on a real ansible_collections/<ns>/<name>
directory, so it gets a copy of exactly the files git would ship (tracked and untracked
but not ignored), never caches, venvs or reports.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: stage_collection.py DEST", file=sys.stderr)
        return 2
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    target = os.path.join(os.path.abspath(sys.argv[1]), "ansible_collections", "licensing", "windows")
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root, check=True, capture_output=True,
    ).stdout.decode("utf-8").split("\0")
    if os.path.isdir(target):
        shutil.rmtree(target)
    copied = 0
    for relative in filter(None, listing):
        source = os.path.join(root, relative)
        if not os.path.lexists(source):  # deleted in the working tree, not yet committed
            continue
        destination = os.path.join(target, relative)
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        shutil.copy2(source, destination, follow_symlinks=False)
        copied += 1
    # ansible-test lists files with git when it finds a repository; give it one that
    # knows exactly these files so its view matches what was copied.
    subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    subprocess.run(["git", "add", "-A"], cwd=target, check=True)
    print(f"staged {copied} files in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
