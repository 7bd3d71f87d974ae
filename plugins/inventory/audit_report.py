# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inventory plugin: the hosts of a license audit report, grouped by their verdicts."""

from __future__ import annotations

DOCUMENTATION = r"""
---
name: audit_report
short_description: Hosts and groups from a Windows license audit report
version_added: 0.1.0
author:
  - licensing.windows contributors (@licensing-windows)
description:
  - Reads a C(license-audit.json) report, as the P(licensing.windows.license_report#module) module and the
    P(licensing.windows.license_audit#role) role write it, and adds every host of the report to the inventory with
    its host record as the variable C(license_audit).
  - Puts each host into C(license_compliant), C(license_noncompliant) or C(license_unknown) by its verdict, into
    C(license_waived) when an active waiver covers all of its findings, and into C(license_regressed) when it
    got worse since the audit's baseline report. All five groups are created even when empty.
  - The report is read and checked exactly as C(license_report) reads one to merge it; a file that is missing, is not
    a license audit report, or has an unknown schema version fails the inventory source with a message that names
    the file and the field.
  - The report records no address, so the plugin sets no C(ansible_host). Use it B(together with) the inventory that
    defines the hosts, for example C(ansible-playbook -i inventory/ -i fleet.audit_report.yml fix.yml --limit
    license_noncompliant); a host of the report that the other inventory does not define is connected to by its
    name.
  - Hosts that the report lists as gone since its baseline are not added.
  - The configuration file name must end in C(audit_report.yml) or C(audit_report.yaml).
  - Does not contact any host and does not support caching (reading the report is cheap).
options:
  plugin:
    description:
      - The name of this plugin; it makes the file a configuration of this plugin.
    type: str
    required: true
    choices: [licensing.windows.audit_report]
  path:
    description:
      - The C(license-audit.json) report to read.
      - A relative path is relative to the directory of this configuration file, not to the current directory;
        C(~) and environment variables are expanded.
    type: str
    required: true
extends_documentation_fragment:
  - constructed
notes:
  - Each host's C(license_audit) variable is its record in the report, with the keys C(host), C(status), C(reasons),
    C(summary), C(remediation), C(error), C(facts), C(change), C(baseline_status) and C(waiver) (the report document
    is described in the collection's C(docs/policy-and-reports.md)). The variable C(license_audit_report) holds
    C(path), C(generated_at), C(generator) and C(policy) of the report, so that a play can tell how old it is.
  - A run of the P(licensing.windows.license_audit#role) role sets the fact C(license_audit) for each host it reaches,
    which takes precedence over this inventory variable during that run.
  - A waived host keeps its real status, so it is in C(license_noncompliant) (or C(license_unknown)) and in
    C(license_waived); limit a remediation to C(license_noncompliant:!license_waived) to leave it alone.
seealso:
  - module: licensing.windows.license_report
  - plugin: ansible.builtin.constructed
    plugin_type: inventory
"""

EXAMPLES = r"""
# fleet.audit_report.yml: last night's report, next to this file.
plugin: licensing.windows.audit_report
path: reports/license-audit.json

# The remediation workflow: audit tonight, then fix what the report found tomorrow, with the
# real inventory (addresses, credentials) and this file as a second inventory source.
#
#   ansible-playbook licensing.windows.audit -i inventory/ -e license_audit_report_dir=reports
#   ansible-playbook -i inventory/ -i fleet.audit_report.yml fix.yml --limit 'license_noncompliant:!license_waived'
#
# fix.yml can read each host's findings from its license_audit variable:
#
#   - hosts: license_noncompliant
#     tasks:
#       - name: Show what the audit asks for
#         ansible.builtin.debug:
#           msg: "{{ license_audit.remediation }}"

---
# Groups by activation method (license_method_kms, license_method_product_key, ...), by reason
# (license_reason_not_activated, ...), variables composed from the record, and a group of the
# hosts whose grace period ends within two weeks.
plugin: licensing.windows.audit_report
path: /srv/license-audit/reports/license-audit.json
strict: false
keyed_groups:
  - prefix: license_method
    key: license_audit.facts.method
    default_value: not_collected
  - prefix: license_reason
    key: license_audit.reasons
compose:
  license_status: license_audit.status
  license_edition: license_audit.facts.edition
groups:
  license_grace_ending: >-
    license_audit.facts.grace_days_remaining is not none
    and license_audit.facts.grace_expires_at is not none
    and license_audit.facts.grace_days_remaining < 14
"""

import os

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Constructable

from ansible_collections.licensing.windows.plugins.plugin_utils._report.model import ReportError, load_report
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import GROUP_PREFIX, STATUSES, VERDICT_FACT

CONFIG_SUFFIXES = ("audit_report.yml", "audit_report.yaml")
# The variable with the report's own fields, beside each host's record (VERDICT_FACT).
REPORT_VAR = "license_audit_report"
WAIVED_GROUP = GROUP_PREFIX + "waived"
REGRESSED_GROUP = GROUP_PREFIX + "regressed"
STATUS_GROUPS = {status: GROUP_PREFIX + status for status in STATUSES}


def report_path(configured: str, config_file: str) -> str:
    """The report's path: ``~`` and variables expanded, a relative one taken from the configuration file's directory."""
    expanded = os.path.expandvars(os.path.expanduser(configured))
    if not os.path.isabs(expanded):
        expanded = os.path.join(os.path.dirname(os.path.abspath(config_file)), expanded)
    return os.path.normpath(expanded)


def host_groups(record: dict) -> list[str]:
    """The groups of one host record: its status group, then license_waived and license_regressed where they apply."""
    groups = [STATUS_GROUPS[record["status"]]]
    waiver = record.get("waiver")
    if waiver is not None and waiver.get("state") == "active":
        groups.append(WAIVED_GROUP)
    if record.get("change") == "regressed":
        groups.append(REGRESSED_GROUP)
    return groups


class InventoryModule(BaseInventoryPlugin, Constructable):
    """Hosts of a license-audit.json report, with their records and their verdict groups."""

    NAME = "licensing.windows.audit_report"

    def verify_file(self, path):
        """Only readable files named ``*audit_report.yml`` or ``*audit_report.yaml``."""
        if not super().verify_file(path):
            return False
        if str(path).endswith(CONFIG_SUFFIXES):
            return True
        self.display.vvv(f"Skipping {path}: an audit_report inventory file name ends in "
                         f"{' or '.join(CONFIG_SUFFIXES)}")
        return False

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache=cache)
        config = self._read_config_data(path)
        unknown = sorted(str(key) for key in config if key not in self.option_definitions)
        if unknown:
            # ansible-core ignores them; a misspelt keyed_groups would silently build no group.
            raise AnsibleParserError(f"{path}: unknown option{'s' if len(unknown) > 1 else ''} "
                                     f"{', '.join(repr(key) for key in unknown)}; expected some of "
                                     f"{', '.join(sorted(self.option_definitions))}")
        configured = self.get_option("path")
        if not isinstance(configured, str) or not configured.strip():
            raise AnsibleParserError(f"{path}: path: expected the path of a license-audit.json report, got {configured!r}")
        source = report_path(configured.strip(), path)
        try:
            report = load_report(source)
        except ReportError as exc:
            # The model's message names the file, the field and what was expected; its cause
            # (an OSError, say) would only repeat it.
            raise AnsibleParserError(str(exc)) from None
        self._populate(report, source)

    def _populate(self, report: dict, source: str) -> None:
        for group in (*STATUS_GROUPS.values(), WAIVED_GROUP, REGRESSED_GROUP):
            self.inventory.add_group(group)
        report_vars = {
            "path": source,
            "generated_at": report["generated_at"],
            "generator": report["generator"],
            "policy": report["policy"],
        }
        strict = self.get_option("strict")
        for record in report["hosts"]:
            name = self.inventory.add_host(record["host"])
            for group in host_groups(record):
                self.inventory.add_child(group, name)
            self.inventory.set_variable(name, VERDICT_FACT, record)
            self.inventory.set_variable(name, REPORT_VAR, dict(report_vars))
            # The expressions see the host's variables from the inventory sources read before this
            # one (ansible_host, say) as well as the two set here.
            variables = self.inventory.get_host(name).get_vars()
            self._set_composite_vars(self.get_option("compose"), variables, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, name, strict=strict)
