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


# ---- the same failures as each connection plugin hands them over ----------------------------------------------
# Raw (rc, stdout, stderr) shapes as the connection plugins return them for one host, taken from the simulator's
# front doors (tests/simulator/winsim: WinRS, psrp, ssh) and the plugins' own code: winrm and ssh decode CLIXML
# stderr into the error view's text, psrp joins output objects with \r\n and adds no trailing newline, formats
# error records itself, and loses [Console]::Error; rc over psrp comes only from SetShouldExit (exit N), else 1
# when the pipeline failed.

_OLD = "licensing.windows: Windows PowerShell 5.1 is required, this host has 2.0"
_CIM_VIEW = (
    "Get-CimInstance : Invalid namespace \r\nAt line:9 char:9\r\n+ try { @(Get-CimInstance -Query $w | Select-Object "
    "-Property ($w -replace '^SELECT (.+) FROM .*$', '$1' -split ',')) } catch { E $c $_.Exception; $null }\r\n"
    "+         ~~~~~~~~~~~~~~~~~~~~~~~~~\r\n    + CategoryInfo          : MetadataError: (:) [Get-CimInstance], CimException\r\n"
    "    + FullyQualifiedErrorId : HRESULT 0x8004100e,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand\r\n"
)
_CIM_CLIXML = (
    '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
    '<S S="Error">Get-CimInstance : Invalid namespace _x000D__x000A_</S>'
    '<S S="Error">    + FullyQualifiedErrorId : HRESULT 0x8004100e,Microsoft.Management.Infrastructure.CimCmdlets.'
    'GetCimInstanceCommand_x000D__x000A_</S></Objs>'
)

PATH_SHAPES = [
    # winrm: powershell.exe's raw [Console]::Error line and the output stream; CLIXML already decoded by the plugin
    ("winrm", "old_powershell", 3, _OLD + "\r\n", _OLD + "\r\n", "powershell_too_old"),
    ("winrm", "wmi_error", 1, "", _CIM_VIEW, "wmi_error"),
    ("winrm", "not_json", 0, "Windows PowerShell\r\nCopyright (C) Microsoft Corporation.\r\n", "", "output_not_json"),
    ("winrm", "truncated", 0, '{"schema":1,"os":{"Caption":"Microsoft Win', "", "output_not_json"),
    ("winrm", "not_powershell", 127, "", "sh: 1: PowerShell: not found\n", "not_powershell"),
    # psrp: no [Console]::Error; output objects joined by \r\n, no trailing newline; error records formatted by the plugin
    ("psrp", "old_powershell", 3, _OLD, "", "powershell_too_old"),
    ("psrp", "wmi_error", 1, "", _CIM_VIEW.replace("Invalid namespace \r\n", "Invalid namespace\r\n"), "wmi_error"),
    ("psrp", "not_json", 0, "Windows PowerShell\r\nCopyright (C) Microsoft Corporation.", "", "output_not_json"),
    ("psrp", "truncated", 0, '{"schema":1,"os":{"Caption":"Microsoft Win', "", "output_not_json"),
    # ssh: the exit status; stderr CLIXML (decoded by ansible >= 2.18, raw from older or third-party plugins)
    ("ssh", "old_powershell", 3, _OLD + "\r\n", _OLD + "\r\n", "powershell_too_old"),
    ("ssh", "wmi_error", 1, "", _CIM_VIEW, "wmi_error"),
    ("ssh", "wmi_error_raw_clixml", 1, "", _CIM_CLIXML, "wmi_error"),
    ("ssh", "clixml_after_console_text", 1, "", "warning: something\r\n" + _CIM_CLIXML, "wmi_error"),
    ("ssh", "not_powershell_posix", 127, "", "sh: 1: PowerShell: not found\n", "not_powershell"),
    ("ssh", "not_powershell_cmd", 1, "",
     "'PowerShell' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n",
     "not_powershell"),
]


@pytest.mark.parametrize("transport, case, rc, stdout, stderr, code", PATH_SHAPES,
                         ids=[f"{shape[0]}-{shape[1]}" for shape in PATH_SHAPES])
def test_each_connection_s_raw_failure_gets_the_same_code_and_a_message(transport, case, rc, stdout, stderr, code):
    plugin, connection = make_plugin(rc=rc, stdout=stdout, stderr=stderr)
    connection.transport = transport
    result = run(plugin)
    assert result["failed"] is True, case
    assert result["error_code"] == code, result["msg"]
    if code == "powershell_too_old":
        assert "this host has 2.0" in result["msg"]
    if code == "wmi_error":
        assert "0x8004100E" in result["msg"]
    if code == "not_powershell":
        assert "rc=" in result["msg"] and "no error text" not in result["msg"]


def test_psrp_old_powershell_message_reaches_the_user_from_the_output_stream():
    # [Console]::Error.WriteLine is lost over psrp; the collector also writes the message to the output stream.
    plugin, connection = make_plugin(rc=3, stdout=_OLD, stderr="")
    connection.transport = "psrp"
    result = run(plugin)
    assert result["error_code"] == "powershell_too_old"
    assert result["msg"].startswith(_OLD)


@pytest.mark.parametrize("transport, trailer", [("winrm", "\r\n"), ("psrp", ""), ("ssh", "\r\n")])
def test_facts_are_the_same_whatever_the_trailing_newline(transport, trailer):
    document = collector_stdout(load_profile("digital_license_pro")).rstrip("\r\n")
    plugin, connection = make_plugin(stdout=document + trailer)
    connection.transport = transport
    result = run(plugin)
    assert not result.get("failed"), result.get("msg")
    facts = result["ansible_facts"]["windows_license"]
    baseline, _connection = make_plugin(stdout=document + "\r\n")
    expected = run(baseline)["ansible_facts"]["windows_license"]
    facts.pop("collected_at", None)
    expected.pop("collected_at", None)
    assert facts == expected


def test_the_collector_writes_its_version_message_to_both_streams():
    script = collector_module_script()
    guard = next(line for line in script.splitlines() if "PSVersion.Major -lt 5" in line)
    assert "[Console]::Error.WriteLine($m)" in guard and "Write-Output $m" in guard and "exit 3" in guard


def collector_module_script():
    from ansible_collections.licensing.windows.plugins.plugin_utils._facts.command import collector_script

    return collector_script()


def test_the_cmd_shell_of_an_ssh_host_whose_default_shell_is_cmd_runs_the_same_command():
    plugin, connection = make_plugin(stdout=collector_stdout(load_profile("digital_license_pro")), shell_family="cmd")
    connection.transport = "ssh"
    result = run(plugin)
    assert not result.get("failed"), result.get("msg")
    assert connection.exec_command.call_args.args[0] == build_collector_command()
