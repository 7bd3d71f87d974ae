# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plugin and role pages in docs/ say what `ansible-doc` says.

Each page has an options (or variables) table with the columns name | type | default |
choices | description. Names, types, element types, defaults, required flags and choices
are compared with `ansible-doc --json`, which renders the DOCUMENTATION blocks and the
role's meta/argument_specs.yml exactly as Ansible itself reads them.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml
from collection_build import BIN, ROOT
from conftest import ansible_env

# (ansible-doc type, name) -> (page, heading of the table)
PAGES = {
    ("module", "licensing.windows.license_facts"): ("docs/license_facts.md", "Options"),
    ("module", "licensing.windows.license_report"): ("docs/license_report.md", "Options"),
    ("role", "licensing.windows.license_audit"): ("docs/license_audit.md", "Variables"),
    ("filter", "licensing.windows.license_verdicts"): ("docs/license_verdicts.md", "Options of `license_verdicts`"),
    ("filter", "licensing.windows.license_policy"): ("docs/license_verdicts.md", "Options of `license_policy`"),
}
NO_VALUE = "—"


def documented_options(kind: str, name: str, collections_path) -> dict:
    completed = subprocess.run([str(BIN / "ansible-doc"), "-t", kind, "--json", name], env=ansible_env(collections_path),
                               capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    doc = json.loads(completed.stdout)[name]
    options = doc["entry_points"]["main"]["options"] if kind == "role" else doc["doc"]["options"]
    flat = {}
    for option, spec in options.items():
        flat[option] = spec
        for sub, sub_spec in (spec.get("suboptions") or {}).items():
            flat[f"{option}.{sub}"] = sub_spec
    return {option: {
        "type": spec.get("type", "str") + (f" of {spec['elements']}" if spec.get("elements") else ""),
        "default": "required" if spec.get("required") else spec.get("default", NO_VALUE),
        "choices": spec.get("choices") or NO_VALUE,
    } for option, spec in flat.items()}


def _cell_value(cell: str):
    """A default cell: `required`, the no-value dash, or one backticked YAML value."""
    if cell in ("required", NO_VALUE):
        return cell
    match = re.fullmatch(r"`(.*)`", cell)
    assert match, f"default cell {cell!r} is not one backticked value"
    try:
        return yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return match.group(1)  # e.g. a Jinja template, which is a plain string


def page_table(page: str, heading: str) -> dict:
    lines = (ROOT / page).read_text(encoding="utf-8").splitlines()
    starts = [index for index, line in enumerate(lines) if re.fullmatch(r"#+ " + re.escape(heading), line)]
    assert len(starts) == 1, f"{page}: expected one heading {heading!r}"
    rows = []
    for line in lines[starts[0] + 1:]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
        elif rows:
            break
    header, _separator, *body = rows
    assert [cell.lower() for cell in header[:4]] in (["option", "type", "default", "choices"],
                                                     ["variable", "type", "default", "choices"]), header
    table = {}
    for cells in body:
        name = re.fullmatch(r"`([^`]+)`", cells[0])
        assert name, f"{page}: name cell {cells[0]!r} is not one backticked name"
        choices = NO_VALUE if cells[3] == NO_VALUE else re.findall(r"`([^`]+)`", cells[3])
        table[name.group(1)] = {"type": cells[1], "default": _cell_value(cells[2]), "choices": choices}
    return table


@pytest.mark.parametrize(("kind", "name"), list(PAGES))
def test_page_options_match_ansible_doc(kind, name, collections_path):
    page, heading = PAGES[(kind, name)]
    documented = documented_options(kind, name, collections_path)
    shown = page_table(page, heading)
    assert sorted(shown) == sorted(documented), f"{page}: options differ from ansible-doc"
    for option, spec in documented.items():
        assert shown[option] == spec, f"{page}: {option}"


def test_role_defaults_match_the_argument_spec():
    spec = yaml.safe_load((ROOT / "roles" / "license_audit" / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    defaults = yaml.safe_load((ROOT / "roles" / "license_audit" / "defaults" / "main.yml").read_text(encoding="utf-8"))
    options = spec["argument_specs"]["main"]["options"]
    assert set(defaults) == set(options)
    for variable, option in options.items():
        assert defaults[variable] == option["default"], variable


def test_docs_index_links_every_page():
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([^)#]+\.md)", index))
    pages = {path.name for path in (ROOT / "docs").glob("*.md")} - {"README.md"}
    assert pages <= linked, f"docs/README.md does not link {sorted(pages - linked)}"
    for target in linked:
        assert (ROOT / "docs" / target).is_file(), f"docs/README.md links a missing page {target}"
