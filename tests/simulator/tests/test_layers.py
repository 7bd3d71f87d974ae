# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""winsim's layers import only downwards (README.md "Layout"): checked on the source, import by import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import winsim

PACKAGE_DIR = Path(winsim.__file__).resolve().parent
#: The fleet modules that describe a host (its fault, its CIM values, its counters); the layers below may read them.
DESCRIPTION = {"winsim.fleet.faults", "winsim.fleet.profiles", "winsim.fleet.stats"}
BASE = {"winsim.errors", "winsim.collection"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE_DIR.rglob("*.py"))}


def winsim_imports(path: Path) -> set[str]:
    """The winsim modules (or packages) a file imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "winsim")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "winsim":
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
    return found


def allowed(importer: str, imported: str) -> bool:
    """The rule of README.md "Layout" for one import."""
    if importer in BASE:
        return False  # errors and collection import nothing of winsim
    if imported in BASE:
        return True
    layer = importer.split(".")[1] if importer.count(".") else ""
    same_layer = imported.startswith(f"winsim.{layer}.")
    if layer == "net":
        return same_layer
    if layer == "windows":
        return same_layer or imported in ("winsim.fleet.faults", "winsim.fleet.profiles")
    if layer in ("wsman", "personalities"):
        return same_layer or imported.startswith("winsim.windows.") or imported in DESCRIPTION
    if importer in DESCRIPTION:
        return imported in DESCRIPTION or imported in ("winsim.windows.cim_schema", "winsim.windows.psjson")
    if layer == "fleet":
        return imported not in ("winsim.cli", "winsim.launch")
    return True  # the top level: winsim, cli, launch, __main__


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down_the_layers(module: str) -> None:
    refused = sorted(imported for imported in winsim_imports(MODULES[module]) if not allowed(module, imported))
    assert not refused, f"{module} imports {refused} (README.md, Layout)"


def test_the_command_dispatch_imports_no_personality() -> None:
    imported = winsim_imports(MODULES["winsim.windows.commands"])
    assert "winsim.windows.handlers" in imported
    assert not any(name.startswith("winsim.personalities") for name in imported)


def test_every_layer_is_a_package_with_a_docstring() -> None:
    for layer in ("net", "wsman", "windows", "personalities", "fleet"):
        package = PACKAGE_DIR / layer / "__init__.py"
        assert ast.get_docstring(ast.parse(package.read_text(encoding="utf-8"))), layer
    for module, path in MODULES.items():
        assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), f"{module} has no docstring"
