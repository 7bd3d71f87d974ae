# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The Prometheus textfile, parsed back with prometheus-client's own parser."""

from __future__ import annotations

import copy
import sys
from datetime import datetime, timezone

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ansible_collections.licensing.windows.plugins.plugin_utils._audit.verdict import verdicts
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.waivers import normalize_waivers
from ansible_collections.licensing.windows.plugins.plugin_utils._report import render_prometheus as prometheus
from ansible_collections.licensing.windows.plugins.plugin_utils._report.model import (
    RenderContext,
    ReportError,
    build_report,
    load_report,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_json import render_json
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_prometheus import render_prometheus
from ansible_collections.licensing.windows.plugins.plugin_utils._report.writer import write_reports
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import CHANGES, REASONS, STATUSES
from ansible_collections.licensing.windows.tests.unit.plugins.plugin_utils._report.sample_results import registered_facts as facts

GENERATED = datetime(2026, 11, 21, 10, 30, tzinfo=timezone.utc)
BASELINE_GENERATED = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
DAY = 1440
P = "windows_license_audit_"


# Every status; one host in a grace period, one regressed since the baseline, one waived.
RESULTS = {
    "win-ok": facts(),
    "win-sub": facts("subscription", True),
    "win-key": facts("product_key", False),
    "win-grace": facts("not_activated", False, status="oob_grace", grace_remaining_minutes=5 * DAY + 30,
                       grace_expires_at="2026-11-26T10:30:00Z"),
    "win-lab": facts("product_key", False),
    "win-lost": {"unreachable": True, "msg": "connection refused"},
    "win-denied": {"failed": True, "msg": "Access is denied.", "error_code": "access_denied"},
}
# Last night: win-key still had its digital license, win-sub was not audited, win-old still existed.
BASELINE_RESULTS = {**{name: result for name, result in RESULTS.items() if name != "win-sub"},
                    "win-key": facts(), "win-old": facts()}
WAIVERS = [{"id": "lab-keys", "hosts": ["win-lab"], "justification": "lab machines keep retail keys", "owner": "ops",
            "expires": "2027-06-30"}]


def plain_report(results=None) -> dict:
    results = RESULTS if results is None else results
    return build_report(verdicts(list(results), results, {}), {}, GENERATED, "licensing.windows 0.1.0")


def fleet_report() -> dict:
    baseline = build_report(verdicts(list(BASELINE_RESULTS), BASELINE_RESULTS, {}), {}, BASELINE_GENERATED, "g")
    return build_report(verdicts(list(RESULTS), RESULTS, {}), {}, GENERATED, "licensing.windows 0.1.0",
                        baseline=load_report(render_json(baseline)), waivers=normalize_waivers(WAIVERS))


def parse(text: str) -> dict:
    """{metric name: family} of the exposition text."""
    return {family.name: family for family in text_string_to_metric_families(text)}


def samples(text: str) -> dict:
    """{(sample name, frozenset of labels): value} of the exposition text."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(parsed: dict, name: str, **labels):
    return parsed.get((name, frozenset(labels.items())))


FLEET_TEXT = render_prometheus(fleet_report(), RenderContext(duration_seconds=42.5))
FLEET = samples(FLEET_TEXT)


@pytest.mark.parametrize(
    "name, labels, expected",
    [
        ("hosts", {}, 7),
        ("status_hosts", {"status": "compliant"}, 2),
        ("status_hosts", {"status": "noncompliant"}, 3),
        ("status_hosts", {"status": "unknown"}, 2),
        ("method_hosts", {"method": "digital_license"}, 1),
        ("method_hosts", {"method": "subscription"}, 1),
        ("method_hosts", {"method": "product_key"}, 2),
        ("method_hosts", {"method": "not_activated"}, 1),
        ("method_hosts", {"method": "not_collected"}, 2),
        ("method_hosts", {"method": "kms"}, None),  # only the methods present
        ("reason_hosts", {"reason": "not_digital_entitlement"}, 2),
        ("reason_hosts", {"reason": "not_activated"}, 1),
        ("reason_hosts", {"reason": "grace_expiring"}, 1),
        ("reason_hosts", {"reason": "unreachable"}, 1),
        ("reason_hosts", {"reason": "collection_failed"}, 1),
        ("reason_hosts", {"reason": "evaluation"}, 0),  # every reason, zeros included
        ("change_hosts", {"change": "new"}, 1),
        ("change_hosts", {"change": "regressed"}, 1),
        ("change_hosts", {"change": "unchanged"}, 5),
        ("change_hosts", {"change": "gone"}, 1),
        ("change_hosts", {"change": "resolved"}, 0),
        ("waived_hosts", {}, 1),
        ("duration_seconds", {}, 42.5),
        ("last_success_timestamp_seconds", {}, GENERATED.timestamp()),
        ("host_status", {"host": "win-ok", "status": "compliant"}, 1),
        ("host_status", {"host": "win-ok", "status": "noncompliant"}, 0),
        ("host_status", {"host": "win-ok", "status": "unknown"}, 0),
        ("host_status", {"host": "win-key", "status": "noncompliant"}, 1),
        ("host_status", {"host": "win-lost", "status": "unknown"}, 1),
        ("host_status", {"host": "win-lost", "status": "compliant"}, 0),
        ("host_status", {"host": "win-old", "status": "compliant"}, None),  # gone: not in the report's hosts
        ("host_grace_remaining_seconds", {"host": "win-grace"}, 5 * 86400),
        ("host_grace_remaining_seconds", {"host": "win-ok"}, None),  # permanent: no countdown, no series
        ("host_grace_remaining_seconds", {"host": "win-lost"}, None),  # facts never collected
    ],
)
def test_fleet_metrics(name, labels, expected):
    assert value(FLEET, P + name, **labels) == expected


def test_every_metric_is_a_documented_prefixed_gauge():
    families = parse(FLEET_TEXT)
    assert list(families) == [P + name for name in prometheus.METRICS]
    for family in families.values():
        assert family.type == "gauge"
        assert family.documentation
        assert not family.name.endswith("_total")
        assert "days" not in family.name  # base units only


def test_the_state_set_has_one_series_per_status_and_exactly_one_set():
    report = fleet_report()
    for host in report["hosts"]:
        states = {status: value(FLEET, P + "host_status", host=host["host"], status=status) for status in STATUSES}
        assert states == {status: (1 if status == host["status"] else 0) for status in STATUSES}


def test_fleet_counts_add_up():
    assert sum(value(FLEET, P + "status_hosts", status=status) for status in STATUSES) == value(FLEET, P + "hosts")
    method_total = sum(v for (name, _labels), v in FLEET.items() if name == P + "method_hosts")
    assert method_total == value(FLEET, P + "hosts")
    assert {dict(labels)["reason"] for (name, labels) in FLEET if name == P + "reason_hosts"} == set(REASONS)
    assert {dict(labels)["change"] for (name, labels) in FLEET if name == P + "change_hosts"} == set(CHANGES)


@pytest.mark.parametrize(
    "context, absent, present",
    [
        (RenderContext(), {"change_hosts", "duration_seconds"}, {"host_status", "last_success_timestamp_seconds"}),
        (RenderContext(duration_seconds=0.25), {"change_hosts"}, {"duration_seconds"}),
        (RenderContext(per_host_metrics=False), {"change_hosts", "duration_seconds", "host_status",
                                                 "host_grace_remaining_seconds"}, {"status_hosts"}),
    ],
)
def test_metrics_only_when_known(context, absent, present):
    names = set(parse(render_prometheus(plain_report(), context)))
    assert not {P + name for name in absent} & names
    assert {P + name for name in present} <= names


def test_per_host_off_leaves_no_host_label_at_all():
    text = render_prometheus(fleet_report(), RenderContext(per_host_metrics=False))
    parsed = samples(text)
    assert parsed, "the fleet counts are still there"
    assert all("host" not in dict(labels) for _name, labels in parsed)
    assert "host=" not in text
    assert "win-ok" not in text


def test_the_file_ends_in_one_newline():
    for report in (fleet_report(), plain_report({})):
        text = render_prometheus(report)
        assert text.endswith("\n") and not text.endswith("\n\n")


def test_an_empty_report_still_says_when_it_ran():
    parsed = samples(render_prometheus(plain_report({})))
    assert value(parsed, P + "hosts") == 0
    assert value(parsed, P + "last_success_timestamp_seconds") == GENERATED.timestamp()
    assert not any(name == P + "host_status" for name, _labels in parsed)


HOSTILE_NAMES = [
    ('quote"and\\backslash', 'quote"and\\backslash'),
    ("line\nbreak", "line break"),
    ("bell\x07inside", "bell inside"),
    ("bidi\u202eoverride", "bidi\ufffdoverride"),
    ("trailing\t", "trailing"),
]


@pytest.mark.parametrize("raw, label", HOSTILE_NAMES)
def test_host_label_values_are_cleaned_and_round_trip(raw, label):
    report = plain_report({"win-ok": RESULTS["win-ok"]})
    report["hosts"][0]["host"] = raw  # as a hand-made report could hold it: the renderer cleans again
    text = render_prometheus(report)
    assert value(samples(text), P + "host_status", host=label, status="compliant") == 1
    assert "\u202e" not in text and "\x07" not in text


def test_a_product_key_in_a_host_name_is_masked_in_the_label():
    report = plain_report({"win-ok": RESULTS["win-ok"]})
    report["hosts"][0]["host"] = "VK7JG-NPHTM-C97JM-9MPGT-3V66T"
    text = render_prometheus(report)
    assert "VK7JG-NPHTM-C97JM-9MPGT" not in text
    hosts = {dict(labels)["host"] for name, labels in samples(text) if name == P + "host_status"}
    assert len(hosts) == 1 and hosts.pop().endswith("3V66T")


def test_names_that_clean_to_the_same_label_stay_distinct_series():
    report = plain_report({"win-1": RESULTS["win-ok"], "win-2": RESULTS["win-key"]})
    report = copy.deepcopy(report)
    report["hosts"][1]["host"] = "win-1\x07"
    parsed = samples(render_prometheus(report))
    assert value(parsed, P + "host_status", host="win-1", status="compliant") == 1
    assert value(parsed, P + "host_status", host="win-1 [2]", status="noncompliant") == 1


def test_a_method_label_is_cleaned_too():
    report = plain_report({"win-ok": RESULTS["win-ok"]})
    report["summary"]["by_method"] = {"odd\nmethod": 1}
    assert value(samples(render_prometheus(report)), P + "method_hosts", method="odd method") == 1


@pytest.fixture
def without_prometheus_client(monkeypatch):
    """As on a controller where prometheus-client is not installed: importing it fails."""
    for name in list(sys.modules):
        if name == "prometheus_client" or name.startswith("prometheus_client."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "prometheus_client", None)


def test_without_the_library_the_error_names_the_format_and_the_fix(without_prometheus_client):
    with pytest.raises(ReportError) as caught:
        render_prometheus(plain_report())
    message = str(caught.value)
    assert message.startswith("formats: the prometheus format needs the Python package prometheus-client")
    assert "pip install prometheus-client" in message


def test_without_the_library_other_formats_still_write_and_prometheus_writes_nothing(without_prometheus_client, tmp_path):
    assert list(write_reports(plain_report(), tmp_path / "ok", ["json", "markdown"])) == ["json", "markdown"]
    with pytest.raises(ReportError, match="pip install prometheus-client"):
        write_reports(plain_report(), tmp_path / "with-prom", ["json", "prometheus"])
    assert not (tmp_path / "with-prom").exists()
