# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Make the collection importable as ``ansible_collections.licensing.windows`` for plain pytest.

ansible-test runs the unit tests from a real ``ansible_collections/licensing/windows`` tree
and needs none of this. A plain ``pytest tests/unit`` from a git checkout gets a temporary
directory holding ``ansible_collections/licensing/windows -> <this checkout>``, put first on
``sys.path``, so the tests import the code exactly the way Ansible does.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from pathlib import Path

COLLECTION_ROOT = Path(__file__).resolve().parents[2]


def _inside_collection_tree(root: Path) -> bool:
    return root.parent.name == "licensing" and root.parent.parent.name == "ansible_collections"


def _make_importable() -> None:
    if _inside_collection_tree(COLLECTION_ROOT):
        search_root = str(COLLECTION_ROOT.parents[2])
        if search_root not in sys.path:
            sys.path.insert(0, search_root)
        return
    holder = Path(tempfile.mkdtemp(prefix="licensing-windows-tests-"))
    atexit.register(shutil.rmtree, holder, ignore_errors=True)
    namespace = holder / "ansible_collections" / "licensing"
    namespace.mkdir(parents=True)
    (namespace / "windows").symlink_to(COLLECTION_ROOT, target_is_directory=True)
    sys.path.insert(0, str(holder))


_make_importable()
