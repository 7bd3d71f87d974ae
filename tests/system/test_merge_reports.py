# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sliced audits merged into one fleet report, the way docs/awx.md runs them on AWX.

The fleet is audited in two slices (--limit, as AWX job slicing hands each job a share of
the inventory, each slice writing to its own spool directory named after its job id), the
slices are merged with playbooks/merge_reports.yml and with the docs' merge_slices.yml, and
both merged reports must equal a single audit of the whole fleet: every host once, in
every format, with the same verdicts.
"""

from __future__ import annotations

import json
import re

import yaml
from conftest import ROOT, run_playbook
from reports import FILE_NAMES, assert_every_host_once, read_reports

AWX_EXAMPLES = ROOT / "docs" / "examples" / "awx"

FLEET = {
    "defaults": {"listen": "ephemeral"},
    "hosts": [
        {"name": "ws-01", "profile": "digital_license_pro"},
        {"name": "ws-02", "profile": "retail_key"},
        {"name": "ws-03", "profile": "kms_client"},
        {"name": "ws-04", "profile": "oem_firmware_key"},
        {"name": "ws-05", "profile": "not_activated"},
        {"name": "ws-06", "profile": "evaluation_client"},
        {"name": "srv-01", "profile": "server_2022_retail", "auth": "ntlm"},
        {"name": "srv-02", "profile": "kms_host", "auth": "ntlm"},
        {"name": "den-01", "profile": "wmi_access_denied"},
        {"name": "down-01", "profile": "digital_license_pro", "fault": "not_listening"},
    ],
}


def ran(completed) -> str:
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    return completed.stdout + completed.stderr


def test_merged_slices_equal_one_audit_of_the_whole_fleet(fleet_factory, collections_path, tmp_path):
    fleet = fleet_factory(FLEET)
    hosts = sorted(yaml.safe_load(fleet.inventory.read_text(encoding="utf-8"))["all"]["children"]["windows"]["hosts"])
    # AWX deals hosts to slices round-robin; any split into disjoint halves will do.
    slices = {"101": hosts[0::2], "102": hosts[1::2]}
    spool = tmp_path / "spool"

    whole = tmp_path / "whole"
    ran(run_playbook(collections_path, fleet.inventory, "licensing.windows.audit", extra_vars={"license_audit_report_dir": str(whole)}))
    for job_id, members in slices.items():
        ran(run_playbook(collections_path, fleet.inventory, AWX_EXAMPLES / "audit_slice.yml", "--limit", ",".join(members),
                         extra_vars={"license_audit_spool": str(spool), "awx_job_id": int(job_id)}))
    for job_id, members in slices.items():
        assert sorted(read_reports(spool / f"job-{job_id}").json_hosts) == members

    # The merge playbook, given the slices' JSON reports.
    merged = tmp_path / "merged"
    merge_output = ran(run_playbook(
        collections_path, fleet.inventory, "licensing.windows.merge_reports",
        extra_vars={"license_audit_merge": [str(spool / f"job-{job_id}" / FILE_NAMES["json"]) for job_id in slices],
                    "license_audit_report_dir": str(merged)},
    ))
    assert "is in several reports" not in merge_output

    # The AWX example: merge whatever is in the spool, then empty the spool into the archive.
    fleet_dir, archive = tmp_path / "fleet", tmp_path / "archive"
    ran(run_playbook(collections_path, fleet.inventory, AWX_EXAMPLES / "merge_slices.yml", extra_vars={
        "license_audit_spool": str(spool), "license_audit_fleet_dir": str(fleet_dir), "license_audit_archive": str(archive),
        "awx_job_id": 103}))
    assert list(spool.iterdir()) == []
    assert sorted(path.name for path in (archive / "merge-103").iterdir()) == ["job-101", "job-102"]

    single = read_reports(whole)
    assert_every_host_once(single, set(hosts))
    assert len(set(single.statuses().values())) == 3  # the fleet has compliant, noncompliant and unknown hosts
    for merged_dir in (merged, fleet_dir):
        result = read_reports(merged_dir)
        assert_every_host_once(result, set(hosts))
        assert result.verdicts() == single.verdicts()
        assert result.document["summary"] == single.document["summary"]
        assert result.document["policy"] == single.document["policy"]
        assert sorted(result.csv_view(), key=json.dumps) == sorted(single.csv_view(), key=json.dumps)
        assert sorted(result.junit_cases) == sorted(single.junit_cases)
        assert result.html_cells.keys() >= set(hosts)
        assert result.markdown_attention == single.markdown_attention


def test_awx_page_shows_the_tested_playbooks():
    page = (ROOT / "docs" / "awx.md").read_text(encoding="utf-8")
    blocks = [block.strip() for block in re.findall(r"^```yaml\n(.*?)^```", page, re.MULTILINE | re.DOTALL)]
    for example in ("audit_slice.yml", "merge_slices.yml"):
        assert (AWX_EXAMPLES / example).read_text(encoding="utf-8").strip() in blocks, f"docs/awx.md must show {example} as it is"
