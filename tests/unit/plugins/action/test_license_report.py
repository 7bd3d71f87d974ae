# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The license_report action plugin: it writes, merges and checks without touching any host."""

from __future__ import annotations

import json
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
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
    plugin = license_report.ActionModule(task, connection, PlayContext(), loader=DataLoader(), templar=None, shared_loader_obj=None)
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


# --- licensing over time --------------------------------------------------------------------

NOT_ACTIVATED = {"changed": False, "ansible_facts": {"windows_license": {
    "license_status": "unlicensed", "activation": {"method": "not_activated", "digital_license": False},
    "product": {}, "os": {}, "collected_at": "2026-12-04T02:00:00Z"}}}


def run_audit(dest, results, **options):
    args = {"verdicts": {host: verdict(host, result, {}) for host, result in results.items()}, "policy": {},
            "dest": str(dest), "formats": ["json", "markdown"], **options}
    return make_plugin(args)[0].run(task_vars={"groups": {"all": list(results), "lab": ["lab-1"]}})


def test_a_run_keeps_its_report_as_the_next_baseline_and_the_next_run_compares(tmp_path):
    baseline = tmp_path / "baseline" / "license-audit.json"
    first = run_audit(tmp_path / "r", {"win-1": None, "win-2": None}, baseline=str(baseline), update_baseline=True)
    assert first["summary"]["by_change"] is None  # nothing to compare with on the first run
    assert first["baseline_written"] == str(baseline) and baseline.is_file()
    second = run_audit(tmp_path / "r", {"win-1": None, "win-3": None}, baseline=str(baseline), update_baseline=True)
    assert second["summary"]["by_change"]["new"] == 1 and second["summary"]["by_change"]["gone"] == 1
    assert json.loads((tmp_path / "baseline" / "license-audit.json.previous").read_text())["hosts"][1]["host"] == "win-2"
    history = (tmp_path / "r" / "license-audit-history.jsonl").read_text().splitlines()
    assert len(history) == 2 and second["history_file"] == str(tmp_path / "r" / "license-audit-history.jsonl")


def test_a_missing_baseline_is_an_error_unless_the_run_keeps_its_own(tmp_path):
    plugin, _connection = make_plugin({"verdicts": {}, "policy": {}, "dest": str(tmp_path / "r"),
                                       "baseline": str(tmp_path / "nope.json")})
    with pytest.raises(AnsibleActionFail) as caught:
        plugin.run(task_vars={})
    assert str(caught.value).startswith(f"baseline: {tmp_path / 'nope.json'}: cannot read the report")
    assert not (tmp_path / "r").exists()


def test_waivers_from_a_file_mark_hosts_and_keep_them_out_of_the_gate(tmp_path):
    waivers = tmp_path / "waivers.yml"
    waivers.write_text("waivers:\n  - groups: [lab]\n    justification: lab machines run unactivated\n"
                       "    expires: 2099-01-01\n  - hosts: [gone-*]\n    justification: old\n", encoding="utf-8")
    result = run_audit(tmp_path / "r", {"lab-1": NOT_ACTIVATED, "win-2": NOT_ACTIVATED}, waivers=str(waivers),
                       fail_on=["noncompliant"])
    assert result["summary"]["waived"] == 1
    assert result["gate"]["failed"] is True and result["gate"]["hosts"] == {"noncompliant": 1} and result["gate"]["waived"] == 1
    assert result["waivers"] == {"stale": ["waiver-2"], "expired": []}
    assert any("waiver 'waiver-2' waived nothing in this audit (stale)" in note for note in result["warnings"])


@pytest.mark.parametrize("content, message", [
    ("waivers:\n  - hosts: [a]\n", "waivers[0].justification: required"),
    ("waivers:\n  - hosts: [a]\n    justification: x\n    expires: tomorrow\n", "waivers[0].expires: expected an ISO date"),
    ("waivers: [\n", "waivers: cannot read the waiver file"),
])
def test_a_bad_waiver_file_fails_before_anything_is_written(tmp_path, content, message):
    waivers = tmp_path / "waivers.yml"
    waivers.write_text(content, encoding="utf-8")
    plugin, _connection = make_plugin({"verdicts": {}, "policy": {}, "dest": str(tmp_path / "r"), "waivers": str(waivers)})
    with pytest.raises(AnsibleActionFail) as caught:
        plugin.run(task_vars={})
    assert message in str(caught.value)
    assert not (tmp_path / "r").exists()


def test_update_baseline_needs_a_baseline_path(tmp_path):
    plugin, _connection = make_plugin({"verdicts": {}, "policy": {}, "dest": str(tmp_path), "update_baseline": True})
    with pytest.raises(AnsibleActionFail, match="^update_baseline: true needs baseline"):
        plugin.run(task_vars={})
