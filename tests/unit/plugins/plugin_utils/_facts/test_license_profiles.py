# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Every profile of the winsim library, through the collector's document shape, the parser and the classifier."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest

from ansible_collections.licensing.windows.plugins.plugin_utils._facts.classifier import build_facts
from ansible_collections.licensing.windows.plugins.plugin_utils._facts.document import parse_collector_output
from ansible_collections.licensing.windows.plugins.plugin_utils._facts.errors import LicenseFactsError

# The helper next to this file, imported by its full name: ansible-test runs unit tests in
# importlib mode, where a test's own directory is not on sys.path.
from ansible_collections.licensing.windows.tests.unit.plugins.plugin_utils._facts.profile_documents import (
    build_document,
    collector_stdout,
    expectation_mismatches,
    load_profile,
    profile_names,
)

COLLECTED_AT = datetime(2026, 11, 21, 10, 0, tzinfo=timezone.utc)
PROFILES = profile_names()
CLASSIFIED = [name for name in PROFILES if "error_code" not in load_profile(name)["expect"]]
FULL_KEY = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z0-9]{5}-){4}[A-Za-z0-9]{5}(?![A-Za-z0-9])")

# docs/architecture.md "Facts": the complete key set, nested.
FACT_KEYS = {
    "schema_version", "collected_at", "license_status", "license_status_code", "license_status_reason",
    "license_status_reason_text", "genuine_status", "product", "activation", "grace_remaining_minutes",
    "grace_expires_at", "evaluation_end_date", "kms", "ad_activation", "token_activation", "avma", "subscription",
    "firmware_key", "add_ons", "other_products", "os", "warnings", "errors",
}
NESTED_KEYS = {
    "product": {"name", "description", "edition", "channel", "channel_source", "partial_product_key", "activation_id",
                "product_key_id"},
    "activation": {"method", "digital_license", "permanent", "evidence", "microsoft_account_linked"},
    "kms": {"configured_host", "configured_port", "discovered_host", "discovered_port", "discovered_ip", "lookup_domain",
            "activation_interval_minutes", "renewal_interval_minutes", "activation_type_configured",
            "activation_type_last", "is_kms_host"},
    "ad_activation": {"object_name", "object_dn"},
    "token_activation": {"ilvid"},
    "avma": {"host_machine_name", "last_activation_time"},
    "subscription": {"edition_id_mismatch", "edition_id", "license_family"},
    "firmware_key": {"present", "partial", "description", "matches_installed"},
    "os": {"caption", "version", "build", "edition_id", "product_type", "sku", "is_server"},
}
METHODS = {"digital_license", "subscription", "oem_firmware_key", "product_key", "volume_mak", "kms", "ad_based", "token",
           "avma", "evaluation", "kms_host", "not_activated", "unknown"}


def facts_for(name: str, powershell: str = "5.1") -> dict:
    return build_facts(parse_collector_output(collector_stdout(load_profile(name), powershell)), COLLECTED_AT)


def test_library_covers_the_brief():
    # The profile library is the shared fixture of simulator, unit and integration tests.
    assert len(PROFILES) >= 25
    methods = set()
    for name in PROFILES:
        expect = load_profile(name)["expect"]
        methods.add(expect.get("method"))
    assert METHODS - {"unknown"} <= methods


@pytest.mark.parametrize("name", PROFILES)
def test_profile_is_well_formed(name):
    profile = load_profile(name)
    assert isinstance(profile["description"], str) and "\n" not in profile["description"].strip()
    assert profile["expect"], "every profile states what the classifier must report"
    assert "is_server" in profile["expect"]
    if "error_code" not in profile["expect"]:
        for key in ("license_status", "method", "digital_license"):
            assert key in profile["expect"], f"{name}: expect.{key} missing"
    for row in profile["products"]:
        # Only the firmware key may be a full key, and it must be the obviously fake one.
        assert not FULL_KEY.search(json.dumps(row))
    firmware = profile["service"].get("OA3xOriginalProductKey")
    if firmware:
        assert FULL_KEY.fullmatch(firmware) and firmware.startswith("FAKE1-FAKE2-FAKE3-FAKE4-")


@pytest.mark.parametrize("name", PROFILES)
def test_profile_classifies_as_expected(name):
    profile = load_profile(name)
    expect = profile["expect"]
    stdout = collector_stdout(profile)
    if "error_code" in expect:
        with pytest.raises(LicenseFactsError) as caught:
            build_facts(parse_collector_output(stdout), COLLECTED_AT)
        assert caught.value.code == expect["error_code"]
        return
    facts = build_facts(parse_collector_output(stdout), COLLECTED_AT)
    assert expectation_mismatches(facts, expect) == []


@pytest.mark.parametrize("name", CLASSIFIED)
def test_powershell_7_dates_give_the_same_facts(name):
    assert facts_for(name, "7") == facts_for(name, "5.1")


@pytest.mark.parametrize("name", CLASSIFIED)
def test_facts_shape_is_always_complete(name):
    facts = facts_for(name)
    assert set(facts) == FACT_KEYS
    for key, keys in NESTED_KEYS.items():
        if facts[key] is not None:
            assert set(facts[key]) == keys, key
    assert facts["schema_version"] == 1
    assert facts["collected_at"] == "2026-11-21T10:00:00Z"
    assert facts["activation"]["method"] in METHODS
    assert facts["activation"]["microsoft_account_linked"] is None
    assert facts["activation"]["evidence"] and all(isinstance(line, str) for line in facts["activation"]["evidence"])
    for entry in facts["add_ons"]:
        assert set(entry) == {"name", "description", "partial_product_key", "license_status", "activation_id"}
    for entry in facts["other_products"]:
        assert set(entry) == {"name", "partial_product_key", "license_status", "activation_id"}
    # The facts must survive JSON (Ansible serialises them) unchanged.
    assert json.loads(json.dumps(facts)) == facts


@pytest.mark.parametrize("name", PROFILES)
def test_no_full_product_key_ever_leaves(name):
    profile = load_profile(name)
    stdout = collector_stdout(profile)
    assert not FULL_KEY.search(stdout), "the collector model must already have cut the firmware key"
    try:
        output = json.dumps(build_facts(parse_collector_output(stdout), COLLECTED_AT))
    except LicenseFactsError as exc:
        output = exc.message
    assert not FULL_KEY.search(output)
    firmware = profile["service"].get("OA3xOriginalProductKey") or ""
    if firmware:
        assert firmware not in output
        assert firmware[:23] not in output


def test_wql_filter_drops_keyless_and_office_rows():
    document = build_document(load_profile("office_installed"))
    assert [row["PartialProductKey"] for row in document["products"]] == ["3V66T"]


def test_grace_expiry_comes_from_collected_at():
    facts = facts_for("kms_client")
    assert facts["grace_remaining_minutes"] == 254880
    assert facts["grace_expires_at"] == "2027-05-17T10:00:00Z"  # 2026-11-21T10:00Z + 177 days
    assert facts["activation"]["permanent"] is False
    assert facts["kms"]["discovered_host"] == "kms01.corp.example.com"
    assert facts["kms"]["discovered_port"] == 1688
    assert facts["kms"]["activation_type_last"] == "kms"
    assert facts["kms"]["activation_type_configured"] == "all"


def test_digital_license_evidence_names_the_generic_key():
    facts = facts_for("digital_license_pro")
    assert "partial key 3V66T is the generic Windows Pro key and the product is licensed" in facts["activation"]["evidence"][1]
    assert facts["activation"]["permanent"] is True
    assert facts["grace_expires_at"] is None
    assert facts["kms"] is None


def test_avma_block():
    facts = facts_for("avma_guest")
    assert facts["avma"] == {"host_machine_name": "HV-HOST-01", "last_activation_time": "2026-11-20T15:00:00Z"}
    assert any("digital licenses do not exist for Windows Server" in line for line in facts["activation"]["evidence"])


def test_ad_and_token_blocks():
    ad_facts = facts_for("ad_based")
    assert ad_facts["ad_activation"]["object_name"] == "Windows Server 2022 Volume Activation"
    assert ad_facts["ad_activation"]["object_dn"].startswith("CN=Windows Server 2022 Volume Activation,")
    assert ad_facts["token_activation"] is None
    token_facts = facts_for("token")
    assert token_facts["token_activation"] == {"ilvid": 7}
    assert token_facts["kms"]["activation_type_configured"] == "token"


def test_kms_host_block():
    facts = facts_for("kms_host")
    assert facts["kms"]["is_kms_host"] is True


def test_evaluation_dates():
    facts = facts_for("evaluation_server")
    assert facts["evaluation_end_date"] == "2027-02-28T10:00:00Z"
    assert facts["grace_expires_at"] == "2027-02-28T10:00:00Z"  # 142560 minutes = 99 days


def test_failure_messages_say_what_to_do():
    with pytest.raises(LicenseFactsError) as caught:
        facts_for("wmi_access_denied")
    assert "0x80041003" in caught.value.message
    assert "Administrators" in caught.value.message
    with pytest.raises(LicenseFactsError) as caught:
        facts_for("no_key")
    assert "slmgr /ipk" in caught.value.message
