# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The role's variables: every default is documented by the argument spec, and the other way round."""

from __future__ import annotations

from pathlib import Path

import yaml

ROLE = Path(__file__).resolve().parents[3] / "roles" / "license_audit"


def test_role_defaults_match_the_argument_spec():
    spec = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text(encoding="utf-8"))
    options = spec["argument_specs"]["main"]["options"]
    assert set(defaults) == set(options)
    for variable, option in options.items():
        # A setting without a documented default is null (the policy settings: their defaults
        # are the policy's, written once in plugins/doc_fragments/policy.py).
        assert defaults[variable] == option.get("default"), variable


def test_private_variables_stay_private():
    names = set(yaml.safe_load((ROLE / "vars" / "main.yml").read_text(encoding="utf-8")))
    assert all(name.startswith("__license_audit_") for name in names), names
