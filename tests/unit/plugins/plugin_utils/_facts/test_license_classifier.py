# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Classifier edge cases beyond the profile library: selection, tie-breaks, partial failures, errors."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.licensing.windows.plugins.plugin_utils._facts.classifier import (
    build_facts,
    choose_primary_product,
    derive_channel,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._facts.document import normalize_document
from ansible_collections.licensing.windows.plugins.plugin_utils._facts.errors import (
    ERROR_CODES,
    LicenseFactsError,
    describe_error,
)

COLLECTED_AT = datetime(2026, 11, 21, 10, 0, tzinfo=timezone.utc)
WINDOWS_APP = "55c92734-d682-4d71-983e-d6ec3f16059f"
NO_DATE = "/Date(-11644473600000)/"


def product(**values) -> dict:
    row = {"ID": "4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c", "Name": "Windows(R), Professional edition",
           "Description": "Windows(R) Operating System, RETAIL channel", "ApplicationID": WINDOWS_APP,
           "LicenseFamily": "Professional", "ProductKeyChannel": "Retail", "PartialProductKey": "J8WXT",
           "LicenseStatus": 1, "LicenseStatusReason": 0, "GracePeriodRemaining": 0, "EvaluationEndDate": NO_DATE,
           "GenuineStatus": 0, "LicenseIsAddon": False, "LicenseDependsOn": None, "VLActivationType": 0,
           "VLActivationTypeEnabled": 0, "TokenActivationILVID": 4294967295, "IsKeyManagementServiceMachine": 0,
           "AutomaticVMActivationLastActivationTime": NO_DATE}
    row.update(values)
    return row


def kms_product(**values) -> dict:
    row = product(ID="2de67392-b7a7-462a-b1ca-108dd189f588", Description="Windows(R) Operating System, VOLUME_KMSCLIENT channel",
                  ProductKeyChannel="Volume:GVLK", PartialProductKey="T83GX", GracePeriodRemaining=250000,
                  VLActivationType=2, VLActivationInterval=120, VLRenewalInterval=10080)
    row.update(values)
    return row


def esu_row(**values) -> dict:
    row = product(ID="f520e45e-7413-4a34-a497-d2765967d094", Name="Windows(R), Client-ESU-Year1 add-on for Enterprise",
                  Description="Windows(R) Operating System, VOLUME_MAK channel", LicenseFamily="Client-ESU-Year1",
                  ProductKeyChannel="Volume:MAK", PartialProductKey="6JQ4D", LicenseIsAddon=True,
                  LicenseDependsOn="e0c42288-980c-4788-a014-c080d2e1926e")
    row.update(values)
    return row


def document(products=None, **values) -> dict:
    doc = {"schema": 1,
           "os": {"Caption": "Microsoft Windows 11 Pro", "Version": "10.0.22631", "BuildNumber": "22631", "ProductType": 1,
                  "OperatingSystemSKU": 48},
           "edition_id": "Professional",
           "service": {"Version": "10.0.22621.4317", "KeyManagementServiceMachine": None, "KeyManagementServicePort": 0,
                       "IsKeyManagementServiceMachine": 0, "OA3xOriginalProductKeyPartial": None,
                       "OA3xOriginalProductKeyDescription": None},
           "products": [product()] if products is None else products,
           "errors": []}
    doc.update(values)
    return doc


def server_os(product_type=3) -> dict:
    return {"Caption": "Microsoft Windows Server 2022 Standard", "Version": "10.0.20348", "BuildNumber": "20348",
            "ProductType": product_type, "OperatingSystemSKU": 7}


def facts(doc) -> dict:
    return build_facts(doc, COLLECTED_AT)


def failure(doc) -> LicenseFactsError:
    with pytest.raises(LicenseFactsError) as caught:
        build_facts(doc, COLLECTED_AT)
    return caught.value


# ---- choosing the primary product ----------------------------------------------------------------------------

def test_esu_add_on_row_is_not_the_os():
    result = facts(document([esu_row(), product(Description="Windows(R) Operating System, VOLUME_MAK channel",
                                                ProductKeyChannel="Volume:MAK", PartialProductKey="R4D7P")]))
    assert result["product"]["partial_product_key"] == "R4D7P"
    assert result["activation"]["method"] == "volume_mak"
    assert result["add_ons"] == [{"name": "Windows(R), Client-ESU-Year1 add-on for Enterprise",
                                  "description": "Windows(R) Operating System, VOLUME_MAK channel",
                                  "partial_product_key": "6JQ4D", "license_status": "licensed",
                                  "activation_id": "f520e45e-7413-4a34-a497-d2765967d094"}]
    assert result["other_products"] == []


def test_only_an_add_on_has_a_key():
    error = failure(document([esu_row()]))
    assert error.code == "no_windows_product"
    assert "add-on" in str(error)


def test_licensed_row_wins_whatever_the_order():
    rows = [product(ID="aaaaaaaa-0000-0000-0000-000000000001", LicenseFamily="Core", PartialProductKey="8HVX7",
                    LicenseStatus=0, LicenseStatusReason=3221549108),
            product(ID="ffffffff-0000-0000-0000-000000000002", PartialProductKey="3V66T", LicenseStatusReason=1074066433),
            product(ID="bbbbbbbb-0000-0000-0000-000000000003", PartialProductKey="B4GJ9", LicenseStatus=5)]
    outcomes = set()
    for order in itertools.permutations(rows):
        result = facts(document(list(order)))
        outcomes.add(json.dumps(result, sort_keys=True))
        assert result["product"]["partial_product_key"] == "3V66T"
        assert [entry["partial_product_key"] for entry in result["other_products"]] == ["B4GJ9", "8HVX7"]
        assert any("more than one keyed Windows product (3)" in warning for warning in result["warnings"])
    assert len(outcomes) == 1, "the facts must not depend on row order"


def test_tie_break_between_two_licensed_rows_is_documented_and_stable():
    first = product(ID="11111111-0000-0000-0000-000000000000", PartialProductKey="AAAAA", LicenseDependsOn="x")
    second = product(ID="22222222-0000-0000-0000-000000000000", PartialProductKey="BBBBB")
    third = product(ID="33333333-0000-0000-0000-000000000000", PartialProductKey="CCCCC")
    primary, others, add_ons = choose_primary_product(normalize_document(document([third, first, second]))["products"])
    # Without LicenseDependsOn first, then ascending activation ID.
    assert primary["PartialProductKey"] == "BBBBB"
    assert [row["PartialProductKey"] for row in others] == ["CCCCC", "AAAAA"]
    assert add_ons == []


def test_rows_of_other_applications_are_ignored_with_a_warning():
    office = product(ID="fbdb3e18-a8ef-4fb3-9183-dffd60bd0984", ApplicationID="0ff1ce15-a989-479d-af46-f275c6370663",
                     Name="Office 21, Office21ProPlus2021VL_KMS_Client_AE edition", PartialProductKey="6F7TH")
    result = facts(document([office, product()]))
    assert result["product"]["partial_product_key"] == "J8WXT"
    assert result["other_products"] == []
    assert any("other applications" in warning for warning in result["warnings"])
    assert failure(document([office])).code == "no_windows_product"


def test_unreadable_license_is_addon_counts_as_windows():
    result = facts(document([product(LicenseIsAddon=None)]))
    assert result["product"]["partial_product_key"] == "J8WXT"


# ---- classification rules ---------------------------------------------------------------------------------------

def test_kms_host_configured_by_another_product_on_oem_dm():
    doc = document([product(Description="Windows(R) Operating System, OEM_DM channel", ProductKeyChannel="OEM:DM",
                            PartialProductKey="PG7HV", LicenseStatusReason=1074066433)])
    doc["service"].update(KeyManagementServiceMachine="kms-office.corp.example.com", KeyManagementServicePort=1688,
                          OA3xOriginalProductKeyPartial="PG7HV",
                          OA3xOriginalProductKeyDescription="[4.0] Professional OEM:DM")
    result = facts(doc)
    assert result["activation"]["method"] == "oem_firmware_key"
    assert result["activation"]["digital_license"] is True
    assert result["kms"] is None
    assert result["firmware_key"] == {"present": True, "partial": "PG7HV", "description": "[4.0] Professional OEM:DM",
                                      "matches_installed": True}
    assert any("kms-office.corp.example.com" in line and "not a volume client" in line
               for line in result["activation"]["evidence"])


def test_oem_firmware_key_without_store_reason_leaves_digital_license_open():
    doc = document([product(Description="Windows(R) Operating System, OEM_DM channel", ProductKeyChannel="OEM:DM",
                            PartialProductKey="XK9QB", LicenseStatusReason=0)])
    doc["service"]["OA3xOriginalProductKeyPartial"] = "XK9QB"
    result = facts(doc)
    assert result["activation"]["method"] == "oem_firmware_key"
    assert result["activation"]["digital_license"] is None
    assert any("UNCONFIRMED" in line for line in result["activation"]["evidence"])


def test_oem_dm_on_windows_8_is_not_a_digital_license():
    doc = document([product(Description="Windows(R) Operating System, OEM_DM channel", ProductKeyChannel="OEM:DM",
                            PartialProductKey="XK9QB")],
                   os={"Caption": "Microsoft Windows 8.1 Pro", "Version": "6.3.9600", "BuildNumber": "9600",
                       "ProductType": 1, "OperatingSystemSKU": 48})
    doc["service"]["OA3xOriginalProductKeyPartial"] = "XK9QB"
    result = facts(doc)
    assert result["activation"]["method"] == "oem_firmware_key"
    assert result["activation"]["digital_license"] is False


def test_retail_tb_eval_is_evaluation():
    result = facts(document([product(Description="Windows(R) Operating System, TIMEBASED_EVAL channel",
                                     ProductKeyChannel="Retail:TB:Eval", LicenseFamily="EnterpriseEval",
                                     GracePeriodRemaining=64800, EvaluationEndDate="2027-01-05T08:00:00Z")]))
    assert result["activation"]["method"] == "evaluation"
    assert result["product"]["channel"] == "retail_tb_eval"
    assert result["evaluation_end_date"] == "2027-01-05T08:00:00Z"
    assert result["grace_expires_at"] == "2027-01-05T10:00:00Z"
    assert result["activation"]["permanent"] is False


def test_evaluation_end_date_alone_marks_a_time_based_licence():
    result = facts(document([product(EvaluationEndDate="/Date(1800000000000)/")]))
    assert result["activation"]["method"] == "evaluation"
    assert result["evaluation_end_date"] == "2027-01-15T08:00:00Z"


@pytest.mark.parametrize("product_type", [2, 3])
def test_windows_server_never_has_a_digital_license(product_type):
    # Even with the signals that mean "digital license" on a client.
    result = facts(document([product(PartialProductKey="3V66T", LicenseStatusReason=1074066433)],
                            os=server_os(product_type), edition_id="ServerStandard"))
    assert result["os"]["is_server"] is True
    assert result["activation"]["digital_license"] is False
    assert result["activation"]["method"] == "product_key"
    assert "digital licenses do not exist for Windows Server, so digital_license is false" in result["activation"]["evidence"]


def test_missing_product_key_channel_is_derived_from_the_description():
    result = facts(document([product(ProductKeyChannel=None, Description="Windows(R) Operating System, VOLUME_MAK channel")]))
    assert result["product"]["channel"] == "volume_mak"
    assert result["product"]["channel_source"] == "description"
    assert result["activation"]["method"] == "volume_mak"


@pytest.mark.parametrize("description, channel", [
    ("Windows(R) Operating System, RETAIL channel", "retail"),
    ("Windows Operating System - Windows(R) 7, OEM_SLP channel", "oem_slp"),
    ("Windows Operating System - Windows Server(R), VOLUME_KMSCLIENT channel", "volume_gvlk"),
    ("Windows(R) Operating System, VOLUME_KMS_WS22 channel", "volume_csvlk"),
    ("Windows(R) Operating System, TIMEBASED_EVAL channel", "retail_tb_eval"),
    ("Office 16, RETAIL(Grace) channel", "retail"),
    ("Windows(R) Operating System, SOMETHING_NEW channel", "something_new"),
    ("no marker at all", None),
    (None, None),
])
def test_description_channels(description, channel):
    assert derive_channel({"ProductKeyChannel": None, "Description": description})[0] == channel


def test_product_key_channel_spelling():
    assert derive_channel({"ProductKeyChannel": "OEM:NONSLP"}) == ("oem_nonslp", "product_key_channel")
    assert derive_channel({"ProductKeyChannel": "Volume:GVLK"}) == ("volume_gvlk", "product_key_channel")


def test_generic_key_on_volume_mak_channel_is_a_digital_license():
    # Enterprise N's digital-license path uses a generic key on the Volume:MAK channel (QPFCT).
    result = facts(document([product(ProductKeyChannel="Volume:MAK", LicenseFamily="EnterpriseN",
                                     Description="Windows(R) Operating System, VOLUME_MAK channel", PartialProductKey="QPFCT")],
                            edition_id="EnterpriseN"))
    assert result["activation"]["method"] == "digital_license"


def test_subscription_needs_the_edition_mismatch():
    result = facts(document([product(PartialProductKey="3V66T")], edition_id="Enterprise"))
    assert result["activation"]["method"] == "subscription"
    assert result["subscription"] == {"edition_id_mismatch": True, "edition_id": "Enterprise", "license_family": "Professional"}
    same = facts(document([product(PartialProductKey="3V66T")], edition_id="professional"))
    assert same["activation"]["method"] == "digital_license"
    assert same["subscription"]["edition_id_mismatch"] is False


def test_kms_client_details_and_fallback_to_the_service():
    doc = document([kms_product()])
    doc["service"].update(KeyManagementServiceMachine="kms.example.com", KeyManagementServicePort=0)
    result = facts(doc)
    assert result["activation"]["method"] == "kms"
    assert result["kms"]["configured_host"] == "kms.example.com"
    assert result["kms"]["configured_port"] == 1688
    assert result["kms"]["activation_interval_minutes"] == 120
    assert result["kms"]["renewal_interval_minutes"] == 10080
    assert result["kms"]["is_kms_host"] is False
    assert result["grace_expires_at"] == (COLLECTED_AT + timedelta(minutes=250000)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("grace, warned", [(259200, False), (259201, True)])
def test_kms_validity_limit(grace, warned):
    result = facts(document([kms_product(GracePeriodRemaining=grace)]))
    assert any("259200" in warning for warning in result["warnings"]) is warned


def test_gvlk_partial_alone_marks_a_volume_client():
    result = facts(document([product(ProductKeyChannel=None, Description="Windows(R) Operating System", PartialProductKey="2YT43")]))
    assert result["activation"]["method"] == "kms"


def test_unknown_channel_is_unknown_with_a_warning():
    result = facts(document([product(ProductKeyChannel="PGS:TB", Description="Windows(R) Operating System, PGS_TB channel")]))
    assert result["activation"]["method"] == "unknown"
    assert result["activation"]["digital_license"] is None
    assert any("could not be classified" in warning for warning in result["warnings"])


def test_unknown_license_status_value():
    result = facts(document([product(LicenseStatus=9)]))
    assert result["license_status"] is None
    assert result["license_status_code"] is None
    assert result["activation"]["method"] == "unknown"
    assert any("LicenseStatus" in warning for warning in result["warnings"])


@pytest.mark.parametrize("status, name", [(0, "unlicensed"), (2, "oob_grace"), (3, "oot_grace"), (4, "non_genuine_grace"),
                                          (5, "notification"), (6, "extended_grace")])
def test_every_unlicensed_state_is_not_activated(status, name):
    result = facts(document([product(LicenseStatus=status, GracePeriodRemaining=100)]))
    assert result["license_status"] == name
    assert result["license_status_code"] == status
    assert result["activation"]["method"] == "not_activated"
    assert result["activation"]["digital_license"] is False
    assert result["activation"]["permanent"] is False


def test_swapped_notification_reasons_are_not_swapped():
    grace_expired = facts(document([product(LicenseStatus=5, LicenseStatusReason=0xC004F009)]))
    not_genuine = facts(document([product(LicenseStatus=5, LicenseStatusReason=0xC004F200)]))
    assert grace_expired["license_status_reason_text"] == "the grace period expired"
    assert not_genuine["license_status_reason_text"] == "the current state is not genuine"


# ---- partial failures and errors ------------------------------------------------------------------------------

def test_partial_failures_still_classify_with_warnings():
    doc = document(os=None, service=None, edition_id=None, errors=[
        {"source": "Win32_OperatingSystem", "hresult": "0x80041003", "message": "Access denied"},
        {"source": "SoftwareLicensingService", "hresult": "0x80041010", "message": "Invalid class"},
        {"source": "Registry", "hresult": "0x80070005", "message": "Access is denied."},
    ], products=[product(PartialProductKey="3V66T")])
    result = facts(doc)
    assert result["activation"]["method"] == "digital_license"
    assert result["os"] == {"caption": None, "version": None, "build": None, "edition_id": None, "product_type": None,
                            "sku": None, "is_server": None}
    assert result["firmware_key"] == {"present": None, "partial": None, "description": None, "matches_installed": None}
    text = " ".join(result["warnings"])
    for fragment in ("Win32_OperatingSystem", "SoftwareLicensingService", "EditionID", "0x80041010"):
        assert fragment in text
    assert len(result["errors"]) == 3


def test_server_is_inferred_from_the_licence_family_when_os_failed():
    result = facts(document([product(LicenseFamily="ServerStandard")], os=None))
    assert result["os"]["is_server"] is True
    assert result["activation"]["digital_license"] is False


@pytest.mark.parametrize("hresult, code", [
    ("0x80041003", "access_denied"), ("0x80070005", "access_denied"), ("0x80070422", "service_disabled"),
    ("0x80070426", "service_disabled"), ("0x80041010", "wmi_error"), ("0x8004100E", "wmi_error"),
])
def test_failed_product_query_gives_a_stable_code(hresult, code):
    error = failure(document([], service=None, errors=[
        {"source": "SoftwareLicensingProduct", "hresult": hresult, "message": "It failed"}]))
    assert error.code == code
    assert hresult in str(error)
    assert "SoftwareLicensingProduct" in error.message


def test_no_keyed_windows_row():
    error = failure(document([]))
    assert error.code == "no_windows_product"
    assert "0xC004F014" in str(error)


def test_naive_collected_at_is_refused():
    with pytest.raises(ValueError, match="collected_at"):
        build_facts(document(), datetime(2026, 11, 21, 10, 0))


def test_collected_at_in_another_zone_is_written_in_utc():
    zone = timezone(timedelta(hours=2))
    result = build_facts(document(), datetime(2026, 11, 21, 12, 0, tzinfo=zone))
    assert result["collected_at"] == "2026-11-21T10:00:00Z"


@pytest.mark.parametrize("code", ERROR_CODES)
def test_every_error_code_has_a_message_with_advice(code):
    message = describe_error(code, "detail text")
    assert "detail text" in message
    assert message.count(".") >= 2


def test_unknown_error_code_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown license_facts error code"):
        raise LicenseFactsError("nope", "x")


# ---- hostile values through to the facts ------------------------------------------------------------------------

def test_hostile_values_reach_the_facts_clean():
    doc = document([product(Name="<b>Windows</b>\r\n\x07Pro", PartialProductKey="3V66T",
                            Description="Windows(R) Operating System, RETAIL channel ABCDE-FGHIJ-KLMNO-PQRST-UVWXY")])
    doc["os"]["Caption"] = "Microsoft Windows 11 Pro" + "!" * 5000
    result = facts(doc)
    output = json.dumps(result)
    assert "ABCDE-FGHIJ" not in output and "UVWXY" in output
    assert result["product"]["name"] == "<b>Windows</b> Pro"
    assert len(result["os"]["caption"]) == 512
    assert "\r" not in output and "\\n" not in output and "\\u0007" not in output


# --- thin documents: evaluations known by their edition, decidable hosts with missing properties ---------------

def _thin(**values) -> dict:
    """A licensed row whose Description and ProductKeyChannel say nothing (older builds, trimmed CIM answers)."""
    return product(Description=None, ProductKeyChannel=None, **values)


def _eval_document(row, edition_id="Professional", os_info=None) -> dict:
    return document([row], edition_id=edition_id, os=os_info or server_os())


@pytest.mark.parametrize("row, edition_id, decided_by", [
    (_thin(Name="Windows(R), ServerStandardEval edition", LicenseFamily="ServerStandard", GracePeriodRemaining=142560),
     "ServerStandard", "the product Name 'Windows(R), ServerStandardEval edition' names the evaluation edition ServerStandardEval"),
    (_thin(Name="Windows(R), ServerStandard edition", LicenseFamily="ServerStandardEval", GracePeriodRemaining=142560),
     "ServerStandard", "LicenseFamily ServerStandardEval is an evaluation edition"),
    (_thin(Name="Windows(R) Operating System", LicenseFamily=None, GracePeriodRemaining=142560),
     "EnterpriseEval", "the registry EditionID EnterpriseEval is an evaluation edition"),
])
def test_an_evaluation_is_known_by_its_edition_alone(row, edition_id, decided_by):
    result = facts(_eval_document(row, edition_id))
    assert result["activation"]["method"] == "evaluation"
    assert result["activation"]["digital_license"] is False
    assert result["product"]["channel"] is None
    assert any(decided_by in sentence for sentence in result["activation"]["evidence"])
    # A licensed evaluation keeps its end as the grace remaining, as with the other signs.
    assert result["grace_remaining_minutes"] == 142560
    assert result["grace_expires_at"] == "2027-02-28T10:00:00Z"


def test_the_time_based_marks_still_decide_first():
    row = product(Name="Windows(R), ServerStandardEval edition", Description="Windows(R) Operating System, TIMEBASED_EVAL channel",
                  ProductKeyChannel="Retail:TB:Eval", LicenseFamily="ServerStandardEval")
    evidence = facts(_eval_document(row, "ServerStandardEval"))["activation"]["evidence"]
    assert any("marks a time-based (evaluation) licence" in sentence for sentence in evidence)
    assert not any("names the evaluation edition" in sentence for sentence in evidence)


def test_an_expired_evaluation_known_by_its_edition_is_not_activated():
    row = _thin(Name="Windows(R), ServerDatacenterEval edition", LicenseFamily="ServerDatacenterEval", LicenseStatus=5,
                LicenseStatusReason=0xC004F009)
    result = facts(_eval_document(row, "ServerDatacenterEval"))
    assert result["activation"]["method"] == "not_activated"
    assert any("evaluation licence that is no longer valid" in sentence for sentence in result["activation"]["evidence"])


@pytest.mark.parametrize("name, family, edition_id", [
    # The letters "Eval" inside another word are not an evaluation edition ID (the ID must end in Eval).
    ("Windows(R), EvaluationLabPro edition", "EvaluationLabPro", "EvaluationLabPro"),
    ("Windows(R), Professional edition (Eval branch)", "Professional", "Professional"),
])
def test_eval_elsewhere_in_a_name_is_not_an_evaluation(name, family, edition_id):
    row = _thin(Name=name, LicenseFamily=family, LicenseStatusReason=0)
    result = facts(document([row], edition_id=edition_id))
    assert result["activation"]["method"] != "evaluation"


def test_a_firmware_key_row_without_a_channel_is_still_the_firmware_key():
    row = _thin(PartialProductKey="8HVX7", LicenseStatusReason=0)
    doc = document([row])
    doc["service"]["OA3xOriginalProductKeyPartial"] = "8HVX7"
    result = facts(doc)
    assert result["activation"]["method"] == "oem_firmware_key"
    assert result["firmware_key"]["matches_installed"] is True


def test_an_avma_key_row_without_a_channel_is_avma():
    row = _thin(PartialProductKey="78VHK", LicenseFamily="ServerStandard", Name="Windows(R), ServerStandard edition")
    result = facts(document([row], edition_id="ServerStandard", os=server_os()))
    assert result["activation"]["method"] == "avma"
    assert any("published AVMA key" in sentence for sentence in result["activation"]["evidence"])


# --- no_windows_product says what was received ------------------------------------------------------------------

@pytest.mark.parametrize("rows, says, advice", [
    ([], "returned no rows (no key installed: 0xC004F014)", "slmgr /ipk"),
    ([product(ApplicationID="0ff1ce15-a989-479d-af46-f275c6370663", Name="Office 21, Office21ProPlus2021VL_KMS_Client edition")],
     "all of other applications than Windows", "run the collector unchanged"),
    ([product(PartialProductKey=None, Name="Windows(R), Professional edition")],
     "1 Windows row(s) (Windows(R), Professional edition) without a PartialProductKey", "run the collector unchanged"),
    ([product(PartialProductKey=None), product(ApplicationID="0ff1ce15-a989-479d-af46-f275c6370663")],
     "without a PartialProductKey and 1 row(s) of other applications", "slmgr /dli"),
    ([esu_row()], "only add-on licences (1) carry a product key", "slmgr /ipk"),
])
def test_no_windows_product_describes_what_was_received(rows, says, advice):
    error = failure(document(rows))
    assert error.code == "no_windows_product"
    assert says in error.message
    assert advice in error.message
    if rows and all(row.get("ApplicationID") != WINDOWS_APP for row in rows):
        assert "not to Windows" not in error.message
    if any(row.get("ApplicationID") == WINDOWS_APP and not row.get("PartialProductKey") for row in rows):
        assert "other applications, not to Windows" not in error.message
        assert "Install the edition's product key" not in error.message
