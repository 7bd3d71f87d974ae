# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Licensing over time, the pure decisions: change since the baseline, waivers, and the gate."""

from __future__ import annotations

from datetime import date

import pytest

from ansible_collections.licensing.windows.plugins.plugin_utils._audit.baseline import compare, count_changes, host_change
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.gate import evaluate_gate
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.waivers import WaiverError, apply_waivers, normalize_waivers

TODAY = date(2026, 12, 4)


def host(name, status="compliant", reasons=(), method="digital_license", **extra):
    return {"host": name, "status": status, "reasons": list(reasons), "summary": f"{name} {status}",
            "facts": {"method": method}, **extra}


@pytest.mark.parametrize("now, before, change", [
    (host("a"), None, "new"),
    (host("a", "noncompliant", ["not_activated"], "not_activated"), host("a"), "regressed"),
    (host("a", "unknown", ["unreachable"], None), host("a"), "regressed"),
    (host("a"), host("a", "noncompliant", ["not_activated"], "not_activated"), "resolved"),
    (host("a"), host("a"), "unchanged"),
    (host("a", method="subscription"), host("a"), "changed"),
    (host("a", "noncompliant", ["not_digital_entitlement", "grace_expiring"], "kms"),
     host("a", "noncompliant", ["not_digital_entitlement"], "kms"), "changed"),
    (host("a", "unknown", ["unreachable"], None), host("a", "noncompliant", ["not_activated"], "not_activated"), "changed"),
])
def test_each_host_gets_the_change_a_fleet_owner_asks_about(now, before, change):
    assert host_change(now, before) == change


def test_hosts_of_the_baseline_that_are_not_audited_any_more_are_gone_not_dropped():
    baseline = {"hosts": [host("a"), host("b", "noncompliant", ["not_activated"]), host("c")]}
    compared, gone = compare([host("a"), host("d")], baseline)
    assert [(item["host"], item["change"], item["baseline_status"]) for item in compared] == [
        ("a", "unchanged", "compliant"), ("d", "new", None)]
    assert gone == [{"host": "b", "baseline_status": "noncompliant", "baseline_summary": "b noncompliant"},
                    {"host": "c", "baseline_status": "compliant", "baseline_summary": "c compliant"}]
    assert count_changes(compared, gone) == {"new": 1, "regressed": 0, "resolved": 0, "changed": 0, "unchanged": 1, "gone": 2}


# --- waivers -----------------------------------------------------------------------------

GOOD = {"hosts": ["lab-*"], "reasons": ["evaluation"], "justification": "lab evaluations until the March refresh",
        "expires": "2027-03-31", "owner": "lab-team"}


@pytest.mark.parametrize("waivers, message", [
    ([{**GOOD, "justification": " "}], "waivers[0].justification: required: say why these findings are accepted"),
    ([{k: v for k, v in GOOD.items() if k != "justification"}], "waivers[0].justification: required"),
    ([{**GOOD, "expires": "31/03/2027"}], "waivers[0].expires: expected an ISO date such as 2027-03-31, got a string '31/03/2027'"),
    ([{**GOOD, "reasons": ["evaluaton"]}], "waivers[0].reasons[0]: unknown reason code 'evaluaton'; expected one of not_activated"),
    ([{**GOOD, "until": "2027-01-01"}], "waivers[0]: unknown key 'until'; expected some of id, hosts, groups, reasons"),
    ([{**GOOD, "id": "lab", "until": 1}], "waivers[0] (lab): unknown key 'until'"),
    ([{"justification": "x"}], "waivers[0]: expected hosts or groups (or both)"),
    ([{**GOOD, "hosts": [""]}], "waivers[0].hosts[0]: expected host names or pattern"),
    ([GOOD, {**GOOD, "id": "waiver-1"}], "waivers[1].id: 'waiver-1' is used by another waiver"),
    ("lab-*", "waivers: expected a list of waivers, got a string 'lab-*'"),
    ({"waiver": []}, "waivers file: unknown top-level key 'waiver'; expected 'waivers'"),
])
def test_a_malformed_waiver_is_an_error_that_names_the_entry_and_the_field(waivers, message):
    with pytest.raises(WaiverError) as caught:
        normalize_waivers(waivers)
    assert message in str(caught.value)


def test_waivers_are_completed_and_accept_yaml_dates():
    (entry,) = normalize_waivers({"waivers": [{**GOOD, "expires": date(2027, 3, 31)}]})
    assert entry == {"id": "waiver-1", "hosts": ["lab-*"], "groups": [], "reasons": ["evaluation"],
                     "justification": GOOD["justification"], "expires": "2027-03-31", "owner": "lab-team"}
    assert normalize_waivers({"waivers": [{"groups": "kms_clients", "justification": "accepted KMS debt"}]})[0]["reasons"] is None


def _apply(hosts, waivers, groups_of=None, today=TODAY):
    return apply_waivers(hosts, normalize_waivers(waivers), groups_of or {}, today)


def test_a_waiver_covers_hosts_by_name_pattern_or_group_and_keeps_the_real_status():
    hosts = [host("lab-1", "noncompliant", ["evaluation"], "evaluation"), host("kms-7", "noncompliant", ["not_digital_entitlement"], "kms"),
             host("pc-1", "noncompliant", ["not_activated"], "not_activated")]
    marked, block = _apply(hosts, [GOOD, {"id": "kms", "groups": ["kms_clients"], "justification": "accepted"}],
                           {"kms-7": ["kms_clients", "site_a"]})
    by_host = {item["host"]: item for item in marked}
    assert by_host["lab-1"]["waiver"] == {"state": "active", "ids": ["waiver-1"], "justification": GOOD["justification"],
                                          "owner": "lab-team", "expires": "2027-03-31"}
    assert by_host["lab-1"]["status"] == "noncompliant"
    assert by_host["kms-7"]["waiver"]["ids"] == ["kms"]
    assert by_host["pc-1"]["waiver"] is None
    assert block["stale"] == [] and block["expired"] == []
    assert [entry["waived_hosts"] for entry in block["entries"]] == [["lab-1"], ["kms-7"]]


def test_a_waiver_must_cover_every_reason_of_the_host():
    hosts = [host("lab-1", "noncompliant", ["evaluation", "grace_expiring"], "evaluation")]
    marked, block = _apply(hosts, [GOOD])
    assert marked[0]["waiver"] is None
    assert block["stale"] == ["waiver-1"]
    both = [GOOD, {"hosts": ["lab-1"], "reasons": ["grace_expiring"], "justification": "renewal booked"}]
    marked, block = _apply(hosts, both)
    assert marked[0]["waiver"]["ids"] == ["waiver-1", "waiver-2"]


def test_an_expired_waiver_stops_applying_and_says_so():
    hosts = [host("lab-1", "noncompliant", ["evaluation"], "evaluation")]
    marked, block = _apply(hosts, [{**GOOD, "expires": "2026-12-04"}])  # expires on the audit's day
    assert marked[0]["waiver"]["state"] == "expired"
    assert block["expired"] == ["waiver-1"] and block["stale"] == []
    assert block["entries"][0]["expired_hosts"] == ["lab-1"]


def test_a_waiver_that_waives_nothing_is_stale():
    marked, block = _apply([host("lab-1")], [GOOD, {"hosts": ["nowhere-*"], "justification": "old"}])
    assert marked[0]["waiver"] is None
    assert block["stale"] == ["waiver-1", "waiver-2"]


# --- gate ----------------------------------------------------------------------------------

def _report(hosts, baseline=True):
    return {"hosts": hosts, "baseline": {"generated_at": "2026-12-03T02:00:00Z"} if baseline else None}


def test_the_gate_counts_statuses_and_leaves_out_waived_hosts():
    waived = {"state": "active", "ids": ["w"], "justification": "j", "owner": None, "expires": None}
    hosts = [host("a", "noncompliant", ["not_activated"], change="unchanged", waiver=None),
             host("b", "noncompliant", ["not_activated"], change="new", waiver=waived),
             host("c", "unknown", ["unreachable"], change="regressed", waiver=None)]
    gate = evaluate_gate(_report(hosts), ["noncompliant", "unknown"])
    assert gate == {"failed": True, "hosts": {"noncompliant": 1, "unknown": 1}, "waived": 1, "new_only": False,
                    "message": "License audit gate: 1 host(s) noncompliant, 1 host(s) unknown. 1 waived host(s) not counted."}
    new_only = evaluate_gate(_report(hosts), ["noncompliant"], new_only=True)
    assert new_only["failed"] is False and new_only["hosts"] == {"noncompliant": 0}
    assert evaluate_gate(_report(hosts), [], new_only=True)["failed"] is False


def test_the_gate_on_new_problems_counts_new_and_regressed_hosts_only():
    hosts = [host("a", "noncompliant", ["not_activated"], change="unchanged", waiver=None),
             host("b", "noncompliant", ["not_activated"], change="regressed", waiver=None),
             host("c", "noncompliant", ["not_activated"], change="new", waiver=None)]
    gate = evaluate_gate(_report(hosts), ["noncompliant"], new_only=True)
    assert gate["hosts"] == {"noncompliant": 2}
    assert gate["message"] == ("License audit gate: 2 host(s) noncompliant (new or regressed since the baseline of "
                               "2026-12-03T02:00:00Z).")


def test_without_a_baseline_every_host_counts_as_new():
    hosts = [host("a", "noncompliant", ["not_activated"], change=None, waiver=None)]
    gate = evaluate_gate(_report(hosts, baseline=False), ["noncompliant"], new_only=True)
    assert gate["failed"] is True
    assert "(no baseline yet: every host counts as new)" in gate["message"]
