# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The licensing.windows collection as the simulator sees it: where its checkout is, and its vocabulary.

The simulated hosts recognise the collection's collector by the marker line the
collection defines, so they must use the collection's own names, not a copy of them.
Those names live in ``plugins/plugin_utils/_vocabulary.py``. winsim is not an Ansible
plugin: it runs outside ansible-core, without the collection loader that makes
``ansible_collections.licensing.windows`` importable, so it loads that file by its path
(:func:`importlib.util.spec_from_file_location`). The file imports nothing but the
standard library so that this works.

The collection root is the nearest directory above this file that holds ``galaxy.yml``
(winsim lives in ``tests/simulator`` of the collection's checkout and is installed in
editable mode), or ``$WINSIM_COLLECTION_ROOT`` when that is set. The default profile
library (``tests/profiles``) is found the same way.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path
from types import ModuleType

ROOT_ENV = "WINSIM_COLLECTION_ROOT"
VOCABULARY_PATH = Path("plugins") / "plugin_utils" / "_vocabulary.py"


@functools.lru_cache(maxsize=1)
def root() -> Path:
    """The collection's checkout: $WINSIM_COLLECTION_ROOT, else the nearest directory above winsim with galaxy.yml."""
    configured = os.environ.get(ROOT_ENV)
    if configured:
        path = Path(configured).expanduser().resolve()
        if not (path / "galaxy.yml").is_file():
            raise RuntimeError(f"${ROOT_ENV}={configured}: no galaxy.yml there")
        return path
    here = Path(__file__).resolve()
    for directory in here.parents:
        if (directory / "galaxy.yml").is_file():
            return directory
    raise RuntimeError(f"cannot find the licensing.windows collection (a directory with galaxy.yml) above {here.parent}; "
                       f"install winsim in editable mode from the checkout (pip install -e tests/simulator) or set ${ROOT_ENV}")


@functools.lru_cache(maxsize=1)
def vocabulary() -> ModuleType:
    """``plugins/plugin_utils/_vocabulary.py`` of the collection, loaded by its path (COLLECTOR_MARKER, POWERSHELL_PREFIX, ...)."""
    path = root() / VOCABULARY_PATH
    if not path.is_file():
        raise RuntimeError(f"the collection's vocabulary is missing: {path}")
    spec = importlib.util.spec_from_file_location("winsim._collection_vocabulary", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
