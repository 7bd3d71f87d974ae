# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The role's variables: every default is documented by the argument spec, and the other way round."""

from __future__ import annotations

from pathlib import Path

import yaml

from ansible_collections.licensing.windows.plugins.plugin_utils._audit.policy import POLICY_SPEC

ROLE = Path(__file__).resolve().parents[3] / "roles" / "license_audit"


def test_role_defaults_match_the_argument_spec():
    spec = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text(encoding="utf-8"))
    options = spec["argument_specs"]["main"]["options"]
    # The policy settings have no role default: theirs are the policy's, written once in
    # plugins/doc_fragments/policy.py (tests/unit/plugins/doc_fragments/test_policy_fragment.py).
    policy_settings = {f"license_audit_{name}" for name in POLICY_SPEC}
    assert policy_settings <= set(options)
    assert set(defaults) == set(options) - policy_settings
    for variable in defaults:
        # An option documented without a default (a path the user may give) is null.
        assert defaults[variable] == options[variable].get("default"), variable


def test_private_variables_stay_private():
    names = set(yaml.safe_load((ROLE / "vars" / "main.yml").read_text(encoding="utf-8")))
    assert all(name.startswith("__license_audit_") for name in names), names
