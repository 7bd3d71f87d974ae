# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Verdicts of the simulator's host profiles: collector document -> parser -> classifier -> policy.

The facts here are not hand-written: each profile goes through the collector's document
shape, the real parser and the real classifier, so these tests hold the facts contract
between the classifier and the policy (docs/architecture.md) in place.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ansible_collections.licensing.windows.plugins.plugin_utils._facts.classifier import build_facts
from ansible_collections.licensing.windows.plugins.plugin_utils._facts.document import parse_collector_output
from ansible_collections.licensing.windows.plugins.plugin_utils._facts.errors import LicenseFactsError
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.verdict import verdict
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import FACT_KEYS, REASONS

# The helper next to this file, imported by its full name: ansible-test runs unit tests in
# importlib mode, where a test's own directory is not on sys.path.
from ansible_collections.licensing.windows.tests.unit.plugins.plugin_utils._facts.profile_documents import (
    collector_stdout,
    load_profile,
    profile_names,
)

COLLECTED_AT = datetime(2026, 11, 21, 10, 0, tzinfo=timezone.utc)
PROFILES = profile_names()

# Under the default policy. Windows Server hosts pass with any activation; a client needs a
# digital license, a subscription or the OEM firmware key.
DEFAULT_POLICY_VERDICTS = {
    # Thin documents: decided from what the row still says (docs/facts.md, "Thin documents").
    "evaluation_server_edition_only": ("noncompliant", ["evaluation"]),
    "evaluation_client_edition_id_only": ("noncompliant", ["evaluation"]),
    "oem_firmware_key_no_channel": ("compliant", []),
    "avma_guest_no_channel": ("compliant", []),
    "server_os_unreadable": ("compliant", []),
    "windows11_pro_with_office_realistic": ("compliant", []),
    "ad_based": ("compliant", []),
    "avma_guest": ("compliant", []),
    "digital_license_home_store": ("compliant", []),
    "digital_license_pro": ("compliant", []),
    "esu_addon": ("noncompliant", ["not_digital_entitlement"]),
    "evaluation_client": ("noncompliant", ["evaluation"]),
    "evaluation_expired": ("noncompliant", ["not_activated", "evaluation"]),
    "evaluation_server": ("noncompliant", ["evaluation"]),
    "extended_grace": ("noncompliant", ["not_activated", "grace_expiring"]),
    "kms_client": ("noncompliant", ["not_digital_entitlement"]),
    "kms_client_oot_grace": ("noncompliant", ["not_activated"]),
    "kms_client_unreachable": ("noncompliant", ["not_activated", "kms_unreachable"]),
    "kms_host": ("compliant", []),
    "kms_validity_anomalous": ("noncompliant", ["not_digital_entitlement", "kms_validity_anomalous"]),
    "no_key": ("unknown", ["collection_failed"]),
    "non_genuine_grace": ("noncompliant", ["not_activated"]),
    "not_activated": ("noncompliant", ["not_activated"]),
    "oem_dm_kms_configured_elsewhere": ("compliant", []),
    "oem_firmware_key": ("compliant", []),
    "oem_firmware_key_different_key": ("noncompliant", ["not_digital_entitlement"]),
    "office_installed": ("compliant", []),
    "oob_grace": ("noncompliant", ["not_activated"]),
    "registry_unreadable": ("compliant", []),
    "retail_key": ("noncompliant", ["not_digital_entitlement"]),
    "server_2022_domain_controller": ("compliant", []),
    "server_2022_retail": ("compliant", []),
    "server_2025_kms_client": ("compliant", []),
    "server_2025_oem": ("compliant", []),
    "sppsvc_disabled": ("unknown", ["collection_failed"]),
    "subscription_enterprise_on_pro": ("compliant", []),
    "token": ("noncompliant", ["not_digital_entitlement"]),
    "upgrade_duplicate_rows": ("compliant", []),
    "volume_mak": ("noncompliant", ["not_digital_entitlement"]),
    "windows7_description_channel": ("noncompliant", ["not_digital_entitlement"]),
    "wmi_access_denied": ("unknown", ["collection_failed"]),
}
TABLED = [name for name in DEFAULT_POLICY_VERDICTS if name in PROFILES]


def registered_result(name: str) -> dict:
    """What `register:` holds after license_facts ran against this profile's host."""
    try:
        facts = build_facts(parse_collector_output(collector_stdout(load_profile(name), "5.1")), COLLECTED_AT)
    except LicenseFactsError as exc:
        return {"failed": True, "changed": False, "msg": str(exc), "error_code": exc.code}
    return {"changed": False, "ansible_facts": {"windows_license": facts}}


def test_the_table_covers_the_library():
    assert len(TABLED) >= 30


@pytest.mark.parametrize("name", TABLED)
def test_profile_verdict_under_the_default_policy(name):
    result = verdict(name, registered_result(name), {})
    assert (result["status"], result["reasons"]) == DEFAULT_POLICY_VERDICTS[name]
    expect = load_profile(name)["expect"]
    if "error_code" in expect:
        assert result["error"]["code"] == expect["error_code"]
    else:
        assert result["facts"]["method"] == expect["method"]
        assert result["facts"]["license_status"] == expect["license_status"]


@pytest.mark.parametrize("name", PROFILES)
def test_every_profile_gives_a_well_formed_verdict(name):
    result = verdict(name, registered_result(name), {})
    assert tuple(result["facts"]) == FACT_KEYS
    assert result["reasons"] == [reason for reason in REASONS if reason in result["reasons"]]
    assert (result["status"] == "compliant") == (not result["reasons"])
    assert bool(result["remediation"]) == bool(result["reasons"])
    assert (result["error"] is not None) == (result["status"] == "unknown" and "unclassified" not in result["reasons"])
    assert "\n" not in result["summary"] and result["summary"]


def test_tightened_policy_on_the_library():
    strict = {"entitled_methods": ["digital_license", "subscription"], "server_policy": "entitled_methods",
              "allow_evaluation": True, "expected_kms_hosts": ["kms01.corp.example.com"]}
    names = ("oem_firmware_key", "server_2022_retail", "evaluation_server", "kms_client", "server_2025_kms_client")
    judged = {name: verdict(name, registered_result(name), strict) for name in names}
    # The firmware key also shows the store-based reason, so it is a digital license as well.
    assert judged["oem_firmware_key"]["status"] == "compliant"
    assert judged["server_2022_retail"]["reasons"] == ["not_digital_entitlement"]
    assert judged["evaluation_server"]["status"] == "compliant"
    assert "kms_host_unexpected" not in judged["kms_client"]["reasons"]
    assert judged["server_2025_kms_client"]["reasons"] == ["not_digital_entitlement", "kms_host_unexpected"]
