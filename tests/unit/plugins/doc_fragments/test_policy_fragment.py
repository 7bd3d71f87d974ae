# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The policy is written once, in its doc fragment; everything else that names its settings agrees with it."""

from __future__ import annotations

from pathlib import Path

import yaml

from ansible_collections.licensing.windows.plugins.doc_fragments.policy import ModuleDocFragment
from ansible_collections.licensing.windows.plugins.plugin_utils._audit import policy
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import ENTITLEABLE_METHODS, SERVER_POLICIES

ROLE = Path(__file__).resolve().parents[4] / "roles" / "license_audit"
SETTINGS = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]["policy"]["suboptions"]
ROLE_PREFIX = "license_audit_"


def test_every_setting_has_exactly_one_check():
    assert list(policy.POLICY_SPEC) == list(SETTINGS)
    assert sorted(policy._CHECKS) == sorted(SETTINGS)  # pylint: disable=protected-access


def test_the_fragment_choices_are_the_collection_vocabulary():
    assert tuple(SETTINGS["entitled_methods"]["choices"]) == ENTITLEABLE_METHODS
    assert tuple(SETTINGS["server_policy"]["choices"]) == SERVER_POLICIES


def test_the_defaults_come_from_the_fragment():
    assert policy.normalize_policy({}) == {name: option["default"] for name, option in SETTINGS.items()}
    assert policy.DEFAULT_POLICY["entitled_methods"] == SETTINGS["entitled_methods"]["default"]


def test_the_policy_option_is_a_dictionary_of_the_settings():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]["policy"]
    assert documented["type"] == "dict"
    assert list(documented["suboptions"]) == list(policy.POLICY_SPEC)


def test_the_role_spec_matches_the_fragment_and_defers_the_defaults():
    spec = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    role_policy = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())["__license_audit_policy"]
    assert list(role_policy) == list(SETTINGS)
    for name, option in SETTINGS.items():
        variable = ROLE_PREFIX + name
        for key in ("type", "elements", "choices"):
            assert spec[variable].get(key) == option.get(key), (variable, key)
        # The default is written once, in the fragment: the role leaves the setting unset.
        assert "default" not in spec[variable], variable
        assert variable not in defaults, variable
        assert role_policy[name] == "{{ " + variable + " | default(none) }}"
