# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The action plugins' argument specs against the options their doc stubs document.

validate-modules compares a module's argument spec with its DOCUMENTATION only when the
module builds an AnsibleModule; ours are action plugins with documentation-only stubs, so
this test does that comparison for them: same option names, type, elements, choices,
default and required, and every option constraint mentioned in both options' descriptions.
"""

from __future__ import annotations

import importlib

import pytest
import yaml

PLUGINS = ("license_facts", "license_report")
COLLECTION = "ansible_collections.licensing.windows.plugins"
SPEC_KEYS = ("type", "elements", "choices", "default", "required")
CONSTRAINTS = ("MUTUALLY_EXCLUSIVE", "REQUIRED_ONE_OF", "REQUIRED_TOGETHER")


def _fragment_options(reference):
    """The options of one of the collection's doc fragments (``licensing.windows.NAME[.VAR]``)."""
    name, _dot, variable = reference[len("licensing.windows."):].partition(".")
    fragment = importlib.import_module(f"{COLLECTION}.doc_fragments.{name}").ModuleDocFragment
    return yaml.safe_load(getattr(fragment, variable.upper() or "DOCUMENTATION")).get("options") or {}


def _documented_options(name):
    """The options as ansible-doc shows them: the stub's own, and those of the collection's fragments it extends."""
    documentation = yaml.safe_load(importlib.import_module(f"{COLLECTION}.modules.{name}").DOCUMENTATION)
    options = {}
    for reference in documentation.get("extends_documentation_fragment") or ():
        if reference.startswith("licensing.windows."):
            options.update(_fragment_options(reference))
    options.update(documentation.get("options") or {})
    return options


def _normalized(option):
    """An option as validate-modules sees it: unset ``required`` is false, unset keys are None."""
    normalized = {key: option.get(key) for key in SPEC_KEYS}
    normalized["required"] = bool(normalized["required"])
    return normalized


@pytest.mark.parametrize("name", PLUGINS)
def test_argument_spec_matches_documentation(name):
    spec = importlib.import_module(f"{COLLECTION}.action.{name}").ARGUMENT_SPEC
    documented = _documented_options(name)
    assert sorted(spec) == sorted(documented)
    for option, definition in spec.items():
        assert _normalized(definition) == _normalized(documented[option]), option


@pytest.mark.parametrize("name", PLUGINS)
def test_option_constraints_are_documented(name):
    action = importlib.import_module(f"{COLLECTION}.action.{name}")
    documented = _documented_options(name)
    for constraint in CONSTRAINTS:
        for group in getattr(action, constraint, ()):
            for option in group:
                description = documented[option]["description"]
                description = description if isinstance(description, str) else " ".join(description)
                for other in group:
                    if other != option:
                        assert f"O({other})" in description, f"{name}: {constraint} {group} is not documented on {option}"
