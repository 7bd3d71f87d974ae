#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds documentation only: the implementation is the action plugin
# plugins/action/license_report.py, which runs on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: license_report
short_description: Write Windows license audit reports, or merge several into one
version_added: 0.1.0
description:
  - Writes the fleet reports of a license audit on the controller, once per run, in any of six formats
    (C(license-audit.json), C(license-audit.csv), C(license-audit.html), C(license-audit-junit.xml), C(license-audit.md),
    and C(license-audit.prom) for the Prometheus node_exporter and windows_exporter textfile collectors).
  - With O(baseline) every host is compared with its record in an earlier C(license-audit.json) and marked C(new),
    C(regressed), C(resolved), C(changed) or C(unchanged); hosts of the baseline that are no longer audited are listed
    as C(gone) in every report. With O(update_baseline) the report is then kept as the next run's baseline.
  - With O(waivers) accepted findings are marked waived, with their justification, in every report, and do not trip
    the gate (RV(gate)); a waiver stops applying on its C(expires) date. The waiver file is checked before anything is
    written; an error names the waiver and the field.
  - Each run appends one summary record to C(license-audit-history.jsonl) in O(dest) (see O(history)); the HTML report
    shows the trend of the last O(history_length) audits.
  - With O(verdicts) and O(policy) it reports the verdicts that the P(licensing.windows.license_verdicts#filter) filter
    computed; the role P(licensing.windows.license_audit#role) does this for you.
  - With O(merge) it reads several C(license-audit.json) reports, for example one per AWX job slice, and writes one
    fleet report from them in every format. The reports must have been made with the same policy; a host found in
    more than one report keeps its most recent record and a warning says so.
  - Every file is written atomically (a temporary file in the same directory, then renamed), so an interrupted run
    never leaves a truncated report in place of the previous one.
  - Values that come from hosts are escaped for each format (HTML, CSV formula injection, XML) and very long values are
    cut with a visible marker.
options:
  verdicts:
    description:
      - The verdicts to report, as returned by the P(licensing.windows.license_verdicts#filter) filter (a dictionary of
        host name to verdict) or a list of verdicts.
      - Mutually exclusive with O(merge); requires O(policy).
    type: raw
  policy:
    description:
      - The policy the verdicts were computed with; it is recorded in the reports.
      - Keys as in P(licensing.windows.license_verdicts#filter).
      - Required with O(verdicts); mutually exclusive with O(merge).
    type: dict
  merge:
    description:
      - Paths of C(license-audit.json) reports to merge into one.
      - Mutually exclusive with O(verdicts) and O(policy). One of O(verdicts) and O(merge) is required.
    type: list
    elements: path
  dest:
    description: Directory on the controller to write the reports to. It is created if missing.
    type: path
    required: true
  formats:
    description:
      - Formats to write.
      - V(prometheus) needs the Python package C(prometheus-client) on the controller.
    type: list
    elements: str
    choices: [json, csv, html, junit, markdown, prometheus]
    default: [json, csv, html, junit, markdown, prometheus]
  baseline:
    description:
      - An earlier C(license-audit.json) to compare every host with (the report of last night's audit, say).
      - A report of licensing.windows 0.1.0 (schema 1) can serve as a baseline.
      - A missing file is an error, except with O(update_baseline) (the first run of an audit that keeps its own
        baseline), where there is nothing to compare with yet.
    type: path
  update_baseline:
    description:
      - Keep this report at O(baseline) for the next run, written atomically; the baseline it replaces is kept as
        C(<baseline>.previous).
      - Requires O(baseline). Not done in check mode.
    type: bool
    default: false
  waivers:
    description:
      - Waivers, as the path of a YAML file or inline. Either a list of waivers, or a dictionary whose key C(waivers)
        holds the list.
      - "Each waiver has C(hosts) (names or shell-style patterns such as C(lab-*)) and/or C(groups) (inventory groups),
        an optional C(reasons) (reason codes; all when not given), a required C(justification), and optional C(expires)
        (an ISO date: the waiver applies until the day before), C(owner) and C(id)."
      - A host is waived when the waivers that apply to it cover every reason of its verdict. It keeps its real status.
        A waiver that waives nothing is reported as stale; an expired one as expired.
    type: raw
  history:
    description: Append this audit's summary to C(license-audit-history.jsonl) in O(dest), and show the trend in the HTML report.
    type: bool
    default: true
  history_length:
    description: How many audits, this one included, the HTML report's trend shows. At least V(1).
    type: int
    default: 30
  fail_on:
    description:
      - The CI gate. RV(gate.failed) is true when a host has one of these statuses and no active waiver.
      - The module never fails because of the gate; the role P(licensing.windows.license_audit#role) fails the play on
        it, after the reports are written. Elsewhere, use C(failed_when) on RV(gate.failed).
    type: list
    elements: str
    choices: [noncompliant, unknown]
    default: []
  fail_on_new_only:
    description:
      - Count only hosts that are new or regressed since O(baseline) towards the gate, so a fleet with accepted
        problems can still gate merges on new ones. Without a baseline report every host counts as new.
    type: bool
    default: false
  started_at:
    description: When the audit began (ISO-8601), for the audit's duration in the history and the metrics.
    type: str
  per_host_metrics:
    description:
      - Whether C(license-audit.prom) has a series per host besides the fleet counts. Turn it off for very large
        fleets to keep the number of series (label cardinality) low.
    type: bool
    default: true
author:
  - licensing.windows contributors (@licensing-windows)
extends_documentation_fragment:
  - licensing.windows.controller_action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.ACTIONGROUPS
  - ansible.builtin.action_common_attributes.FILES  # upper case: ".files" resolves to the unrelated "files" fragment (mode, owner, ...)
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    details: Runs on the controller; the target host is not contacted.
  check_mode:
    support: full
    details: In check mode the reports are computed but not written.
  platform:
    platforms: all
  safe_file_operations:
    support: full
    details: Each report is written to a temporary file in the destination directory and renamed over the old one.
  vault:
    support: none
"""

EXAMPLES = r"""
- name: Merge the reports of several AWX job slices into one fleet report
  licensing.windows.license_report:
    merge:
      - /var/reports/slice-1/license-audit.json
      - /var/reports/slice-2/license-audit.json
    dest: /var/reports/fleet
  run_once: true
  delegate_to: localhost

- name: Compare with last night's audit, keep tonight's for tomorrow, honour the waivers, gate on new problems
  licensing.windows.license_report:
    verdicts: "{{ my_verdicts }}"
    policy: "{{ my_policy }}"
    dest: /var/reports/licensing
    baseline: /var/reports/licensing/baseline/license-audit.json
    update_baseline: true
    waivers: /etc/licensing/waivers.yml
    fail_on: [noncompliant]
    fail_on_new_only: true
  run_once: true
  delegate_to: localhost
  register: audit_report
  failed_when: audit_report.gate.failed

- name: Write only the JSON and JUnit reports of verdicts computed earlier
  licensing.windows.license_report:
    verdicts: "{{ my_verdicts }}"
    policy: "{{ my_policy }}"
    dest: "{{ playbook_dir }}/reports"
    formats: [json, junit]
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
files:
  description: The report files, by format. In check mode, the files that would have been written.
  returned: success
  type: dict
  sample:
    json: /home/me/reports/license-audit.json
    junit: /home/me/reports/license-audit-junit.xml
hosts:
  description: Number of hosts in the report.
  returned: success
  type: int
  sample: 40
summary:
  description: Counts of hosts.
  returned: success
  type: dict
  contains:
    total:
      description: Number of hosts.
      type: int
      returned: success
      sample: 40
    by_status:
      description: Hosts per status; every status is present, with 0 when no host has it.
      type: dict
      returned: success
      sample: {compliant: 30, noncompliant: 7, unknown: 3}
    by_method:
      description: Hosts per activation method.
      type: dict
      returned: success
      sample: {digital_license: 12, kms: 9}
    by_reason:
      description: Hosts per reason code.
      type: dict
      returned: success
      sample: {not_digital_entitlement: 5, unreachable: 2}
    by_change:
      description: Hosts per change since the baseline (every change, with C(gone)), or V(null) without a baseline.
      type: dict
      returned: success
      sample: {new: 2, regressed: 1, resolved: 3, changed: 0, unchanged: 34, gone: 1}
    waived:
      description: Hosts with an active waiver.
      type: int
      returned: success
      sample: 4
summary_table:
  description: A short plain-text table of the summary, for the end of a play.
  returned: success
  type: str
gate:
  description: The CI gate's outcome for O(fail_on) and O(fail_on_new_only).
  returned: success
  type: dict
  contains:
    failed:
      description: Whether a host trips the gate.
      type: bool
      returned: success
    hosts:
      description: Hosts that trip it, per status in O(fail_on).
      type: dict
      returned: success
      sample: {noncompliant: 2}
    waived:
      description: Hosts with a status in O(fail_on) that an active waiver keeps from tripping it.
      type: int
      returned: success
    new_only:
      description: The value of O(fail_on_new_only).
      type: bool
      returned: success
    message:
      description: One sentence for people that says which hosts trip the gate, or that it passed.
      type: str
      returned: success
history_file:
  description: The history file this audit was appended to, or V(null) with O(history=false).
  returned: success
  type: str
baseline_written:
  description: Where this report was kept as the next baseline (O(update_baseline)), or V(null).
  returned: success
  type: str
waivers:
  description: The waivers that need a person, or V(null) without O(waivers).
  returned: success
  type: dict
  contains:
    stale:
      description: Ids of waivers that waived nothing in this audit.
      type: list
      elements: str
      returned: success
    expired:
      description: Ids of waivers whose C(expires) date has passed.
      type: list
      elements: str
      returned: success
"""
