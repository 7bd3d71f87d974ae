#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file holds documentation only: the implementation is the action plugin
# plugins/action/license_facts.py, which runs on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: license_facts
short_description: Windows activation and licensing facts, explained
version_added: 0.1.0
description:
  - Tells whether a Windows host is activated, how (digital license, subscription, OEM firmware key, product key, MAK,
    KMS, Active Directory, token, AVMA, evaluation, KMS host) and whether that is a digital entitlement, with the
    evidence that led to the answer.
  - Runs B(one) small PowerShell/CIM query per host through the task's own connection
    (C(winrm) by default, C(psrp) and C(ssh) work the same way) and classifies the result on the controller.
    Nothing is copied to the host and no module wrapper is started.
  - The query selects only the Windows licensing rows that carry a key
    (C(ApplicationID='55c92734-d682-4d71-983e-d6ec3f16059f' AND PartialProductKey IS NOT NULL)) and an explicit property list.
  - A full product key never leaves the host. The firmware (OEM) key is cut to its last five characters on the host;
    any key-shaped text that a host echoes back is masked again on the controller.
  - The facts are returned as C(ansible_facts.windows_license) and always have the same keys; values that cannot be
    known are V(null).
  - Whether the digital license is linked to a Microsoft account is not exposed by any documented local interface,
    so RV(ansible_facts.windows_license.activation.microsoft_account_linked) is always V(null); see the collection's C(docs/facts.md).
options:
  status_groups:
    description:
      - With O(policy), which hosts join their status group (C(license_compliant), C(license_noncompliant),
        C(license_unknown)) at run time. Every host gets its RV(ansible_facts.license_audit) fact whatever the choice.
      - V(all) adds every host to its group. V(attention) adds only the hosts that are not compliant, which are the
        ones a follow-up play targets. V(none) adds none.
      - Each host that joins a group at run time makes ansible-core reconcile the whole inventory, which costs time in
        proportion to the fleet size for every such host. For thousands of hosts choose V(attention) or V(none), and
        build groups at parse time from the report with the P(licensing.windows.audit_report#inventory) inventory
        plugin, or with C(ansible.builtin.constructed) over a fact cache; the collection's C(docs/performance.md) has
        the measurements.
    type: str
    choices: [all, attention, none]
    default: all
  max_output_bytes:
    description:
      - Largest collector output, in bytes, that is accepted. A real document is a few kilobytes; anything far larger
        means a PowerShell profile or wrapper on the host is adding output, and the task fails with
        RV(error_code=output_too_large) instead of parsing it.
      - Must be at least V(16384).
    type: int
    default: 1048576
notes:
  - Requires Windows PowerShell 5.1 on the host (Windows 8.1 / Server 2012 R2 and later, or WMF 5.1). Older hosts fail
    with RV(error_code=powershell_too_old).
  - Reading the licensing classes remotely needs a member of the local Administrators group; otherwise the task fails with
    RV(error_code=access_denied).
  - Use the task keyword C(timeout) to bound the time a single host may take; the role P(licensing.windows.license_audit#role) does.
  - Digital licenses do not exist for Windows Server; Server hosts report RV(ansible_facts.windows_license.activation.digital_license=false)
    with an evidence sentence, not an error.
  - With O(policy), the task also judges the host against the policy. The verdict is returned as the fact
    RV(ansible_facts.license_audit) and the host is added to the group C(license_compliant), C(license_noncompliant) or
    C(license_unknown), as M(ansible.builtin.group_by) would. This is how the role P(licensing.windows.license_audit#role)
    gets verdicts and groups without a further task or loop item per host; the verdict is the one the filter
    P(licensing.windows.license_verdicts#filter) gives for the registered result.
  - A host whose collection fails gets no verdict from the task (Ansible applies no facts or groups from a failed task);
    the role judges such hosts, and unreachable ones, as C(unknown) afterwards.
  - O(policy) is checked before the host is contacted, so a bad policy costs no connection.
  - As with M(ansible.builtin.group_by), Ansible reports the task as changed when the host joins its group; the host
    itself is not changed. Set the task keyword C(changed_when) to V(false) to keep it unchanged, as the role does.
seealso:
  - module: ansible.windows.win_product_facts
    description: Returns five flat strings and the full, unmasked product key; this module explains the activation instead.
  - ref: ansible_collections.licensing.windows.license_audit_role
    description: The role P(licensing.windows.license_audit#role) turns these facts into per-host verdicts, groups and fleet reports.
author:
  - licensing.windows contributors (@licensing-windows)
extends_documentation_fragment:
  - licensing.windows.controller_action
  - licensing.windows.policy
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.ACTIONGROUPS
  - ansible.builtin.action_common_attributes.facts
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    details: The module is implemented as an action plugin that runs on the controller.
  check_mode:
    support: full
    details: The module only reads; it runs the same query in check mode.
  facts:
    support: full
  platform:
    platforms: windows
"""

EXAMPLES = r"""
- name: Collect licensing facts
  licensing.windows.license_facts:

- name: Show how each host is activated
  ansible.builtin.debug:
    msg: >-
      {{ inventory_hostname }}: {{ ansible_facts.windows_license.license_status }}
      via {{ ansible_facts.windows_license.activation.method }}
      (digital license: {{ ansible_facts.windows_license.activation.digital_license }})

- name: Group hosts by activation method, for later plays
  ansible.builtin.group_by:
    key: "activation_{{ ansible_facts.windows_license.activation.method }}"

- name: Collect facts, but never let one host take more than two minutes
  licensing.windows.license_facts:
  timeout: 120

- name: Collect facts and judge each host in the same task (sets license_audit and the license_<status> groups)
  licensing.windows.license_facts:
    policy:
      entitled_methods: [digital_license, subscription]

- name: Later plays can target the hosts that failed the policy
  ansible.builtin.debug:
    msg: "{{ license_audit.summary }}"
  when: inventory_hostname in groups['license_noncompliant'] | default([])
"""

RETURN = r"""
error_code:
  description:
    - Stable code of the failure when the task failed. One of V(access_denied), V(service_disabled), V(powershell_too_old),
      V(not_powershell), V(output_not_json), V(output_too_large), V(schema_mismatch), V(wmi_error), V(no_windows_product),
      V(command_failed).
  returned: failure
  type: str
  sample: access_denied
rc:
  description: Exit code of the remote PowerShell process when it was not zero.
  returned: when the collector exited with an error
  type: int
  sample: 1
ansible_facts:
  description: Facts added to the host.
  returned: success
  type: complex
  contains:
    windows_license:
      description: Activation and licensing facts of the host. Every key is always present.
      returned: success
      type: complex
      contains:
        schema_version:
          description: Version of this fact layout.
          returned: always
          type: int
          sample: 1
        collected_at:
          description: When the facts were collected, controller clock, ISO 8601 UTC.
          returned: always
          type: str
          sample: "2026-11-21T10:00:00Z"
        license_status:
          description:
            - C(LicenseStatus) of the primary Windows product as a name. V(null) if it could not be read.
          returned: always
          type: str
          choices: [licensed, unlicensed, oob_grace, oot_grace, non_genuine_grace, notification, extended_grace]
          sample: licensed
        license_status_code:
          description: C(LicenseStatus) as a number, 0 to 6.
          returned: always
          type: int
          sample: 1
        license_status_reason:
          description: C(LicenseStatusReason) as an 8-digit hex HRESULT string.
          returned: always
          type: str
          sample: "0x4004F401"
        license_status_reason_text:
          description: What the reason code means, from the Software Licensing error table.
          returned: always
          type: str
          sample: The application has a store license (store-based activation).
        genuine_status:
          description: C(GenuineStatus) of the primary product, as Windows reports it.
          returned: always
          type: int
          sample: 0
        product:
          description: The primary Windows product, chosen deterministically (Windows application, keyed, not an add-on, licensed first).
          returned: always
          type: dict
          contains:
            name:
              description: C(Name).
              type: str
              returned: always
              sample: Windows(R), Professional edition
            description:
              description: C(Description); names the channel.
              type: str
              returned: always
              sample: Windows(R) Operating System, RETAIL channel
            edition:
              description: C(LicenseFamily).
              type: str
              returned: always
              sample: Professional
            channel:
              description:
                - C(ProductKeyChannel) lower-cased with C(:) replaced by C(_), or derived from C(Description) when the
                  property is missing.
              type: str
              returned: always
              sample: retail
            channel_source:
              description: Where the channel came from.
              type: str
              returned: always
              choices: [product_key_channel, description]
              sample: product_key_channel
            partial_product_key:
              description: Last five characters of the installed product key.
              type: str
              returned: always
              sample: 3V66T
            activation_id:
              description: C(ID), the activation (SKU) GUID.
              type: str
              returned: always
              sample: 4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c
            product_key_id:
              description: C(ProductKeyID), the extended product ID.
              type: str
              returned: always
              sample: 00330-80000-00000-AA403
        activation:
          description: How the host is activated, and why the module thinks so.
          returned: always
          type: dict
          contains:
            method:
              description: The activation method.
              type: str
              returned: always
              choices: [digital_license, subscription, oem_firmware_key, product_key, volume_mak, kms, ad_based, token, avma,
                        evaluation, kms_host, not_activated, unknown]
              sample: digital_license
            digital_license:
              description:
                - Whether the activation rests on a digital license (digital entitlement). V(null) only when it cannot be decided.
                - Always V(false) on Windows Server, where digital licenses do not exist.
              type: bool
              returned: always
              sample: true
            permanent:
              description: Licensed with no expiry (C(GracePeriodRemaining) is 0), what slmgr calls permanently activated.
              type: bool
              returned: always
              sample: true
            evidence:
              description: Short sentences naming the values that led to the method.
              type: list
              elements: str
              returned: always
              sample: ["partial key 3V66T is the generic Windows Pro key and the product is licensed"]
            microsoft_account_linked:
              description: Always V(null); no documented local interface exposes the link. Check Settings > Activation.
              type: bool
              returned: always
              sample: null
        grace_remaining_minutes:
          description: C(GracePeriodRemaining) in minutes (time to notification or to volume reactivation).
          returned: always
          type: int
          sample: 259200
        grace_expires_at:
          description: When the grace or activation period ends, ISO 8601 UTC; V(null) when there is none.
          returned: always
          type: str
          sample: "2027-05-20T10:00:00Z"
        evaluation_end_date:
          description: C(EvaluationEndDate), ISO 8601 UTC; V(null) for the 1601 "not applicable" value.
          returned: always
          type: str
          sample: "2027-03-01T00:00:00Z"
        kms:
          description: KMS client details for volume clients, otherwise V(null).
          returned: always
          type: dict
          contains:
            configured_host:
              description: C(KeyManagementServiceMachine) set with slmgr /skms.
              type: str
              returned: when not null
            configured_port:
              description: C(KeyManagementServicePort).
              type: int
              returned: when not null
            discovered_host:
              description: KMS host found through DNS.
              type: str
              returned: when not null
            discovered_port:
              description: Port of the discovered KMS host.
              type: int
              returned: when not null
            discovered_ip:
              description: Address of the discovered KMS host.
              type: str
              returned: when not null
            lookup_domain:
              description: C(KeyManagementServiceLookupDomain).
              type: str
              returned: when not null
            activation_interval_minutes:
              description: C(VLActivationInterval).
              type: int
              returned: when not null
            renewal_interval_minutes:
              description: C(VLRenewalInterval).
              type: int
              returned: when not null
            activation_type_configured:
              description: C(VLActivationTypeEnabled) as a name.
              type: str
              returned: when not null
            activation_type_last:
              description: C(VLActivationType) as a name.
              type: str
              returned: when not null
            is_kms_host:
              description: Whether this machine is itself a KMS host.
              type: bool
              returned: when not null
        ad_activation:
          description: Active Directory-based activation object, or V(null).
          returned: always
          type: dict
          contains:
            object_name:
              description: C(ADActivationObjectName).
              type: str
              returned: when not null
            object_dn:
              description: C(ADActivationObjectDN).
              type: str
              returned: when not null
        token_activation:
          description: Token-based activation details, or V(null).
          returned: always
          type: dict
          contains:
            ilvid:
              description: C(TokenActivationILVID).
              type: int
              returned: when not null
        avma:
          description: Automatic Virtual Machine Activation details, or V(null).
          returned: always
          type: dict
          contains:
            host_machine_name:
              description: C(AutomaticVMActivationHostMachineName).
              type: str
              returned: when not null
            last_activation_time:
              description: C(AutomaticVMActivationLastActivationTime), ISO 8601 UTC.
              type: str
              returned: when not null
        subscription:
          description: Signals of Windows Enterprise/Education subscription activation.
          returned: always
          type: dict
          contains:
            edition_id_mismatch:
              description: The registry C(EditionID) differs from the licensed product's C(LicenseFamily) (a step-up subscription).
              type: bool
              returned: always
            edition_id:
              description: Registry C(EditionID).
              type: str
              returned: always
            license_family:
              description: C(LicenseFamily) of the primary product.
              type: str
              returned: always
        firmware_key:
          description: The OEM key embedded in the firmware (OA 3.0), reduced to what is safe to show.
          returned: always
          type: dict
          contains:
            present:
              description: Whether the firmware holds a product key. V(null) if the service class could not be read.
              type: bool
              returned: always
            partial:
              description: Last five characters of the firmware key.
              type: str
              returned: always
            description:
              description: C(OA3xOriginalProductKeyDescription), for example C([4.0] Professional OEM:DM).
              type: str
              returned: always
            matches_installed:
              description: Whether the firmware key is the installed key (same last five characters).
              type: bool
              returned: always
        add_ons:
          description: Keyed add-on licenses such as Extended Security Updates; never the operating system itself.
          returned: always
          type: list
          elements: dict
          contains:
            name:
              description: C(Name) of the add-on.
              type: str
              returned: always
            description:
              description: C(Description).
              type: str
              returned: always
            partial_product_key:
              description: Last five characters of the add-on's key.
              type: str
              returned: always
            license_status:
              description: License status name of the add-on (for example C(licensed)).
              type: str
              returned: always
            activation_id:
              description: C(ID), the activation ID of the add-on's licence.
              type: str
              returned: always
        other_products:
          description: Other keyed Windows products that were not chosen as primary (for example after an in-place upgrade).
          returned: always
          type: list
          elements: dict
          contains:
            name:
              description: C(Name) of this product.
              type: str
              returned: always
            partial_product_key:
              description: Last five characters of this other product's key.
              type: str
              returned: always
            license_status:
              description: License status name of this product.
              type: str
              returned: always
            activation_id:
              description: C(ID), the activation ID of this product.
              type: str
              returned: always
        os:
          description: Operating system identity from C(Win32_OperatingSystem) and the registry.
          returned: always
          type: dict
          contains:
            caption:
              description: C(Caption).
              type: str
              returned: always
              sample: Microsoft Windows 11 Pro
            version:
              description: C(Version).
              type: str
              returned: always
              sample: 10.0.22631
            build:
              description: C(BuildNumber).
              type: str
              returned: always
              sample: "22631"
            edition_id:
              description: Registry C(EditionID).
              type: str
              returned: always
              sample: Professional
            product_type:
              description: C(ProductType) (1 workstation, 2 domain controller, 3 server).
              type: int
              returned: always
              sample: 1
            sku:
              description: C(OperatingSystemSKU).
              type: int
              returned: always
              sample: 48
            is_server:
              description: Whether this is Windows Server.
              type: bool
              returned: always
              sample: false
        warnings:
          description: Things that were odd or missing but did not stop the classification.
          returned: always
          type: list
          elements: str
          sample: []
        errors:
          description: Per-class errors the collector caught on the host.
          returned: always
          type: list
          elements: dict
          contains:
            source:
              description: The class (or C(Registry)) that failed.
              type: str
              returned: always
            hresult:
              description: The HRESULT as an 8-digit hex string.
              type: str
              returned: always
            message:
              description: The error text.
              type: str
              returned: always
    license_audit:
      description:
        - The host's verdict against O(policy), computed in this task. Present only when O(policy) is set.
        - The same verdict as P(licensing.windows.license_verdicts#filter) gives; the collection's C(docs/policy-and-reports.md)
          explains the reason codes.
      returned: success and O(policy) set
      type: complex
      contains:
        host:
          description: The inventory host name.
          type: str
          returned: always
          sample: win-042
        status:
          description: The verdict.
          type: str
          returned: always
          choices: [compliant, noncompliant, unknown]
          sample: noncompliant
        reasons:
          description: Stable reason codes, in a fixed order; empty for a compliant host.
          type: list
          elements: str
          returned: always
          sample: [not_digital_entitlement]
        summary:
          description: One line that says what the host is and why it has this status.
          type: str
          returned: always
          sample: Activated with a product key (retail); not a digital entitlement
        remediation:
          description: Plain-language steps that fix the host; empty for a compliant host.
          type: list
          elements: str
          returned: always
        error:
          description: Always V(null) here; a host that cannot be judged fails the task instead.
          type: dict
          returned: always
          sample: null
        facts:
          description:
            - A compact subset of RV(ansible_facts.windows_license) - C(license_status), C(method), C(digital_license),
              C(channel), C(edition), C(os_caption), C(is_server), C(partial_product_key), C(grace_days_remaining),
              C(grace_expires_at), C(evaluation_end_date), C(kms_host), C(firmware_key_present).
          type: dict
          returned: always
add_group:
  description: The group the host was added to, when O(policy) is set (the result key M(ansible.builtin.group_by) uses).
  returned: success and O(policy) set
  type: str
  sample: license_noncompliant
parent_groups:
  description: Parent groups of RV(add_group).
  returned: success and O(policy) set
  type: list
  elements: str
  sample: [all]
"""
