# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The report over time: baseline comparison and waivers in the document and every format, history, merging."""

from __future__ import annotations

import copy
import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest

from ansible_collections.licensing.windows.plugins.plugin_utils._audit.verdict import verdicts
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.waivers import normalize_waivers
from ansible_collections.licensing.windows.plugins.plugin_utils._report.history import (
    appended_history,
    history_record,
    policy_fingerprint,
    read_history,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._report.model import (
    ReportError,
    build_report,
    load_report,
    merge_reports,
    reannotate,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_csv import render_csv
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_json import render_json
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_junit import render_junit
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_markdown import render_markdown

BEFORE = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 12, 4, 2, 0, tzinfo=timezone.utc)


def facts(method="digital_license", digital=True, status="licensed"):
    return {"changed": False, "ansible_facts": {"windows_license": {
        "collected_at": "2026-12-04T02:00:00Z", "license_status": status, "license_status_reason": "0x00000000",
        "activation": {"method": method, "digital_license": digital},
        "product": {"channel": "retail", "partial_product_key": "3V66T", "edition": "Professional"},
        "os": {"caption": "Microsoft Windows 11 Pro", "is_server": False}, "grace_remaining_minutes": 0}}}


NOT_ACTIVATED = facts("not_activated", False, "unlicensed")
BEFORE_RESULTS = {"win-1": facts(), "win-2": facts(), "win-3": NOT_ACTIVATED, "win-4": facts(), "lab-1": NOT_ACTIVATED}
NOW_RESULTS = {"win-1": facts(), "win-2": NOT_ACTIVATED, "win-3": facts(), "win-5": NOT_ACTIVATED, "lab-1": NOT_ACTIVATED}


def report(results, moment, **kwargs):
    return build_report(verdicts(sorted(results), results, {}), {}, moment, "licensing.windows test", **kwargs)


@pytest.fixture
def baseline(tmp_path):
    path = tmp_path / "baseline.json"
    path.write_text(render_json(report(BEFORE_RESULTS, BEFORE)), encoding="utf-8")
    return load_report(str(path))


def test_every_host_has_its_change_and_the_gone_host_is_listed(baseline):
    current = report(NOW_RESULTS, NOW, baseline=baseline)
    changes = {item["host"]: (item["change"], item["baseline_status"]) for item in current["hosts"]}
    assert changes == {"win-1": ("unchanged", "compliant"), "win-2": ("regressed", "compliant"),
                       "win-3": ("resolved", "noncompliant"), "win-5": ("new", None), "lab-1": ("unchanged", "noncompliant")}
    assert current["baseline"]["generated_at"] == "2026-12-03T02:00:00Z"
    assert current["baseline"]["source"].endswith("baseline.json")
    assert [item["host"] for item in current["baseline"]["gone"]] == ["win-4"]
    assert current["summary"]["by_change"] == {"new": 1, "regressed": 1, "resolved": 1, "changed": 0, "unchanged": 2, "gone": 1}


def test_the_change_survives_a_round_trip_through_the_json_file(baseline, tmp_path):
    current = report(NOW_RESULTS, NOW, baseline=baseline, waivers=normalize_waivers(
        [{"hosts": ["lab-*"], "justification": "lab", "expires": "2027-01-31"}]))
    path = tmp_path / "now.json"
    path.write_text(render_json(current), encoding="utf-8")
    assert load_report(str(path)) == current


def test_a_schema_1_report_of_release_0_1_0_serves_as_a_baseline(tmp_path):
    old = json.loads(render_json(report(BEFORE_RESULTS, BEFORE)))
    old["schema"] = "licensing.windows.license_audit/1"
    for key in ("baseline", "waivers"):
        del old[key]
    for item in old["hosts"]:
        for key in ("change", "baseline_status", "waiver"):
            del item[key]
    for key in ("by_change", "waived"):
        del old["summary"][key]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    loaded = load_report(str(path))
    assert loaded["baseline"] is None and all(item["change"] is None for item in loaded["hosts"])
    assert report(NOW_RESULTS, NOW, baseline=loaded)["summary"]["by_change"]["regressed"] == 1


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["hosts"][0].update(change="worse"), "hosts[0].change: expected null or one of new, regressed"),
    (lambda d: d["hosts"][0].update(waiver="yes"), "hosts[0].waiver: expected null or an object, got a string 'yes'"),
    (lambda d: d.update(baseline={"gone": "x", "generated_at": "2026-12-03T02:00:00Z"}), "baseline.gone: expected a list of hosts"),
])
def test_a_report_with_bad_change_fields_is_rejected_naming_the_field(baseline, tmp_path, edit, message):
    document = json.loads(render_json(report(NOW_RESULTS, NOW, baseline=baseline)))
    edit(document)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        load_report(str(path))
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_every_format_carries_the_change_the_waiver_and_the_gone_host(baseline):
    current = report(NOW_RESULTS, NOW, baseline=baseline,
                     waivers=normalize_waivers([{"hosts": ["lab-*"], "justification": "lab evaluations", "id": "lab"}]))
    rows = {row["host"]: row for row in csv.DictReader(io.StringIO(render_csv(current), newline=""))}
    assert rows["win-2"]["change"] == "regressed" and rows["win-2"]["baseline_status"] == "compliant"
    assert rows["win-4"]["change"] == "gone" and rows["win-4"]["status"] == ""
    assert rows["lab-1"]["waiver"] == "active" and rows["lab-1"]["waiver_justification"] == "lab evaluations"

    suite = ET.fromstring(render_junit(current)).find("testsuite")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert cases["lab-1"].find("skipped").get("message") == "waived (lab): lab evaluations"
    assert cases["win-4"].find("skipped").get("message") == "gone since the baseline (was compliant)"
    assert cases["win-2"].find("failure") is not None
    assert cases["win-2"].find("properties/property").get("value") == "regressed"
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("6", "2", "2")

    markdown = render_markdown(current)
    opening = markdown.split("## Hosts by status", maxsplit=1)[0]
    assert "## Since the baseline of 2026-12-03T02:00:00Z" in opening
    assert "1 new, 1 regressed, 1 resolved, 0 changed, 2 unchanged, 1 gone." in opening
    # Host names are escaped for Markdown only where they hold Markdown punctuation ("-" is not).
    assert "| win-2 | regressed | noncompliant |" in opening and "| win-5 | new | noncompliant |" in opening
    assert "| win-4 | compliant |" in opening
    assert "## Waivers" in opening and "1 host waived." in opening


def test_slices_compared_with_the_same_baseline_merge_into_the_fleet_view(baseline):
    first = report({name: NOW_RESULTS[name] for name in ("win-1", "win-2", "lab-1")}, NOW, baseline=baseline)
    second = report({name: NOW_RESULTS[name] for name in ("win-3", "win-5")}, NOW, baseline=baseline)
    merged, _notes = merge_reports([first, second])
    whole = report(NOW_RESULTS, NOW, baseline=baseline)
    assert merged["hosts"] == whole["hosts"]
    assert merged["baseline"]["gone"] == whole["baseline"]["gone"]
    assert merged["summary"] == whole["summary"]


def test_a_merged_report_can_be_compared_afresh(baseline):
    merged, _notes = merge_reports([report(NOW_RESULTS, NOW)])
    assert merged["baseline"] is None
    fresh = reannotate(merged, baseline=baseline)
    assert fresh["summary"]["by_change"] == report(NOW_RESULTS, NOW, baseline=baseline)["summary"]["by_change"]


# --- history -------------------------------------------------------------------------------

def test_each_audit_appends_one_record_and_unreadable_lines_are_kept_and_reported(tmp_path, baseline):
    path = tmp_path / "license-audit-history.jsonl"
    first = history_record(report(BEFORE_RESULTS, BEFORE), duration_seconds=12.3456)
    content, records, notes = appended_history(path, first)
    path.write_bytes(content)
    assert records == [first] and notes == []
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("not json\n")
    second = history_record(report(NOW_RESULTS, NOW, baseline=baseline))
    content, records, notes = appended_history(path, second)
    path.write_bytes(content)
    assert records == [first, second]
    assert notes == [f"{path}: line 2 is not JSON (Expecting value: line 1 column 1 (char 0)); kept as it is, left out of the trend"]
    assert path.read_text().splitlines()[1] == "not json"
    assert read_history(path)[0][-1]["by_change"]["regressed"] == 1
    assert first["duration_seconds"] == 12.346 and first["total"] == 5
    assert first["policy"] == second["policy"] == policy_fingerprint(copy.deepcopy(report(NOW_RESULTS, NOW)["policy"]))
