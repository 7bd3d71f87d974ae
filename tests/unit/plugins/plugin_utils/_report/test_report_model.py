# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The report document: built from real verdicts, loaded back strictly, merged across slices."""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ansible_collections.licensing.windows.plugins.plugin_utils._audit.policy import normalize_policy
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.verdict import verdicts
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import REASONS, STATUSES
from ansible_collections.licensing.windows.plugins.plugin_utils._report import model as report_model
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_json import render_json
from ansible_collections.licensing.windows.plugins.plugin_utils._report.model import (
    SCHEMA,
    LoadedReport,
    ReportError,
    build_report,
    generator_name,
    load_report,
    merge_reports,
)

COLLECTION_ROOT = Path(__file__).resolve().parents[5]
GENERATED = datetime(2026, 11, 21, 10, 30, tzinfo=timezone.utc)
DAY = 1440


def facts(method="digital_license", digital=True, status="licensed", **extra) -> dict:
    base = {
        "collected_at": "2026-11-21T10:00:00Z",
        "license_status": status,
        "license_status_reason": "0x00000000",
        "activation": {"method": method, "digital_license": digital},
        "product": {"channel": "retail", "partial_product_key": "3V66T", "edition": "Professional",
                    "description": "Windows(R) Operating System, RETAIL channel"},
        "os": {"caption": "Microsoft Windows 11 Pro", "is_server": False},
        "grace_remaining_minutes": 0,
        "firmware_key": {"present": False},
    }
    base.update(extra)
    return {"changed": False, "ansible_facts": {"windows_license": base}}


RESULTS = {
    "win-1": facts(),
    "win-2": facts("product_key", False),
    "win-10": facts("kms", False, grace_remaining_minutes=4000 * DAY,
                    kms={"configured_host": None, "discovered_host": "kms01.example.com", "discovered_port": 1688,
                         "is_kms_host": False},
                    product={"channel": "volume_gvlk", "description": "Windows(R) Operating System, VOLUME_KMSCLIENT channel"}),
    "win-3": {"failed": True, "msg": "Access is denied.", "error_code": "access_denied"},
    "win-4": {"unreachable": True, "msg": "connection refused"},
    "win-5": facts("subscription", True),
}
POLICY = {"min_days_remaining": 10}


def sample_verdicts(results=None, policy=None) -> list[dict]:
    results = RESULTS if results is None else results
    return verdicts(sorted(results), results, POLICY if policy is None else policy)


def sample_report(**kwargs) -> dict:
    return build_report(sample_verdicts(**kwargs), POLICY, GENERATED, "licensing.windows 0.1.0")


# ---------------------------------------------------------------------------------------
# build_report
# ---------------------------------------------------------------------------------------


def test_report_document_shape_and_summary():
    report = sample_report()
    assert list(report) == ["schema", "generated_at", "generator", "policy", "summary", "baseline", "waivers", "hosts"]
    assert report["schema"] == SCHEMA == "licensing.windows.license_audit/2"
    assert report["baseline"] is None and report["waivers"] is None
    assert all(host["change"] is None and host["waiver"] is None for host in report["hosts"])
    assert report["generated_at"] == "2026-11-21T10:30:00Z"
    assert report["generator"] == "licensing.windows 0.1.0"
    assert report["policy"] == normalize_policy(POLICY)
    assert [host["host"] for host in report["hosts"]] == ["win-1", "win-2", "win-3", "win-4", "win-5", "win-10"]
    assert report["summary"] == {
        "total": 6,
        "by_status": {"compliant": 2, "noncompliant": 2, "unknown": 2},
        "by_method": {"digital_license": 1, "subscription": 1, "product_key": 1, "kms": 1, "not_collected": 2},
        "by_reason": {
            "not_activated": 0, "not_digital_entitlement": 2, "grace_expiring": 0, "evaluation": 0, "kms_unreachable": 0,
            "kms_host_unexpected": 0, "kms_validity_anomalous": 1, "unclassified": 0, "unreachable": 1, "collection_failed": 1,
        },
        "by_change": None,
        "waived": 0,
    }
    assert list(report["summary"]["by_status"]) == list(STATUSES)
    assert list(report["summary"]["by_reason"]) == list(REASONS)


def test_report_from_the_filter_mapping_equals_report_from_the_list():
    listed = sample_verdicts()
    mapped = {verdict["host"]: verdict for verdict in reversed(listed)}
    assert build_report(mapped, POLICY, GENERATED, "g") == build_report(listed, POLICY, GENERATED, "g")


def test_empty_report():
    report = build_report([], {}, GENERATED, "g")
    assert report["summary"] == {"total": 0, "by_status": dict.fromkeys(STATUSES, 0), "by_method": {},
                                 "by_reason": dict.fromkeys(REASONS, 0), "by_change": None, "waived": 0}
    assert report["hosts"] == []


@pytest.mark.parametrize(
    "moment, expected",
    [
        (datetime(2026, 11, 21, 12, 0, tzinfo=timezone(timedelta(hours=2))), "2026-11-21T10:00:00Z"),
        (datetime(2026, 11, 21, 10, 0, 5, 999), "2026-11-21T10:00:05Z"),  # naive: taken as UTC
        ("2026-11-21T10:00:00Z", "2026-11-21T10:00:00Z"),
        ("2026-11-21T05:00:00-05:00", "2026-11-21T10:00:00Z"),
    ],
)
def test_generated_at_is_stored_as_utc(moment, expected):
    assert build_report([], {}, moment, "g")["generated_at"] == expected


def one_verdict() -> dict:
    return copy.deepcopy(sample_verdicts({"win-1": RESULTS["win-1"]})[0])


def _broken(change) -> dict:
    verdict = one_verdict()
    change(verdict)
    return verdict


@pytest.mark.parametrize(
    "verdict, message",
    [
        (_broken(lambda v: v.update(status="fine")),
         "verdicts[0].status: expected one of compliant, noncompliant, unknown, got a string 'fine'"),
        (_broken(lambda v: v.pop("status")), "verdicts[0].status: missing; expected one of compliant, noncompliant, unknown"),
        (_broken(lambda v: v.update(host="")), "verdicts[0].host: expected a non-empty string, got a string ''"),
        (_broken(lambda v: v.update(reasons=["bad_reason"])),
         "verdicts[0].reasons[0]: expected one of " + ", ".join(REASONS) + ", got a string 'bad_reason'"),
        (_broken(lambda v: v.update(reasons="unreachable")), "verdicts[0].reasons: expected a list of reason codes, got a string 'unreachable'"),
        (_broken(lambda v: v.update(remediation=[1])), "verdicts[0].remediation[0]: expected a string, got an integer 1"),
        (_broken(lambda v: v.update(summary=None)), "verdicts[0].summary: expected a string, got null None"),
        (_broken(lambda v: v.update(error={"code": "x"})), "verdicts[0].error.message: missing; expected a string"),
        (_broken(lambda v: v.update(error="boom")), "verdicts[0].error: expected an object, got a string 'boom'"),
        (_broken(lambda v: v["facts"].pop("kms_host")), "verdicts[0].facts.kms_host: missing; expected a string or null"),
        (_broken(lambda v: v["facts"].update(grace_days_remaining="12")),
         "verdicts[0].facts.grace_days_remaining: expected an integer or null, got a string '12'"),
        (_broken(lambda v: v["facts"].update(is_server="no")), "verdicts[0].facts.is_server: expected a boolean or null, got a string 'no'"),
        (_broken(lambda v: v["facts"].update(grace_days_remaining=True)),
         "verdicts[0].facts.grace_days_remaining: expected an integer or null, got a boolean True"),
        ("not a verdict", "verdicts[0]: expected an object, got a string 'not a verdict'"),
    ],
)
def test_bad_verdicts_are_rejected_naming_the_field(verdict, message):
    with pytest.raises(ReportError) as caught:
        build_report([verdict], {}, GENERATED, "g")
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "args, message",
    [
        (("nope", {}, GENERATED, "g"), "verdicts: expected a list of verdicts or a dictionary of host name to verdict, got a string"),
        (([], {"min_days_remaining": -3}, GENERATED, "g"), "policy.min_days_remaining: expected a non-negative integer, got -3"),
        (([], "strict", GENERATED, "g"), "policy: expected an object, got a string 'strict'"),
        (([], {}, "yesterday", "g"), "generated_at: expected an ISO-8601 date and time such as 2026-11-21T10:00:00Z, got 'yesterday'"),
        (([], {}, GENERATED, ""), "generator: expected a non-empty string, got a string ''"),
    ],
)
def test_bad_report_arguments(args, message):
    with pytest.raises(ReportError) as caught:
        build_report(*args)
    assert str(caught.value) == message


def test_text_is_made_safe_once_for_every_format():
    verdict = one_verdict()
    verdict["summary"] = "line one\nline two\x00\x1b[31m key ABCDE-FGHIJ-KLMNO-PQRST-VWXYZ " + "x" * 1000
    verdict["remediation"] = ["step\r\none", "lone \ud800 surrogate", "\u202eevil"] + [f"step {n}" for n in range(40)]
    verdict["facts"]["os_caption"] = "y" * 1000
    report = build_report([verdict], {}, GENERATED, "g")
    host = report["hosts"][0]
    assert host["summary"].startswith("line one line two  [31m key *****-*****-*****-*****-VWXYZ x")
    assert len(host["summary"]) == report_model.SUMMARY_MAX_CHARS
    assert host["summary"].endswith("…[truncated]")
    assert host["remediation"][:3] == ["step  one", "lone \ufffd surrogate", "\ufffdevil"]
    assert len(host["remediation"]) == report_model.REMEDIATION_MAX_STEPS
    assert host["remediation"][-1] == "…[truncated] 19 more steps"
    assert len(host["facts"]["os_caption"]) == report_model.FACT_MAX_CHARS
    render_json(report).encode("utf-8")  # no lone surrogate survives


def test_hosts_that_only_differ_in_removed_characters_stay_distinct():
    first, second = one_verdict(), one_verdict()
    first["host"], second["host"] = "win-1\x00", "win-1\x07"
    report = build_report([first, second], {}, GENERATED, "g")
    assert [host["host"] for host in report["hosts"]] == ["win-1", "win-1 [2]"]


def test_generator_name_reads_the_collection_version():
    version = re.search(r"^version:\s*(\S+)", (COLLECTION_ROOT / "galaxy.yml").read_text(), re.MULTILINE).group(1)
    assert generator_name() == f"licensing.windows {version}"


# ---------------------------------------------------------------------------------------
# load_report
# ---------------------------------------------------------------------------------------


def test_round_trip_through_json_text_path_and_bytes(tmp_path):
    report = sample_report()
    path = tmp_path / "license-audit.json"
    path.write_text(render_json(report), encoding="utf-8")
    from_path = load_report(path)
    assert from_path == report
    assert isinstance(from_path, LoadedReport) and from_path.source == str(path)
    assert load_report(str(path)) == report
    assert load_report(render_json(report)) == report
    assert load_report(b"\xef\xbb\xbf" + render_json(report).encode()) == report  # a BOM is tolerated


def test_summary_is_recomputed_not_trusted():
    edited = json.loads(render_json(sample_report()))
    edited["summary"]["by_status"]["compliant"] = 99
    edited["hosts"] = edited["hosts"][:2]
    loaded = load_report(json.dumps(edited))
    assert loaded["summary"]["total"] == 2
    assert loaded["summary"]["by_status"] == {"compliant": 1, "noncompliant": 1, "unknown": 0}


def write(tmp_path, text, name="license-audit.json") -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return str(path)


def document_text(change=None) -> str:
    data = json.loads(render_json(sample_report()))
    if change:
        change(data)
    return json.dumps(data)


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"schema": "licensing.windows.license_audit/1", "hosts": [', "not valid JSON (line 1, column 59: Expecting value)"),
        ("", "not valid JSON (line 1, column 1: Expecting value)"),
        ("[1, 2]", "expected a JSON object (a license-audit.json report), got a list"),
        ('{"name": "left-pad", "version": "1.3.0"}',
         "not a license audit report: the 'schema' field is missing (expected 'licensing.windows.license_audit/2')"),
        (document_text(lambda d: d.update(schema="licensing.windows.license_audit/3")),
         "schema: expected one of 'licensing.windows.license_audit/2', 'licensing.windows.license_audit/1', "
         "got 'licensing.windows.license_audit/3'"),
        (document_text(lambda d: d.pop("hosts")), "hosts: missing; expected a list of verdicts"),
        (document_text(lambda d: d.pop("generated_at")), "generated_at: missing; expected a date and time"),
        (document_text(lambda d: d.update(generated_at="soon")),
         "generated_at: expected an ISO-8601 date and time such as 2026-11-21T10:00:00Z, got 'soon'"),
        (document_text(lambda d: d.update(hosts={})), "hosts: expected a list of verdicts, got an object {}"),
        (document_text(lambda d: d["hosts"][2]["facts"].update(grace_days_remaining="abc")),
         "hosts[2].facts.grace_days_remaining: expected an integer or null, got a string 'abc'"),
        (document_text(lambda d: d["hosts"][0].pop("reasons")), "hosts[0].reasons: missing; expected a list of reason codes"),
        (document_text(lambda d: d["hosts"].append(d["hosts"][0])), "hosts[6].host: host 'win-1' appears more than once"),
        (document_text(lambda d: d["policy"].update(min_days_remaining=-1)),
         "policy.min_days_remaining: expected a non-negative integer, got -1"),
        (document_text(lambda d: d["summary"].update(total="6")), "summary.total: expected an integer, got '6'"),
        (document_text(lambda d: d["summary"].pop("by_reason")), "summary.by_reason: missing; expected an object"),
        (document_text(lambda d: d["summary"]["by_status"].update(compliant=-1)),
         "summary.by_status.compliant: expected a non-negative integer, got -1"),
        ('{"schema": "licensing.windows.license_audit/1", "schema": "x"}',
         "not a valid report: duplicate key 'schema' in a JSON object"),
        ('{"schema": "licensing.windows.license_audit/1", "n": NaN}', "not a valid report: NaN is not a valid JSON value"),
        (b"\xff\xfe{\x00}\x00", "not UTF-8 text (byte 0); expected a license-audit.json report"),
    ],
)
def test_bad_files_are_rejected_naming_file_field_and_expectation(tmp_path, content, message):
    path = write(tmp_path, content)
    with pytest.raises(ReportError) as caught:
        load_report(path)
    assert str(caught.value) == f"{path}: {message}"


def test_missing_file(tmp_path):
    with pytest.raises(ReportError) as caught:
        load_report(tmp_path / "absent.json")
    assert str(caught.value) == f"{tmp_path / 'absent.json'}: cannot read the report: No such file or directory"


def test_oversized_file_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(report_model, "MAX_REPORT_BYTES", 1024 * 1024)
    path = write(tmp_path, " " * (1024 * 1024 + 1))
    with pytest.raises(ReportError, match=r"larger than 1 MiB; not a license audit report$"):
        load_report(path)


def test_deeply_nested_json_is_refused(tmp_path):
    path = write(tmp_path, "[" * 100000 + "]" * 100000)
    with pytest.raises(ReportError, match=r"(nested too deeply|expected a JSON object)"):
        load_report(path)


# ---------------------------------------------------------------------------------------
# merge_reports
# ---------------------------------------------------------------------------------------


def slice_file(tmp_path, name, hosts, generated=GENERATED, policy=None, results=None) -> str:
    results = RESULTS if results is None else results
    chosen = {host: results[host] for host in hosts}
    report = build_report(sample_verdicts(chosen, policy), POLICY if policy is None else policy, generated, "licensing.windows 0.1.0")
    return write(tmp_path, render_json(report), name)


def test_merge_of_disjoint_slices_is_the_whole_fleet(tmp_path):
    first = slice_file(tmp_path, "slice-1.json", ["win-1", "win-2", "win-3"])
    second = slice_file(tmp_path, "slice-2.json", ["win-4", "win-5", "win-10"], generated=GENERATED + timedelta(minutes=5))
    merged, notes = merge_reports([load_report(first), load_report(second)])
    assert notes == []
    whole = sample_report()
    assert merged["hosts"] == whole["hosts"]
    assert merged["summary"] == whole["summary"]
    assert merged["policy"] == whole["policy"]
    assert merged["generated_at"] == "2026-11-21T10:35:00Z"  # the most recent slice
    assert merged["generator"] == generator_name()
    assert load_report(render_json(merged))["hosts"] == merged["hosts"]  # a merged report loads again


def test_host_in_several_slices_keeps_the_most_recent_record(tmp_path):
    old = slice_file(tmp_path, "old.json", ["win-1", "win-2"], results={**RESULTS, "win-2": {"unreachable": True, "msg": "down"}})
    new = slice_file(tmp_path, "new.json", ["win-2", "win-3"], generated=GENERATED + timedelta(hours=1))
    # The newer report first: the order of the list does not decide, the dates do.
    merged, notes = merge_reports([load_report(new), load_report(old)])
    win2 = next(host for host in merged["hosts"] if host["host"] == "win-2")
    assert win2["status"] == "noncompliant"  # the newer record, not the unreachable one
    assert merged["summary"]["total"] == 3
    assert notes == [
        f"host 'win-2' is in several reports: {new} (2026-11-21T11:30:00Z), {old} (2026-11-21T10:30:00Z); "
        f"kept the record from {new}, the most recent"
    ]


def test_equal_dates_keep_the_later_report_in_the_list(tmp_path):
    first = slice_file(tmp_path, "a.json", ["win-2"], results={"win-2": {"unreachable": True, "msg": "down"}})
    second = slice_file(tmp_path, "b.json", ["win-2"])
    merged, notes = merge_reports([load_report(first), load_report(second)])
    assert merged["hosts"][0]["status"] == "noncompliant"
    assert notes == [
        f"host 'win-2' is in several reports: {first} (2026-11-21T10:30:00Z), {second} (2026-11-21T10:30:00Z); "
        f"kept the record from {second}, the last of the most recent in the list"
    ]


def test_reports_with_different_policies_do_not_merge(tmp_path):
    first = slice_file(tmp_path, "a.json", ["win-1"])
    second = slice_file(tmp_path, "b.json", ["win-2"], policy={"min_days_remaining": 30, "allow_evaluation": True})
    with pytest.raises(ReportError) as caught:
        merge_reports([load_report(first), load_report(second)])
    assert str(caught.value) == (
        f"{second} was made with a different policy than {first}: min_days_remaining is 10 in one but 30 in the other; "
        "allow_evaluation is false in one but true in the other. Merge only reports made with the same policy."
    )


def test_merge_checks_reports_given_as_dictionaries():
    report = sample_report()
    merged, notes = merge_reports([report])
    assert (merged["hosts"], notes) == (report["hosts"], [])
    broken = copy.deepcopy(report)
    broken["hosts"][0]["status"] = "great"
    with pytest.raises(ReportError, match=r"^report 2: hosts\[0\]\.status: expected one of compliant, noncompliant, unknown"):
        merge_reports([report, broken])


@pytest.mark.parametrize("reports", [[], "license-audit.json", None])
def test_merge_needs_a_list_of_reports(reports):
    with pytest.raises(ReportError, match=r"^merge: expected a list of at least one report$"):
        merge_reports(reports)
