# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Parsing and normalizing the collector document: dates, sentinels, types, hostile values, errors."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from ansible_collections.licensing.windows.plugins.plugin_utils._facts.document import (
    MAX_PRODUCTS,
    MAX_STRING_LENGTH,
    normalize_document,
    parse_cim_datetime,
    parse_collector_output,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._facts.errors import LicenseFactsError
from ansible_collections.licensing.windows.plugins.plugin_utils._text import TRUNCATION_MARKER

UTC = timezone.utc
WINDOWS_APP = "55c92734-d682-4d71-983e-d6ec3f16059f"


def product(**values) -> dict:
    row = {"ID": "4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c", "Name": "Windows(R), Professional edition",
           "Description": "Windows(R) Operating System, RETAIL channel", "ApplicationID": WINDOWS_APP,
           "LicenseFamily": "Professional", "ProductKeyChannel": "Retail", "PartialProductKey": "3V66T",
           "LicenseStatus": 1, "LicenseStatusReason": 1074066433, "GracePeriodRemaining": 0,
           "EvaluationEndDate": "/Date(-11644473600000)/", "LicenseIsAddon": False, "TokenActivationILVID": 4294967295}
    row.update(values)
    return row


def document(**values) -> dict:
    doc = {"schema": 1, "os": {"Caption": "Microsoft Windows 11 Pro", "Version": "10.0.22631", "BuildNumber": "22631",
                               "ProductType": 1, "OperatingSystemSKU": 48},
           "edition_id": "Professional", "service": {"Version": "10.0.22621.4317", "OA3xOriginalProductKeyPartial": None},
           "products": [product()], "errors": []}
    doc.update(values)
    return doc


def expect_schema_error(doc, *fragments):
    with pytest.raises(LicenseFactsError) as caught:
        normalize_document(doc)
    assert caught.value.code == "schema_mismatch"
    for fragment in fragments:
        assert fragment in str(caught.value)
    return caught.value


# ---- dates ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("/Date(1700000000000)/", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
    ("/Date(1700000000000+0100)/", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),  # offset is display only
    ("/Date(1700000000000-0500)/", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
    ("2027-02-28T10:00:00Z", datetime(2027, 2, 28, 10, tzinfo=UTC)),
    ("2027-02-28T11:00:00+01:00", datetime(2027, 2, 28, 10, tzinfo=UTC)),
    ("2027-02-28T11:00:00.1234567+01:00", datetime(2027, 2, 28, 10, 0, 0, 123456, tzinfo=UTC)),  # PowerShell 7: 7 digits
    ("2027-02-28T10:00:00", datetime(2027, 2, 28, 10, tzinfo=UTC)),  # no offset: taken as UTC
    ("20270228110000.000000+060", datetime(2027, 2, 28, 10, tzinfo=UTC)),  # WMI DMTF, offset in minutes
    ({"value": "/Date(1700000000000)/", "DisplayHint": 2, "DateTime": "Tuesday, 14 November 2023"},
     datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
    (116444736000000000, datetime(1970, 1, 1, tzinfo=UTC)),  # a raw FILETIME
])
def test_dates_from_every_powershell(value, expected):
    assert parse_cim_datetime(value) == expected


@pytest.mark.parametrize("value", [
    None, "", "/Date(-11644473600000)/",
    "/Date(-11644477200000)/",  # 1601-01-01T00:00 local time on a UTC+1 host
    "/Date(-11644470000000)/",  # ... on a UTC-1 host
    "1601-01-01T00:00:00Z", "1601-01-01T01:00:00+01:00", "1601-01-01T00:00:00",
    "16010101000000.000000-000", "00000000000000.000000+000", 0,
])
def test_the_1601_sentinel_and_filetime_zero_mean_no_date(value):
    assert parse_cim_datetime(value) is None


@pytest.mark.parametrize("value", ["tomorrow", "/Date(abc)/", "2027-13-45T00:00:00Z", 1.5, True, ["2027"]])
def test_unparseable_dates_name_the_field(value):
    with pytest.raises(LicenseFactsError) as caught:
        parse_cim_datetime(value, "products[0].EvaluationEndDate")
    assert caught.value.code == "schema_mismatch"
    assert str(caught.value).startswith("products[0].EvaluationEndDate: expected a date")


def test_powershell_51_escaped_slashes_are_json_and_parse():
    text = json.dumps(document()).replace("/Date(", "\\/Date(").replace(")/", ")\\/")
    assert '"\\/Date(-11644473600000)\\/"' in text
    doc = normalize_document(parse_collector_output(text))
    assert doc["products"][0]["EvaluationEndDate"] is None


# ---- values and sentinels -------------------------------------------------------------------------------------

def test_uint32_not_applicable_becomes_none_only_where_it_means_that():
    doc = normalize_document(document(products=[product(
        TokenActivationILVID=4294967295, VLActivationInterval=4294967295, GracePeriodRemaining=4294967295,
        LicenseStatusReason=4294967295, KeyManagementServicePort=1688)]))
    row = doc["products"][0]
    assert row["TokenActivationILVID"] is None
    assert row["VLActivationInterval"] is None
    assert row["GracePeriodRemaining"] is None
    assert row["LicenseStatusReason"] == 0xFFFFFFFF  # an HRESULT, not "n/a"
    assert row["KeyManagementServicePort"] == 1688


@pytest.mark.parametrize("value, expected", [
    (3221549172, 0xC004F074), (-1073418124, 0xC004F074), ("0xC004F074", 0xC004F074), ("0xFFFFFFFFC004F074", 0xC004F074),
])
def test_hresult_forms(value, expected):
    assert normalize_document(document(products=[product(LicenseStatusReason=value)]))["products"][0][
        "LicenseStatusReason"] == expected


def test_missing_properties_are_none_and_unknown_ones_dropped():
    row = product()
    del row["ProductKeyChannel"]
    row["SomethingElse"] = "<script>"
    normalized = normalize_document(document(products=[row]))["products"][0]
    assert normalized["ProductKeyChannel"] is None
    assert "SomethingElse" not in normalized


def test_identifiers_are_normalized():
    row = normalize_document(document(products=[product(
        ID="4DE7CB65-CDF1-4DE9-8AE8-E3CCE27B9F2C", ApplicationID="55C92734-D682-4D71-983E-D6EC3F16059F",
        PartialProductKey=" 3v66t ")]))["products"][0]
    assert row["ID"] == "4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c"
    assert row["ApplicationID"] == WINDOWS_APP
    assert row["PartialProductKey"] == "3V66T"


def test_empty_strings_become_none():
    doc = normalize_document(document(edition_id="", service={"KeyManagementServiceMachine": "  ",
                                                              "OA3xOriginalProductKeyDescription": ""}))
    assert doc["edition_id"] is None
    assert doc["service"]["KeyManagementServiceMachine"] is None
    assert doc["service"]["OA3xOriginalProductKeyDescription"] is None


def test_one_product_object_instead_of_a_list_is_accepted():
    # Windows PowerShell unrolls one-element arrays in some pipelines.
    doc = normalize_document(document(products=product()))
    assert len(doc["products"]) == 1


def test_failed_classes_are_null():
    doc = normalize_document(document(os=None, service=None, products=[], edition_id=None, errors=[
        {"source": "SoftwareLicensingProduct", "hresult": "0xFFFFFFFF80041003", "message": "Access denied "},
        {"source": "Registry", "hresult": -2147024891, "message": "Access is denied."},
    ]))
    assert doc["os"] is None and doc["service"] is None and doc["products"] == []
    assert doc["errors"] == [
        {"source": "SoftwareLicensingProduct", "hresult": "0x80041003", "message": "Access denied"},
        {"source": "Registry", "hresult": "0x80070005", "message": "Access is denied."},
    ]


# ---- schema and type errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("schema, shown", [(2, "got 2"), ("1", "got '1'"), (True, "got True"), (None, "got None")])
def test_schema_must_be_1(schema, shown):
    error = expect_schema_error(document(schema=schema), "schema: expected 1", shown)
    assert "same release" in error.message


def test_missing_schema():
    doc = document()
    del doc["schema"]
    expect_schema_error(doc, "schema: missing; expected 1")


@pytest.mark.parametrize("value, kind", [([], "an array"), ("text", "a string"), (None, "null"), (7, "a number")])
def test_document_must_be_an_object(value, kind):
    expect_schema_error(value, f"document: expected a JSON object, got {kind}")


@pytest.mark.parametrize("doc, fragments", [
    (document(products=[product(LicenseStatus="licensed")]), ("products[0].LicenseStatus", "unsigned 32-bit integer")),
    (document(products=[product(LicenseStatus=-1)]), ("products[0].LicenseStatus",)),
    (document(products=[product(LicenseStatus=True)]), ("products[0].LicenseStatus",)),
    (document(products=[product(), product(LicenseIsAddon="maybe")]), ("products[1].LicenseIsAddon", "a boolean")),
    (document(products=[product(Name={"nested": 1})]), ("products[0].Name", "a string or null")),
    (document(os=[1, 2]), ("os: expected an object",)),
    (document(service="x"), ("service: expected an object or null",)),
    (document(products="x"), ("products: expected a list",)),
    (document(products=["x"]), ("products[0]: expected an object",)),
    (document(errors=[{"source": "Registry", "hresult": "bad", "message": "m"}]), ("errors[0].hresult",)),
    (document(edition_id=5.5), ()),
])
def test_type_errors_name_the_field(doc, fragments):
    if not fragments:
        # A number where a string belongs is written out as text (PowerShell may emit BuildNumber unquoted).
        assert normalize_document(doc)["edition_id"] == "5.5"
        return
    expect_schema_error(doc, *fragments)


def test_numeric_strings_and_floats_are_accepted_as_uint32():
    row = normalize_document(document(products=[product(LicenseStatus="1", GracePeriodRemaining=120.0)]))["products"][0]
    assert row["LicenseStatus"] == 1 and row["GracePeriodRemaining"] == 120


# ---- stdout ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stdout", ["", "   \r\n", "WARNING: something\r\n", "<html>", "{\"schema\": 1", "\ufeff"])
def test_not_json(stdout):
    with pytest.raises(LicenseFactsError) as caught:
        parse_collector_output(stdout)
    assert caught.value.code == "output_not_json"
    assert "stdout: expected" in str(caught.value)


def test_not_json_detail_never_echoes_a_full_key():
    with pytest.raises(LicenseFactsError) as caught:
        parse_collector_output("key ABCDE-FGHIJ-KLMNO-PQRST-UVWXY is wrong\n")
    assert "ABCDE-FGHIJ" not in caught.value.message
    assert "UVWXY" in caught.value.message


def test_stdout_with_bom_bytes_and_crlf():
    text = "\ufeff" + json.dumps(document()) + "\r\n"
    assert parse_collector_output(text.encode("utf-8"))["schema"] == 1


def test_json_that_is_not_an_object():
    with pytest.raises(LicenseFactsError) as caught:
        parse_collector_output("[1, 2]")
    assert caught.value.code == "schema_mismatch"


def test_non_text_stdout():
    with pytest.raises(LicenseFactsError) as caught:
        parse_collector_output(None)
    assert caught.value.code == "output_not_json"


# ---- hostile values -------------------------------------------------------------------------------------------

def test_control_characters_and_newlines():
    row = normalize_document(document(products=[product(
        Name="Windows\r\nInjected: line\x1b[31m red\x00", ID="4de7cb65\n-cdf1", LicenseFamily="Pro\u202efessional")]))[
        "products"][0]
    assert row["Name"] == "Windows Injected: line [31m red"
    assert row["ID"] == "4de7cb65-cdf1"
    assert row["LicenseFamily"] == "Professional"


def test_html_is_kept_as_text():
    # Escaping is the renderers' job; the value must arrive unchanged but on one line.
    row = normalize_document(document(products=[product(Description="<img src=x onerror=alert(1)> & 'q'")]))["products"][0]
    assert row["Description"] == "<img src=x onerror=alert(1)> & 'q'"


def test_very_long_strings_are_capped_with_a_marker():
    row = normalize_document(document(products=[product(Description="A" * 100000)]))["products"][0]
    assert len(row["Description"]) == MAX_STRING_LENGTH
    assert row["Description"].endswith(TRUNCATION_MARKER)


@pytest.mark.parametrize("text", [
    "Windows(R) Operating System, RETAIL channel, key ABCDE-FGHIJ-KLMNO-PQRST-23XYZ",
    "key abcde-fghij-klmno-pqrst-23xyz installed",
    "run-together ABCDEFGHIJKLMNOPQRST23XYZ here",
])
def test_full_product_keys_are_masked_to_the_last_five(text):
    row = normalize_document(document(products=[product(Description=text)]))["products"][0]
    assert "23XYZ" in row["Description"].upper()
    assert "FGHIJ" not in row["Description"].upper()
    assert "*****-*****-*****-*****-" in row["Description"]


def test_full_firmware_key_is_cut_with_a_warning():
    doc = normalize_document(document(service={"OA3xOriginalProductKey": "FAKE1-FAKE2-FAKE3-FAKE4-XK9QB"}))
    assert doc["service"]["OA3xOriginalProductKeyPartial"] == "XK9QB"
    assert "OA3xOriginalProductKey" not in doc["service"]
    assert "FAKE1" not in json.dumps(doc)
    assert any("full firmware product key" in warning for warning in doc["warnings"])


def test_absurd_row_counts_are_cut():
    doc = normalize_document(document(products=[product(ID=f"id-{index}") for index in range(MAX_PRODUCTS + 10)]))
    assert len(doc["products"]) == MAX_PRODUCTS
    assert any(str(MAX_PRODUCTS + 10) in warning for warning in doc["warnings"])
