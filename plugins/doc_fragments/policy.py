# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit policy's settings: documented once here, and read by the policy validator.

The settings, their types, choices and defaults are written once, in ``DOCUMENTATION``
(the option ``policy`` of the license_facts module and of the license_verdicts filter).
plugins/plugin_utils/_audit/policy.py takes the types, choices and defaults of its checks
from this same text, so the documentation and the validation cannot disagree. The text is
a literal on purpose: ansible-test's sanity tests read doc fragments without running them.
"""

from __future__ import annotations


class ModuleDocFragment:
    """The audit policy option."""

    DOCUMENTATION = r"""
options:
  policy:
    description:
      - The audit policy. Missing settings, and settings set to null, take their defaults.
      - "An unknown setting or a bad value fails with a message that names the setting, what is wrong and what is
        expected, for example C(policy.min_days_remaining: expected a non-negative integer, got -3)."
      - The collection's C(docs/policy-and-reports.md) explains every setting and every reason code.
    type: dict
    suboptions:
      entitled_methods:
        description:
          - Activation methods that count as a digital entitlement.
          - A firmware (OEM) key is bound to the machine's hardware, so it is accepted by default; remove
            V(oem_firmware_key) to require a digital license or subscription proper.
          - V(evaluation) is not accepted here; set C(allow_evaluation) instead.
        type: list
        elements: str
        choices: [digital_license, subscription, oem_firmware_key, product_key, volume_mak, kms, ad_based, token, avma,
                  kms_host]
        default: [digital_license, subscription, oem_firmware_key]
      server_policy:
        description:
          - How Windows Server hosts are judged. V(any_activation) accepts any activation (digital licenses do not exist
            for Windows Server); V(entitled_methods) judges Server like a client.
        type: str
        choices: [any_activation, entitled_methods]
        default: any_activation
      min_days_remaining:
        description:
          - A host whose grace, evaluation or volume activation period ends in fewer whole days is flagged
            C(grace_expiring). V(0) turns the check off.
          - Must be V(0) or more.
        type: int
        default: 14
      allow_evaluation:
        description: Whether a running evaluation edition counts as compliant.
        type: bool
        default: false
      expected_kms_hosts:
        description:
          - KMS hosts (V(name), V(name:port) or V([ipv6]:port); port 1688 by default; names compared without regard to
            case) that KMS clients may use. A client configured for, or activated by, another KMS host is flagged
            C(kms_host_unexpected).
          - An empty list accepts any KMS host.
        type: list
        elements: str
        default: []
"""
