# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The license_report action plugin: it writes, merges and checks without touching any host."""

from __future__ import annotations

import json
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task

from ansible_collections.licensing.windows.plugins.action import license_report
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.verdict import verdict
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import REPORT_FILE_NAMES


def make_plugin(args, check_mode=False):
    task = MagicMock(Task)
    task.args = args
    task.check_mode = check_mode
    task.async_val = 0
    task.diff = False
    connection = MagicMock()
    plugin = license_report.ActionModule(task, connection, PlayContext(), loader=None, templar=None, shared_loader_obj=None)
    return plugin, connection


def sample_verdicts():
    """One host never reached, one whose collection failed: both must be reported."""
    return {
        "win-1": verdict("win-1", None, {}),
        "win-2": verdict("win-2", {"failed": True, "msg": "boom", "error_code": "wmi_error"}, {}),
    }


def test_writes_every_format_and_never_contacts_the_host(tmp_path):
    plugin, connection = make_plugin({"verdicts": sample_verdicts(), "policy": {}, "dest": str(tmp_path)})
    result = plugin.run(task_vars={})
    assert result["changed"] is True
    assert result["hosts"] == 2
    assert result["files"] == {fmt: str(tmp_path / name) for fmt, name in REPORT_FILE_NAMES.items()}
    for name in REPORT_FILE_NAMES.values():
        assert (tmp_path / name).stat().st_size > 0
    assert json.loads((tmp_path / REPORT_FILE_NAMES["json"]).read_text())["summary"]["total"] == 2
    assert result["summary"]["by_status"] == {"compliant": 0, "noncompliant": 0, "unknown": 2}
    assert result["summary"]["by_reason"]["collection_failed"] == 1
    assert "unknown" in result["summary_table"]
    connection.exec_command.assert_not_called()


def test_check_mode_names_the_files_but_writes_nothing(tmp_path):
    plugin, _connection = make_plugin({"verdicts": sample_verdicts(), "policy": {}, "dest": str(tmp_path), "formats": ["json"]},
                                      check_mode=True)
    result = plugin.run(task_vars={})
    assert result["files"] == {"json": str(tmp_path / REPORT_FILE_NAMES["json"])}
    assert not list(tmp_path.iterdir())


def test_merge_reads_earlier_reports(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    make_plugin({"verdicts": {"win-1": verdict("win-1", None, {})}, "policy": {}, "dest": str(first), "formats": ["json"]})[0].run(task_vars={})
    make_plugin({"verdicts": {"win-2": verdict("win-2", None, {})}, "policy": {}, "dest": str(second), "formats": ["json"]})[0].run(task_vars={})
    merged = tmp_path / "merged"
    result = make_plugin({"merge": [str(first / REPORT_FILE_NAMES["json"]), str(second / REPORT_FILE_NAMES["json"])],
                          "dest": str(merged), "formats": ["json"]})[0].run(task_vars={})
    assert result["hosts"] == 2
    hosts = [host["host"] for host in json.loads((merged / REPORT_FILE_NAMES["json"]).read_text())["hosts"]]
    assert hosts == ["win-1", "win-2"]


@pytest.mark.parametrize("args, message", [
    ({"verdicts": {}, "policy": {"min_days_remaining": -1}}, "policy.min_days_remaining: expected a non-negative integer"),
    ({"verdicts": "nope", "policy": {}}, "verdicts: expected a dictionary of host name to verdict"),
    ({"merge": ["/nonexistent/license-audit.json"]}, "/nonexistent/license-audit.json"),
])
def test_bad_input_fails_naming_the_field_and_writes_nothing(tmp_path, args, message):
    plugin, _connection = make_plugin({**args, "dest": str(tmp_path / "out")})
    with pytest.raises(AnsibleActionFail) as caught:
        plugin.run(task_vars={})
    assert message in str(caught.value)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args, words", [
    ({"verdicts": {}, "merge": ["x"], "dest": "d"}, "parameters are mutually exclusive: verdicts|merge"),
    ({"policy": {}, "dest": "d"}, "parameters are required together: verdicts, policy"),
    ({"verdicts": {}, "policy": {}, "dest": "d", "formats": ["pdf"]}, "formats must be one or more of: json, csv"),
])
def test_option_constraints_are_enforced_before_anything_is_read(args, words):
    plugin, _connection = make_plugin(args)
    with pytest.raises(AnsibleActionFail) as caught:
        plugin.run(task_vars={})
    assert words in str(caught.value)
