# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The license_facts action plugin with a mocked connection (the ansible.windows pattern):
what it sends, and how it turns every kind of answer into facts or a clean failure."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task

from ansible_collections.licensing.windows.plugins.action import license_facts
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.verdict import verdict
from ansible_collections.licensing.windows.plugins.plugin_utils._facts.command import build_collector_command
from ansible_collections.licensing.windows.tests.unit.plugins.plugin_utils._facts.profile_documents import collector_stdout, load_profile


def make_plugin(args=None, rc=0, stdout="", stderr="", shell_family="powershell", check_mode=False):
    task = MagicMock(Task)
    task.args = args or {}
    task.check_mode = check_mode
    task.async_val = 0
    task.diff = False
    connection = MagicMock()
    connection._shell.SHELL_FAMILY = shell_family
    connection.become = None
    connection.allow_executable = False
    connection.transport = "winrm"
    connection.exec_command.return_value = (rc, stdout.encode("utf-8"), stderr.encode("utf-8"))
    plugin = license_facts.ActionModule(task, connection, PlayContext(), loader=None, templar=None, shared_loader_obj=None)
    return plugin, connection


def run(plugin):
    return plugin.run(task_vars={})


def test_sends_one_encoded_command_and_returns_facts():
    plugin, connection = make_plugin(stdout=collector_stdout(load_profile("digital_license_pro")))
    result = run(plugin)
    assert connection.exec_command.call_count == 1
    assert connection.exec_command.call_args.args[0] == build_collector_command()
    assert connection.exec_command.call_args.kwargs.get("in_data") is None
    assert not result.get("failed")
    assert result["changed"] is False
    facts = result["ansible_facts"]["windows_license"]
    assert facts["activation"]["method"] == "digital_license"
    assert facts["activation"]["digital_license"] is True
    assert facts["product"]["partial_product_key"] == "3V66T"


def test_check_mode_runs_the_same_read_only_query():
    plugin, connection = make_plugin(stdout=collector_stdout(load_profile("retail_key")), check_mode=True)
    result = run(plugin)
    assert connection.exec_command.call_count == 1
    assert result["ansible_facts"]["windows_license"]["activation"]["method"] == "product_key"


@pytest.mark.parametrize(
    "rc, stdout, stderr, code",
    [
        (0, "Windows PowerShell\r\nCopyright (C) Microsoft", "", "output_not_json"),
        (0, '{"schema": 1, "os": {"Caption": "Micro', "", "output_not_json"),
        (0, '{"schema": 2, "os": null, "service": null, "products": [], "errors": [], "edition_id": null}', "", "schema_mismatch"),
        (3, "", "licensing.windows: Windows PowerShell 5.1 is required, this host has 2.0", "powershell_too_old"),
        (127, "", "sh: 1: PowerShell: not found", "not_powershell"),
        (1, "", "Get-CimInstance : Invalid namespace HRESULT 0x8004100E", "wmi_error"),
    ],
)
def test_failures_have_a_stable_code_and_no_facts(rc, stdout, stderr, code):
    plugin, _connection = make_plugin(rc=rc, stdout=stdout, stderr=stderr)
    result = run(plugin)
    assert result["failed"] is True
    assert result["error_code"] == code
    assert "ansible_facts" not in result
    assert len(result["msg"]) > 30


def test_class_failures_map_to_access_denied_and_service_disabled():
    for profile, code in (("wmi_access_denied", "access_denied"), ("sppsvc_disabled", "service_disabled")):
        plugin, _connection = make_plugin(stdout=collector_stdout(load_profile(profile)))
        result = run(plugin)
        assert result["error_code"] == code, result


def test_output_larger_than_the_cap_is_refused_before_parsing():
    padded = collector_stdout(load_profile("digital_license_pro")) + " " * 40000
    plugin, _connection = make_plugin(args={"max_output_bytes": 20000}, stdout=padded)
    result = run(plugin)
    assert result["error_code"] == "output_too_large"


def test_a_shell_that_is_not_powershell_fails_without_contacting_the_host():
    plugin, connection = make_plugin(shell_family="sh")
    result = run(plugin)
    assert result["error_code"] == "not_powershell"
    assert "'sh' shell" in result["msg"]
    connection.exec_command.assert_not_called()


def test_connection_errors_propagate_so_ansible_reports_the_host_unreachable():
    plugin, connection = make_plugin()
    connection.exec_command.side_effect = AnsibleConnectionFailure("the specified credentials were rejected by the server")
    with pytest.raises(AnsibleConnectionFailure):
        run(plugin)


@pytest.mark.parametrize(
    "args, fragment",
    [
        ({"max_output_bytes": "lots"}, "max_output_bytes"),
        ({"max_output_bytes": 100}, "at least 16384"),
        ({"gather_subset": "all"}, "gather_subset"),
        ({"policy": "strict"}, "policy"),
        ({"policy": {"min_days_remaining": -3}}, "policy.min_days_remaining"),
        ({"policy": {"entitled_methods": ["digital_license", "bogus"]}}, "policy.entitled_methods[1]"),
        ({"policy": {"fail_on": ["noncompliant"]}}, "unknown setting 'fail_on'"),
    ],
)
def test_bad_options_are_refused_by_name(args, fragment):
    plugin, connection = make_plugin(args=args)
    with pytest.raises(AnsibleActionFail) as caught:
        run(plugin)
    assert fragment in str(caught.value)
    connection.exec_command.assert_not_called()


def test_error_messages_never_carry_a_full_product_key():
    plugin, _connection = make_plugin(rc=1, stderr="failed for key ABCDE-FGHJK-MNPQR-TVWXY-23467 HRESULT 0x80041001")
    result = run(plugin)
    assert "ABCDE-FGHJK" not in result["msg"]
    assert "23467" in result["msg"]


def test_without_a_policy_no_verdict_and_no_group_are_returned():
    plugin, _connection = make_plugin(stdout=collector_stdout(load_profile("retail_key")))
    result = plugin.run(task_vars={"inventory_hostname": "pc-7"})
    assert set(result["ansible_facts"]) == {"windows_license"}
    assert "add_group" not in result


@pytest.mark.parametrize(
    "profile, policy, status, reasons",
    [
        ("digital_license_pro", {}, "compliant", []),
        ("retail_key", {}, "noncompliant", ["not_digital_entitlement"]),
        ("retail_key", {"entitled_methods": ["digital_license", "product_key"]}, "compliant", []),
    ],
)
def test_with_a_policy_the_host_is_judged_in_the_same_task(profile, policy, status, reasons):
    plugin, connection = make_plugin(args={"policy": policy}, stdout=collector_stdout(load_profile(profile)))
    result = plugin.run(task_vars={"inventory_hostname": "pc-7"})
    assert connection.exec_command.call_count == 1
    judged = result["ansible_facts"]["license_audit"]
    assert (judged["host"], judged["status"], judged["reasons"]) == ("pc-7", status, reasons)
    # group_by's result keys: the strategy adds the host to the group, no extra task needed.
    assert result["add_group"] == f"license_{status}"
    assert result["parent_groups"] == ["all"]
    # The verdict is the one the license_verdicts filter gives for the registered result.
    assert judged == verdict("pc-7", {"ansible_facts": {"windows_license": result["ansible_facts"]["windows_license"]}}, policy)


def test_with_a_policy_a_failed_collection_has_no_verdict():
    """Ansible applies no facts or groups from a failed task; the role judges such hosts afterwards."""
    plugin, _connection = make_plugin(args={"policy": {}}, rc=1, stderr="Get-CimInstance : Access denied HRESULT 0x80070005")
    result = plugin.run(task_vars={"inventory_hostname": "pc-7"})
    assert result["failed"] is True
    assert "ansible_facts" not in result and "add_group" not in result
