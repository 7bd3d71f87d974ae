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
  - Writes the fleet reports of a license audit on the controller, once per run, in any of five formats
    (C(license-audit.json), C(license-audit.csv), C(license-audit.html), C(license-audit-junit.xml), C(license-audit.md)).
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
    description: Formats to write.
    type: list
    elements: str
    choices: [json, csv, html, junit, markdown]
    default: [json, csv, html, junit, markdown]
author:
  - licensing.windows contributors (@licensing-windows)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.ACTIONGROUPS
  - ansible.builtin.action_common_attributes.FILES  # upper case: ".files" resolves to the unrelated "files" fragment (mode, owner, ...)
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    details: Runs on the controller; the target host is not contacted.
  action_group:
    membership:
      - licensing.windows.license
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: In check mode the reports are computed but not written.
  diff_mode:
    support: none
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
summary_table:
  description: A short plain-text table of the summary, for the end of a play.
  returned: success
  type: str
"""
