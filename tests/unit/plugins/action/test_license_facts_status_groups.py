# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""license_facts with a policy: every host gets its verdict; which hosts join their status group is a choice."""

from __future__ import annotations

import pytest

from ansible_collections.licensing.windows.tests.unit.plugins.action.test_license_facts import make_plugin
from ansible_collections.licensing.windows.tests.unit.plugins.plugin_utils._facts.profile_documents import collector_stdout, load_profile


@pytest.mark.parametrize("profile, status_groups, group", [
    ("digital_license_pro", "all", "license_compliant"),
    ("digital_license_pro", "attention", None),
    ("digital_license_pro", "none", None),
    ("retail_key", "all", "license_noncompliant"),
    ("retail_key", "attention", "license_noncompliant"),
    ("retail_key", "none", None),
])
def test_status_groups_choose_who_joins_a_group_and_every_host_keeps_its_verdict(profile, status_groups, group):
    plugin, _connection = make_plugin(args={"policy": {}, "status_groups": status_groups},
                                      stdout=collector_stdout(load_profile(profile)))
    result = plugin.run(task_vars={"inventory_hostname": "win-1"})
    assert result["ansible_facts"]["license_audit"]["host"] == "win-1"
    assert result.get("add_group") == group
    assert ("parent_groups" in result) == (group is not None)


def test_the_module_default_keeps_adding_every_host():
    plugin, _connection = make_plugin(args={"policy": {}}, stdout=collector_stdout(load_profile("digital_license_pro")))
    assert plugin.run(task_vars={"inventory_hostname": "win-1"})["add_group"] == "license_compliant"
