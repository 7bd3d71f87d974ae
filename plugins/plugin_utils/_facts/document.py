# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse and normalize the collector document (schema 1, docs/architecture.md).

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

The document comes from a host, so every value is untrusted: types are checked and
coerced, strings are cleaned (control characters, length cap, product keys masked), and
the CIM conventions are undone so the classifier sees plain Python values:

* dates: Windows PowerShell 5.1 ``/Date(ms)/`` (also ``/Date(ms+0100)/``), PowerShell 7
  ISO-8601, WMI DMTF strings and FILETIME integers -> timezone-aware UTC ``datetime``;
  the CIM "no date" value (FILETIME 0 = 1601-01-01, in any of those forms) -> ``None``;
* uint32 4294967295 ("not applicable") -> ``None`` for the properties where it means that;
* empty strings -> ``None``.

Property names stay exactly as CIM spells them. Properties the schema does not know are
dropped, so nothing unexpected from a host reaches the facts.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

from ansible_collections.licensing.windows.plugins.plugin_utils._facts.catalog import UINT32_NOT_APPLICABLE
from ansible_collections.licensing.windows.plugins.plugin_utils._facts.errors import LicenseFactsError
from ansible_collections.licensing.windows.plugins.plugin_utils._messages import shown, type_word
from ansible_collections.licensing.windows.plugins.plugin_utils._values import flag, hresult, hresult_text, uint32
from ansible_collections.licensing.windows.plugins.plugin_utils._text import HOST_IDENTIFIER, HOST_STRING_MAX_CHARS, HOST_TEXT, clean_text, strip_hidden

SCHEMA_VERSION = 1

# Longest string kept from a host (_text.HOST_STRING_MAX_CHARS). Real values are far shorter
# (the longest, an AD DN, is rarely over 200 characters); the cap keeps a hostile host from
# bloating facts and reports.
MAX_STRING_LENGTH = HOST_STRING_MAX_CHARS

# A real host has a handful of keyed Windows rows and at most a few collector errors.
MAX_PRODUCTS = 64
MAX_ERRORS = 32

# Value kinds of the schema.
TEXT = "text"  # free text: control characters become spaces
IDENT = "ident"  # identifiers and names: control characters removed
UINT32 = "uint32"
UINT32_OR_NA = "uint32_or_na"  # 4294967295 means "not applicable" -> None
HRESULT = "hresult"  # uint32 HRESULT; the signed and hex-string forms are accepted too
BOOLEAN = "boolean"
DATETIME = "datetime"

OS_FIELDS = {
    "Caption": TEXT,
    "Version": IDENT,
    "BuildNumber": IDENT,
    "ProductType": UINT32,
    "OperatingSystemSKU": UINT32,
}

SERVICE_FIELDS = {
    "Version": IDENT,
    "ClientMachineID": IDENT,
    "KeyManagementServiceMachine": IDENT,
    "KeyManagementServicePort": UINT32,
    "DiscoveredKeyManagementServiceMachineName": IDENT,
    "DiscoveredKeyManagementServiceMachinePort": UINT32,
    "IsKeyManagementServiceMachine": UINT32,
    "VLActivationInterval": UINT32_OR_NA,
    "VLRenewalInterval": UINT32_OR_NA,
    "OA3xOriginalProductKeyPartial": IDENT,
    "OA3xOriginalProductKeyDescription": TEXT,
}

PRODUCT_FIELDS = {
    "ID": IDENT,
    "Name": TEXT,
    "Description": TEXT,
    "ApplicationID": IDENT,
    "LicenseFamily": IDENT,
    "ProductKeyChannel": IDENT,
    "PartialProductKey": IDENT,
    "ProductKeyID": IDENT,
    "LicenseStatus": UINT32,
    "LicenseStatusReason": HRESULT,
    "GracePeriodRemaining": UINT32_OR_NA,
    "EvaluationEndDate": DATETIME,
    "GenuineStatus": UINT32,
    "LicenseIsAddon": BOOLEAN,
    "LicenseDependsOn": IDENT,
    "VLActivationType": UINT32,
    "VLActivationTypeEnabled": UINT32,
    "VLActivationInterval": UINT32_OR_NA,
    "VLRenewalInterval": UINT32_OR_NA,
    "KeyManagementServiceMachine": IDENT,
    "KeyManagementServicePort": UINT32,
    "DiscoveredKeyManagementServiceMachineName": IDENT,
    "DiscoveredKeyManagementServiceMachinePort": UINT32,
    "DiscoveredKeyManagementServiceMachineIpAddress": IDENT,
    "KeyManagementServiceLookupDomain": IDENT,
    "IsKeyManagementServiceMachine": UINT32,
    "ADActivationObjectName": TEXT,
    "ADActivationObjectDN": TEXT,
    "TokenActivationILVID": UINT32_OR_NA,
    "IAID": IDENT,
    "AutomaticVMActivationHostMachineName": IDENT,
    "AutomaticVMActivationLastActivationTime": DATETIME,
}

ERROR_FIELDS = {
    "source": IDENT,
    "hresult": HRESULT,
    "message": TEXT,
}

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=timezone.utc)
# CIM's "no date" is FILETIME 0 = 1601-01-01. Get-CimInstance turns it into *local* time, so
# after serialisation it can sit up to 14 hours either side of midnight UTC.
_NO_DATE_BEFORE = datetime(1601, 1, 2, 12, tzinfo=timezone.utc)

# "\/Date(1700000000000)\/" (PowerShell 5.1) or "\/Date(1700000000000+0100)\/" (.NET
# DataContractJsonSerializer): milliseconds since 1970 UTC; the offset is display only.
# A doubly escaped form (literal backslashes) is accepted too.
_MS_DATE = re.compile(r"^\\?/Date\((-?\d{1,15})(?:[+-]\d{4})?\)\\?/$")
_ISO_DATE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)
# WMI DMTF datetime (Get-WmiObject): yyyymmddHHMMSS.ffffff+UUU, offset in minutes.
_DMTF_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\.(\d{6})([+-])(\d{3})$")


def _fail(field: str, expected: str, value) -> LicenseFactsError:
    return LicenseFactsError("schema_mismatch", f"{field}: expected {expected}, got {shown(value)}")


def _to_string(value, field: str, kind: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _fail(field, "a string or null", value)
    text = value if isinstance(value, str) else str(value)
    cleaned = clean_text(text, MAX_STRING_LENGTH, HOST_TEXT if kind == TEXT else HOST_IDENTIFIER)
    return cleaned or None


def _parsed(value, field: str, parse, expected: str):
    """``value`` read by ``parse`` (null stays None); schema_mismatch naming ``field`` when it cannot be read."""
    if value is None:
        return None
    parsed = parse(value)
    if parsed is None:
        raise _fail(field, expected, value)
    return parsed


def _to_uint32(value, field: str) -> int | None:
    return _parsed(value, field, uint32, "an unsigned 32-bit integer or null")


def _to_hresult(value, field: str) -> int | None:
    """HRESULTs arrive as uint32 from CIM, as signed int32 from .NET and as "0x..." strings from the collector."""
    return _parsed(value, field, hresult, "an HRESULT (unsigned 32-bit integer or '0x' + hex digits) or null")


def _to_boolean(value, field: str) -> bool | None:
    return _parsed(value, field, flag, "a boolean or null")


def _no_date(moment: datetime) -> datetime | None:
    return None if moment < _NO_DATE_BEFORE else moment


def parse_cim_datetime(value, field: str = "date") -> datetime | None:
    """Parse a CIM datetime as PowerShell 5.1, PowerShell 7 or WMI write it; the 1601 "no date" value -> None."""
    if value is None:
        return None
    if isinstance(value, dict) and "value" in value:
        # Windows PowerShell 5.1 wraps DateTime objects that carry ETS properties.
        return parse_cim_datetime(value["value"], field)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _fail(field, "a date (PowerShell 5.1 /Date(ms)/, ISO-8601 or DMTF string) or null", value)
    try:
        if isinstance(value, int):
            # A raw FILETIME: 100-nanosecond intervals since 1601-01-01 UTC.
            return _no_date(_FILETIME_EPOCH + timedelta(microseconds=value // 10))
        text = value.strip()
        if not text:
            return None
        match = _MS_DATE.match(text)
        if match:
            return _no_date(_EPOCH + timedelta(milliseconds=int(match.group(1))))
        match = _ISO_DATE.match(text)
        if match:
            return _no_date(_iso_to_utc(match))
        match = _DMTF_DATE.match(text)
        if match:
            if match.group(1) == "0000":
                return None
            year, month, day, hour, minute, second, micro = (int(part) for part in match.groups()[:7])
            offset = timedelta(minutes=int(match.group(9))) * (-1 if match.group(8) == "-" else 1)
            local = datetime(year, month, day, hour, minute, second, micro, tzinfo=timezone(offset))
            return _no_date(local.astimezone(timezone.utc))
    except (ValueError, OverflowError):
        pass
    raise _fail(field, "a date (PowerShell 5.1 /Date(ms)/, ISO-8601 or DMTF string) or null", value)


def _iso_to_utc(match: re.Match) -> datetime:
    year, month, day, hour, minute = (int(match.group(index)) for index in range(1, 6))
    second = int(match.group(6) or 0)
    # Python keeps microseconds; PowerShell 7 writes seven fractional digits.
    micro = int((match.group(7) or "0")[:6].ljust(6, "0"))
    zone = match.group(8)
    if zone is None or zone.upper() == "Z":
        # No offset (DateTimeKind.Unspecified in PowerShell 7): taken as UTC.
        tzinfo = timezone.utc
    else:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        tzinfo = timezone(sign * offset)
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=tzinfo).astimezone(timezone.utc)


def _coerce(value, kind: str, field: str):
    if kind in (TEXT, IDENT):
        return _to_string(value, field, kind)
    if kind == UINT32:
        return _to_uint32(value, field)
    if kind == UINT32_OR_NA:
        number = _to_uint32(value, field)
        return None if number == UINT32_NOT_APPLICABLE else number
    if kind == HRESULT:
        return _to_hresult(value, field)
    if kind == BOOLEAN:
        return _to_boolean(value, field)
    return parse_cim_datetime(value, field)


def _normalize_object(value, fields: dict, field: str) -> dict:
    if not isinstance(value, dict):
        raise _fail(field, "an object", value)
    return {name: _coerce(value.get(name), kind, f"{field}.{name}") for name, kind in fields.items()}


def _as_list(value, field: str) -> list:
    if value is None:
        return []
    if isinstance(value, dict):
        # Windows PowerShell unrolls one-element arrays in some pipelines; accept the bare object.
        return [value]
    if not isinstance(value, list):
        raise _fail(field, "a list", value)
    return value


def _normalize_service(value, warnings: list) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _fail("service", "an object or null", value)
    service = _normalize_object(value, SERVICE_FIELDS, "service")
    full_key = value.get("OA3xOriginalProductKey")
    if isinstance(full_key, str) and full_key.strip():
        # The collector must cut the firmware key on the host; if a full key arrived anyway,
        # keep only what the schema allows and say so.
        key = strip_hidden(full_key)
        if service["OA3xOriginalProductKeyPartial"] is None and len(key) >= 5:
            service["OA3xOriginalProductKeyPartial"] = key[-5:]
        warnings.append("the document carried the full firmware product key (OA3xOriginalProductKey); "
                        "only its last five characters were kept")
    partial = service["OA3xOriginalProductKeyPartial"]
    if partial is not None:
        service["OA3xOriginalProductKeyPartial"] = partial.upper()
    return service


def _normalize_product(value, index: int) -> dict:
    product = _normalize_object(value, PRODUCT_FIELDS, f"products[{index}]")
    for name in ("PartialProductKey", "ID", "ApplicationID", "LicenseDependsOn"):
        if product[name] is not None:
            product[name] = product[name].upper() if name == "PartialProductKey" else product[name].lower()
    return product


def _normalize_error(value, index: int) -> dict:
    entry = _normalize_object(value, ERROR_FIELDS, f"errors[{index}]")
    entry["hresult"] = hresult_text(entry["hresult"])
    return entry


def _json_type(value) -> str:
    return type_word(value, mapping="an object", sequence="an array", number="a number")


def _check_schema(document) -> None:
    if not isinstance(document, dict):
        raise LicenseFactsError("schema_mismatch", f"document: expected a JSON object, got {_json_type(document)}")
    if "schema" not in document:
        raise LicenseFactsError("schema_mismatch", f"schema: missing; expected {SCHEMA_VERSION}")
    schema = document["schema"]
    if isinstance(schema, bool) or schema != SCHEMA_VERSION:
        raise _fail("schema", str(SCHEMA_VERSION), schema)


def normalize_document(document) -> dict:
    """Validate a collector document and return it normalized.

    The result has the keys ``schema``, ``os`` (dict or None), ``edition_id`` (str or None),
    ``service`` (dict or None), ``products`` (list of dicts), ``errors`` (list of
    ``{source, hresult, message}``, hresult as ``0x`` + 8 upper-case hex digits) and
    ``warnings`` (what normalization had to drop). Raises LicenseFactsError(schema_mismatch)
    naming the offending field.
    """
    _check_schema(document)
    warnings = []

    os_info = document.get("os")
    if os_info is not None:
        os_info = _normalize_object(os_info, OS_FIELDS, "os")

    edition_id = _to_string(document.get("edition_id"), "edition_id", IDENT)

    rows = _as_list(document.get("products"), "products")
    if len(rows) > MAX_PRODUCTS:
        warnings.append(f"the host returned {len(rows)} product rows; only the first {MAX_PRODUCTS} were read")
        rows = rows[:MAX_PRODUCTS]

    entries = _as_list(document.get("errors"), "errors")
    if len(entries) > MAX_ERRORS:
        warnings.append(f"the host returned {len(entries)} error entries; only the first {MAX_ERRORS} were kept")
        entries = entries[:MAX_ERRORS]

    return {
        "schema": SCHEMA_VERSION,
        "os": os_info,
        "edition_id": edition_id,
        "service": _normalize_service(document.get("service"), warnings),
        "products": [_normalize_product(row, index) for index, row in enumerate(rows)],
        "errors": [_normalize_error(entry, index) for index, entry in enumerate(entries)],
        "warnings": warnings,
    }


def parse_collector_output(stdout) -> dict:
    """Parse the collector's stdout into the (raw) document; the schema is checked here too.

    Raises LicenseFactsError with code ``output_not_json`` when stdout is not one JSON value,
    or ``schema_mismatch`` when it is JSON but not a schema-1 document.
    """
    if isinstance(stdout, bytes):
        stdout = stdout.decode("utf-8", "replace")
    if not isinstance(stdout, str):
        raise LicenseFactsError("output_not_json", f"stdout: expected text, got {type(stdout).__name__}")
    text = stdout.lstrip("\ufeff").strip()
    if not text:
        raise LicenseFactsError("output_not_json", "stdout: expected one JSON document, got no output")
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise LicenseFactsError(
            "output_not_json",
            f"stdout: expected one JSON document, got text starting {clean_text(text, 120, HOST_TEXT)!r} ({exc.msg})",
        ) from None
    _check_schema(document)
    return document
