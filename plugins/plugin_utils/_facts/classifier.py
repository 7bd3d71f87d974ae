# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Choose the primary Windows product and explain how it is activated.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

Input: the collector document (schema 1) and the controller time of collection.
Output: ``ansible_facts.windows_license`` as the RETURN block of plugins/modules/license_facts.py
documents it: every key always present, unknown values ``None``. Pure functions: no clock
reads, no I/O, so the same document always gives the same facts.

The rules are the table "Rules: how method and digital_license are decided" of
docs/facts.md, whose row numbers the docstrings below cite, first match wins; that page
names the Microsoft sources of each rule and what rests on observation.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from ansible_collections.licensing.windows.plugins.plugin_utils._facts.catalog import (
    edition_in_name,
    is_evaluation_edition,
    AVMA_KEYS,
    DESCRIPTION_CHANNELS,
    FIRST_WINDOWS_10_BUILD,
    GENERIC_KEYS,
    GVLK_KEYS,
    HRESULT_TEXTS,
    LICENSE_STATUS_LICENSED,
    LICENSE_STATUS_NAMES,
    SERVER_PRODUCT_TYPES,
    STORE_BASED_ACTIVATION,
    VL_ACTIVATION_TYPES,
    WINDOWS_APPLICATION_ID,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._facts.document import normalize_document
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import KMS_DEFAULT_PORT, KMS_VALIDITY_DAYS, KMS_VALIDITY_MINUTES
from ansible_collections.licensing.windows.plugins.plugin_utils._values import days_as_slmgr_shows, hresult_text
from ansible_collections.licensing.windows.plugins.plugin_utils._facts.errors import LicenseFactsError, error_code_for_hresult

FACTS_SCHEMA_VERSION = 1

# Methods whose licence is a volume activation with a limited validity (180 days).
_EXPIRING_VOLUME_METHODS = ("kms", "ad_based")

# How each method that rules a digital license out is named in the evidence (product_key and
# not_activated explain themselves).
_NOT_DIGITAL_WORDS = {
    "volume_mak": "a MAK activation",
    "kms": "a KMS activation",
    "ad_based": "an Active Directory-based activation",
    "token": "a token-based activation",
    "avma": "an AVMA activation",
    "evaluation": "an evaluation licence",
    "kms_host": "a KMS host key (CSVLK)",
}

# Primary-product ranking: licensed first, then the grace states (still working), then
# notification, then unlicensed; missing status last.
_STATUS_RANK = {1: 0, 2: 1, 3: 1, 4: 1, 6: 1, 5: 2, 0: 3}

_DESCRIPTION_MARKER = re.compile(r",\s*([A-Za-z0-9_]+)(?:\([^)]*\))?\s+channel\s*$", re.IGNORECASE)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _status_name(code: int | None) -> str | None:
    return LICENSE_STATUS_NAMES.get(code) if code is not None else None


def derive_channel(product: dict) -> tuple[str | None, str | None]:
    """(channel, channel_source): ProductKeyChannel lower-cased with ':' -> '_', else from the Description marker."""
    channel = product.get("ProductKeyChannel")
    if channel:
        return re.sub(r"[^a-z0-9_]", "_", channel.lower().replace(":", "_")), "product_key_channel"
    match = _DESCRIPTION_MARKER.search(product.get("Description") or "")
    if not match:
        return None, None
    marker = match.group(1).upper()
    if marker in DESCRIPTION_CHANNELS:
        return DESCRIPTION_CHANNELS[marker], "description"
    if marker.startswith("VOLUME_KMS"):
        # slmgr: VOLUME_KMS but not VOLUME_KMSCLIENT is a KMS host key (e.g. VOLUME_KMS_WS22).
        return "volume_csvlk", "description"
    return marker.lower(), "description"


def choose_primary_product(products: list) -> tuple[dict | None, list, list]:
    """Split normalized product rows into (primary, other keyed Windows rows, add-ons).

    Candidates follow slmgr's primary-SKU rule: Windows ApplicationID, a partial key, not an
    add-on (an unreadable LicenseIsAddon counts as "not an add-on"). Tie-break, in order:
    LicenseStatus (licensed, then grace states, then notification, then unlicensed), rows
    without LicenseDependsOn first, then activation ID and partial key in ascending order,
    so the choice never depends on row order.
    """
    windows = [row for row in products if row.get("ApplicationID") == WINDOWS_APPLICATION_ID and row.get("PartialProductKey")]
    add_ons = [row for row in windows if row.get("LicenseIsAddon") is True]
    candidates = [row for row in windows if row.get("LicenseIsAddon") is not True]
    candidates.sort(key=lambda row: (
        _STATUS_RANK.get(row.get("LicenseStatus"), 4),
        row.get("LicenseDependsOn") is not None,
        row.get("ID") or "",
        row.get("PartialProductKey") or "",
    ))
    if not candidates:
        return None, [], add_ons
    return candidates[0], candidates[1:], add_ons


class _Context:
    """What the classification needs beyond the primary product row."""

    def __init__(self, document: dict, warnings: list) -> None:
        os_info = document["os"] or {}
        service = document["service"] or {}
        self.service = document["service"]
        self.edition_id = document["edition_id"]
        self.product_type = os_info.get("ProductType")
        self.is_server = self.product_type in SERVER_PRODUCT_TYPES if self.product_type is not None else None
        self.build = _build_number(os_info)
        self.firmware_partial = service.get("OA3xOriginalProductKeyPartial")
        if self.firmware_partial is not None and not re.fullmatch(r"[A-Z0-9]{5}", self.firmware_partial):
            warnings.append("OA3xOriginalProductKeyPartial is not five letters or digits; the firmware key is ignored")
            self.firmware_partial = None
        self.service_kms_host = service.get("KeyManagementServiceMachine")


def _build_number(os_info: dict) -> int | None:
    build = os_info.get("BuildNumber")
    if build and build.isdigit():
        return int(build)
    parts = (os_info.get("Version") or "").split(".")
    if len(parts) >= 3 and parts[2].isdigit():
        return int(parts[2])
    return None


class _Classification:
    """The result of classifying the primary product."""

    def __init__(self) -> None:
        self.method = "unknown"
        self.digital_license = None
        self.evidence = []
        self.warnings = []


def _is_volume_client(product: dict, channel: str | None) -> bool:
    description = (product.get("Description") or "").upper()
    return "VOLUME_KMSCLIENT" in description or channel == "volume_gvlk" or product.get("PartialProductKey") in GVLK_KEYS


def _is_kms_host_product(product: dict, channel: str | None) -> bool:
    description = (product.get("Description") or "").upper()
    marks_host = "VOLUME_KMS" in description and "VOLUME_KMSCLIENT" not in description
    return marks_host or channel == "volume_csvlk" or product.get("IsKeyManagementServiceMachine") == 1


def _status_sentence(product: dict) -> str:
    code = product.get("LicenseStatus")
    reason = product.get("LicenseStatusReason")
    grace = product.get("GracePeriodRemaining")
    sentence = f"LicenseStatus is {code} ({_status_name(code) or 'unknown value'})"
    if reason is not None:
        text = HRESULT_TEXTS.get(reason)
        sentence += f", reason {hresult_text(reason)}" + (f" ({text})" if text else "")
    if code == LICENSE_STATUS_LICENSED and grace == 0:
        sentence += "; GracePeriodRemaining is 0, so the activation does not expire"
    elif grace:
        sentence += f"; {grace} minutes ({days_as_slmgr_shows(grace)} days) remain"
    return sentence


def _channel_words(product: dict, channel: str | None, source: str | None) -> str:
    if source == "product_key_channel":
        return f"channel {product['ProductKeyChannel']}"
    if source == "description":
        return f"channel {channel} (from the Description '{product.get('Description')}')"
    return "no channel"


def _server_or_legacy_reason(context: _Context) -> str | None:
    """The sentence that rules a digital license out for this OS, or None when one is possible."""
    if context.is_server:
        return "digital licenses do not exist for Windows Server, so digital_license is false"
    if context.build is not None and context.build < FIRST_WINDOWS_10_BUILD:
        return (f"digital licenses exist from Windows 10 (build {FIRST_WINDOWS_10_BUILD}) on and this is build "
                f"{context.build}, so digital_license is false")
    return None


def _evaluation_sign(product: dict, channel: str | None, context: _Context) -> str | None:
    """Which value shows an evaluation licence, as the evidence names it; None when none does.

    The time-based marks come first (slmgr's own sign is the TIMEBASED_EVAL description);
    the edition is just as reliable and is there even on rows whose Description and
    ProductKeyChannel are empty (older builds, trimmed or partial CIM answers).
    """
    if "TIMEBASED_" in (product.get("Description") or "").upper() or (channel or "").startswith("retail_tb"):
        return "time_based"
    if product.get("EvaluationEndDate"):
        return "end_date"
    name_edition = edition_in_name(product.get("Name"))
    if is_evaluation_edition(name_edition):
        return f"the product Name '{product.get('Name')}' names the evaluation edition {name_edition}"
    if is_evaluation_edition(product.get("LicenseFamily")):
        return f"LicenseFamily {product.get('LicenseFamily')} is an evaluation edition"
    if is_evaluation_edition(context.edition_id):
        return f"the registry EditionID {context.edition_id} is an evaluation edition"
    return None


def _classify(product: dict, channel: str | None, source: str | None, context: _Context) -> _Classification:
    classification = _Classification()
    classification.evidence.append(_status_sentence(product))
    status = product.get("LicenseStatus")
    ruled_out = _server_or_legacy_reason(context)

    if status is None or status not in LICENSE_STATUS_NAMES:
        classification.evidence.append("the licence state cannot be read, so the activation method is unknown")
        classification.warnings.append("LicenseStatus is missing or not a known value (0-6); the activation is unclassified")
    elif status != LICENSE_STATUS_LICENSED:
        _classify_not_activated(product, channel, source, context, classification)
        classification.digital_license = False
    else:
        _classify_licensed(product, channel, source, context, classification)

    if ruled_out:
        classification.digital_license = False
        classification.evidence.append(ruled_out)
    elif classification.method in _NOT_DIGITAL_WORDS:
        classification.evidence.append(f"{_NOT_DIGITAL_WORDS[classification.method]} is not a digital license, so digital_license is false")
    return classification


def _classify_not_activated(product: dict, channel: str | None, source: str | None, context: _Context,
                            classification: _Classification) -> None:
    """Rule 1 of docs/facts.md: LicenseStatus != 1 -> not_activated, with what kind of licence it would be."""
    classification.method = "not_activated"
    partial = product.get("PartialProductKey")
    evaluation = _evaluation_sign(product, channel, context)
    if partial in GENERIC_KEYS:
        classification.evidence.append(
            f"partial key {partial} is the generic {GENERIC_KEYS[partial]} key, which cannot activate by itself: "
            "no digital license was applied to this device for this edition")
    elif _is_volume_client(product, channel):
        classification.evidence.append(f"the product is a KMS client ({_channel_words(product, channel, source)}, key {partial}) "
                                       "that is not activated")
    elif evaluation in ("time_based", "end_date"):
        end = _iso(product.get("EvaluationEndDate"))
        classification.evidence.append(f"the product is a time-based (evaluation) licence ({_channel_words(product, channel, source)}"
                                       + (f", EvaluationEndDate {end}" if end else "") + ") that is no longer valid")
    elif evaluation:
        classification.evidence.append(f"{evaluation}: the product is an evaluation licence that is no longer valid")
    else:
        classification.evidence.append(f"the product ({_channel_words(product, channel, source)}, key {partial}) is not activated")
    classification.evidence.append("the product is not licensed, so it is not activated with a digital license")


def _classify_licensed(product: dict, channel: str | None, source: str | None, context: _Context, classification: _Classification) -> None:
    """Rules 2-9 of docs/facts.md for a licensed product, first match wins.

    The firmware-key rule (5) comes before the digital-license rule (6): OEM:DM activations
    also report the store-based reason 0x4004F401 (observed on a licensed OEM_DM Windows 10
    Pro), so rule 6 first would hide every firmware-key activation; the firmware key is the
    more specific explanation of how the product was activated, and digital_license still
    records the store-based licence.
    """
    description = (product.get("Description") or "").upper()
    partial = product.get("PartialProductKey")
    reason = product.get("LicenseStatusReason")
    channel_words = _channel_words(product, channel, source)
    digital_possible = _server_or_legacy_reason(context) is None
    family = product.get("LicenseFamily")

    evaluation = _evaluation_sign(product, channel, context)
    if evaluation:
        end = _iso(product.get("EvaluationEndDate"))
        classification.method = "evaluation"
        classification.digital_license = False
        if evaluation in ("time_based", "end_date"):
            classification.evidence.append(f"{channel_words} marks a time-based (evaluation) licence"
                                           + (f" that ends on {end}" if end else ""))
        else:
            classification.evidence.append(f"{evaluation}: an evaluation licence"
                                           + (f" that ends on {end}" if end else ""))
    elif "VIRTUAL_MACHINE_ACTIVATION" in description or product.get("IAID") or (channel is None and partial in AVMA_KEYS):
        classification.method = "avma"
        classification.digital_license = False
        host = product.get("AutomaticVMActivationHostMachineName")
        if "VIRTUAL_MACHINE_ACTIVATION" in description:
            classification.evidence.append("the Description names VIRTUAL_MACHINE_ACTIVATION")
        elif product.get("IAID"):
            classification.evidence.append(f"the guest IAID {product.get('IAID')} is set")
        else:
            classification.evidence.append(f"the row has no channel, and partial key {partial} is a published AVMA key")
        classification.evidence.append("the guest is activated by its Hyper-V host" + (f" {host}" if host else "")
                                       + " through Automatic Virtual Machine Activation (AVMA)")
        if partial in AVMA_KEYS:
            classification.evidence.append(f"partial key {partial} is the AVMA key for {AVMA_KEYS[partial]}")
    elif _is_volume_client(product, channel):
        classification.digital_license = False
        _classify_volume_client(product, channel_words, classification)
    elif _firmware_key_installed(product, channel, context):
        classification.method = "oem_firmware_key"
        classification.evidence.append(f"{channel_words} and the installed key ends in {partial} like the firmware-embedded "
                                       "(OA3) key: the product was activated with the OEM firmware key")
        if not digital_possible:
            classification.digital_license = False
        elif reason == STORE_BASED_ACTIVATION:
            classification.digital_license = True
            classification.evidence.append("LicenseStatusReason 0x4004F401 (store-based licence) shows the device also holds "
                                           "a digital license")
        else:
            classification.evidence.append("without the store-based reason 0x4004F401 it cannot be read locally whether this "
                                           "firmware-key activation also gave the device a digital license (UNCONFIRMED), "
                                           "so digital_license is null")
    elif digital_possible and (reason == STORE_BASED_ACTIVATION or partial in GENERIC_KEYS):
        classification.digital_license = True
        if partial in GENERIC_KEYS:
            classification.evidence.append(f"partial key {partial} is the generic {GENERIC_KEYS[partial]} key and the product is "
                                           "licensed; a generic key cannot activate by itself, so a digital license did")
        if reason == STORE_BASED_ACTIVATION:
            classification.evidence.append("LicenseStatusReason 0x4004F401 (SL_I_STORE_BASED_ACTIVATION) says the licence is "
                                           "store-based, which is how a digital license shows locally")
        edition_id = context.edition_id
        if edition_id and family and edition_id.lower() != family.lower():
            classification.method = "subscription"
            classification.evidence.append(f"registry EditionID {edition_id} differs from the licensed LicenseFamily {family}: "
                                           "the running edition comes from subscription activation on top of that digital license")
        else:
            classification.method = "digital_license"
    elif "VOLUME_MAK" in description or channel == "volume_mak":
        classification.method = "volume_mak"
        classification.digital_license = False
        classification.evidence.append(f"{channel_words}: activated with a Multiple Activation Key (MAK)")
    elif channel == "retail" or (channel or "").startswith("oem"):
        classification.method = "product_key"
        classification.digital_license = False
        kind = "a retail product key" if channel == "retail" else "an OEM product key"
        classification.evidence.append(f"{channel_words}, partial key {partial} is neither a generic edition key nor a GVLK and "
                                       f"the reason is {hresult_text(reason)} rather than the store-based 0x4004F401: activated with {kind}")
    elif _is_kms_host_product(product, channel):
        classification.method = "kms_host"
        classification.digital_license = False
        classification.evidence.append(f"{channel_words} with IsKeyManagementServiceMachine "
                                       f"{product.get('IsKeyManagementServiceMachine')}: this machine is a KMS host (CSVLK installed)")
    else:
        classification.evidence.append(f"no rule matched {channel_words}, Description '{product.get('Description')}' and "
                                       f"partial key {partial}")
        classification.warnings.append("the activation method could not be classified; please report the product's "
                                       "Description and ProductKeyChannel")

    if classification.method != "oem_firmware_key" and context.firmware_partial and partial:
        if context.firmware_partial != partial:
            classification.evidence.append(f"the firmware (OA3) key ends in {context.firmware_partial}, not {partial}: a different "
                                           "key than the firmware key is installed")
    if classification.method not in ("kms", "ad_based", "token", "kms_host") and context.service_kms_host:
        classification.evidence.append(f"a KMS host ({context.service_kms_host}) is configured on the licensing service, but the "
                                       "Windows product is not a volume client and does not use it (another product, such as "
                                       "Office, probably set it)")


def _firmware_key_installed(product: dict, channel: str | None, context: _Context) -> bool:
    """The installed key is the firmware (OA3) key: an OEM:DM row, or a row with no channel at all whose key matches.

    A row without Description and ProductKeyChannel still tells which key is installed; when it
    is the key the firmware holds, the product was activated with that key.
    """
    description = (product.get("Description") or "").upper()
    is_oem_dm = channel == "oem_dm" or "OEM_DM" in description
    matches = context.firmware_partial is not None and context.firmware_partial == product.get("PartialProductKey")
    return matches and (is_oem_dm or channel is None)


def _classify_volume_client(product: dict, channel_words: str, classification: _Classification) -> None:
    """Rule 4 of docs/facts.md: a GVLK client activated by Active Directory, a token or KMS."""
    partial = product.get("PartialProductKey")
    key_words = f", partial key {partial} is the GVLK for {GVLK_KEYS[partial]}" if partial in GVLK_KEYS else ""
    classification.evidence.append(f"{channel_words}{key_words}: a volume (KMS client) licence")
    last_type = product.get("VLActivationType")
    if last_type == 1 or product.get("ADActivationObjectName"):
        classification.method = "ad_based"
        name = product.get("ADActivationObjectName")
        classification.evidence.append("activated by Active Directory-based activation ("
                                       + (f"activation object {name}" if name else "VLActivationType 1") + ")")
    elif last_type == 3 or product.get("TokenActivationILVID") is not None:
        classification.method = "token"
        classification.evidence.append(f"activated by token-based activation (TokenActivationILVID {product.get('TokenActivationILVID')})")
    else:
        classification.method = "kms"
        host = product.get("KeyManagementServiceMachine") or product.get("DiscoveredKeyManagementServiceMachineName")
        classification.evidence.append("activated by a KMS host" + (f" ({host})" if host else ""))
    grace = product.get("GracePeriodRemaining")
    if classification.method in _EXPIRING_VOLUME_METHODS and grace is not None and grace > KMS_VALIDITY_MINUTES:
        classification.warnings.append(
            f"the remaining volume activation validity of {grace} minutes ({days_as_slmgr_shows(grace)} days) exceeds the "
            f"{KMS_VALIDITY_MINUTES}-minute ({KMS_VALIDITY_DAYS}-day) maximum of a KMS or Active Directory activation; "
            "this is not how a genuine KMS host activates (KMS38-style anomaly)")


def _kms_block(product: dict, service: dict | None, is_volume: bool, is_host: bool) -> dict | None:
    if not is_volume and not is_host:
        return None
    service = service or {}

    def first(name: str):
        value = product.get(name)
        return value if value not in (None, 0) else (service.get(name) or None)

    configured_host = first("KeyManagementServiceMachine")
    configured_port = first("KeyManagementServicePort")
    if configured_host and configured_port is None:
        configured_port = KMS_DEFAULT_PORT
    configured_type = product.get("VLActivationTypeEnabled")
    last_type = product.get("VLActivationType")
    return {
        "configured_host": configured_host,
        "configured_port": configured_port,
        "discovered_host": first("DiscoveredKeyManagementServiceMachineName"),
        "discovered_port": first("DiscoveredKeyManagementServiceMachinePort"),
        "discovered_ip": product.get("DiscoveredKeyManagementServiceMachineIpAddress"),
        "lookup_domain": product.get("KeyManagementServiceLookupDomain"),
        "activation_interval_minutes": product.get("VLActivationInterval"),
        "renewal_interval_minutes": product.get("VLRenewalInterval"),
        "activation_type_configured": VL_ACTIVATION_TYPES.get(configured_type) if configured_type is not None else None,
        # 0 ("all") is only meaningful for the configured type; as the last-used type it means none yet.
        "activation_type_last": VL_ACTIVATION_TYPES.get(last_type) if last_type else None,
        "is_kms_host": is_host,
    }


def _firmware_block(context: _Context, partial: str | None) -> dict:
    service = context.service
    if service is None:
        return {"present": None, "partial": None, "description": None, "matches_installed": None}
    present = context.firmware_partial is not None
    return {
        "present": present,
        "partial": context.firmware_partial,
        "description": service.get("OA3xOriginalProductKeyDescription"),
        "matches_installed": (context.firmware_partial == partial) if present and partial else None,
    }


def _product_summary(row: dict) -> dict:
    return {
        "name": row.get("Name"),
        "partial_product_key": row.get("PartialProductKey"),
        "license_status": _status_name(row.get("LicenseStatus")),
        "activation_id": row.get("ID"),
    }


def _add_on_summary(row: dict) -> dict:
    return {
        "name": row.get("Name"),
        "description": row.get("Description"),
        "partial_product_key": row.get("PartialProductKey"),
        "license_status": _status_name(row.get("LicenseStatus")),
        "activation_id": row.get("ID"),
    }


def _error_detail(entry: dict) -> str:
    detail = f"the {entry['source'] or 'licensing'} query failed"
    if entry["hresult"]:
        detail += f" with {entry['hresult']}"
    if entry["message"]:
        detail += f" ({entry['message']})"
    return detail


# Advice for a document that the collector itself would not send (its query asks only for
# keyed Windows rows): the document itself is the thing to check, not the host's key.
_NOT_FROM_THE_COLLECTOR = (
    "The collector's query asks only for Windows rows with a partial product key, so this document was probably "
    "produced or changed by something else (a wrapper, a proxy, another collector): run the collector unchanged. "
    "On the host, 'slmgr /dli' shows whether a product key is installed."
)


def _raise_for_missing_products(document: dict, add_on_rows: int) -> None:
    """Fail with no_windows_product (or the query's own error), saying what the document held instead."""
    errors = document["errors"]
    for source in ("SoftwareLicensingProduct", "SoftwareLicensingService"):
        for entry in errors:
            if entry["source"] == source:
                hresult = int(entry["hresult"], 16) if entry["hresult"] else None
                raise LicenseFactsError(error_code_for_hresult(hresult), _error_detail(entry))
    rows = document["products"]
    windows = [row for row in rows if row.get("ApplicationID") == WINDOWS_APPLICATION_ID]
    keyless = [row for row in windows if not row.get("PartialProductKey")]
    others = len(rows) - len(windows)
    if add_on_rows:
        raise LicenseFactsError("no_windows_product", (
            f"only add-on licences ({add_on_rows}) carry a product key; the Windows edition itself has none "
            "(LicenseStatus 0, reason 0xC004F014 on the host)"))
    if keyless:
        names = ", ".join(sorted({str(row.get("Name") or row.get("ID") or "unnamed") for row in keyless})[:3])
        raise LicenseFactsError("no_windows_product", (
            f"the document holds {len(keyless)} Windows row(s) ({names}) without a PartialProductKey"
            + (f" and {others} row(s) of other applications" if others else "")
            + "; a row without a key is a licence Windows could use, not the installed edition, so none can be judged"),
            todo=_NOT_FROM_THE_COLLECTOR)
    if others:
        raise LicenseFactsError("no_windows_product", (
            f"the document holds {others} row(s), all of other applications than Windows (ApplicationID is not "
            f"{WINDOWS_APPLICATION_ID})"), todo=_NOT_FROM_THE_COLLECTOR)
    raise LicenseFactsError("no_windows_product", (
        "the query for Windows products with a partial product key returned no rows (no key installed: 0xC004F014)"))


def _missing_source_warnings(document: dict) -> list:
    warnings = []
    by_source = {entry["source"]: entry for entry in document["errors"]}
    consequences = (
        ("os", "Win32_OperatingSystem", "the os facts are null and is_server was inferred from the licence family"),
        ("service", "SoftwareLicensingService", "the firmware key and service-level KMS settings are unknown"),
        ("edition_id", "Registry", "the registry EditionID is unknown, so subscription activation cannot be detected"),
    )
    for key, source, consequence in consequences:
        if document[key] is None:
            entry = by_source.get(source)
            what = f"{source} ({key})" if key != "edition_id" else "EditionID (registry)"
            if entry:
                warnings.append(f"{what} could not be read: {_error_detail(entry)}; {consequence}")
            else:
                warnings.append(f"{what} is missing from the document; {consequence}")
    for entry in document["errors"]:
        if entry["source"] not in ("Win32_OperatingSystem", "SoftwareLicensingService", "Registry"):
            warnings.append(f"collector error: {_error_detail(entry)}")
    return warnings


def build_facts(document, collected_at: datetime) -> dict:
    """Turn a collector document into ``ansible_facts.windows_license``.

    ``collected_at`` is the controller's time of collection (timezone-aware); grace expiry is
    computed from it. Raises LicenseFactsError with a stable ``code`` when no facts can be
    produced: schema_mismatch, access_denied, service_disabled, wmi_error, no_windows_product.
    """
    if not isinstance(collected_at, datetime) or collected_at.tzinfo is None:
        raise ValueError("collected_at: expected a timezone-aware datetime")
    document = normalize_document(document)
    warnings = list(document["warnings"])

    primary, others, add_ons = choose_primary_product(document["products"])
    if primary is None:
        _raise_for_missing_products(document, len(add_ons))
    foreign = [row for row in document["products"] if row.get("ApplicationID") != WINDOWS_APPLICATION_ID]
    if foreign:
        warnings.append(f"ignored {len(foreign)} product row(s) of other applications than Windows")
    if others:
        warnings.append(f"more than one keyed Windows product ({len(others) + 1}); chose {primary.get('Name')} "
                        f"(key {primary.get('PartialProductKey')}, {_status_name(primary.get('LicenseStatus'))}) by the "
                        "documented tie-break; the others are listed in other_products")
    warnings.extend(_missing_source_warnings(document))

    context = _Context(document, warnings)
    if context.is_server is None:
        family = primary.get("LicenseFamily") or ""
        context.is_server = True if family.lower().startswith("server") else None
    channel, channel_source = derive_channel(primary)
    classification = _classify(primary, channel, channel_source, context)
    warnings.extend(classification.warnings)

    status = primary.get("LicenseStatus")
    grace = primary.get("GracePeriodRemaining")
    reason = primary.get("LicenseStatusReason")
    family = primary.get("LicenseFamily")
    os_info = document["os"]
    is_volume = _is_volume_client(primary, channel)
    is_host = _is_kms_host_product(primary, channel) or (document["service"] or {}).get("IsKeyManagementServiceMachine") == 1

    return {
        "schema_version": FACTS_SCHEMA_VERSION,
        "collected_at": _iso(collected_at),
        "license_status": _status_name(status),
        "license_status_code": status if status in LICENSE_STATUS_NAMES else None,
        "license_status_reason": hresult_text(reason),
        "license_status_reason_text": HRESULT_TEXTS.get(reason) if reason is not None else None,
        "genuine_status": primary.get("GenuineStatus"),
        "product": {
            "name": primary.get("Name"),
            "description": primary.get("Description"),
            "edition": family,
            "channel": channel,
            "channel_source": channel_source,
            "partial_product_key": primary.get("PartialProductKey"),
            "activation_id": primary.get("ID"),
            "product_key_id": primary.get("ProductKeyID"),
        },
        "activation": {
            "method": classification.method,
            "digital_license": classification.digital_license,
            "permanent": status == LICENSE_STATUS_LICENSED and grace == 0,
            "evidence": classification.evidence,
            "microsoft_account_linked": None,
        },
        "grace_remaining_minutes": grace,
        "grace_expires_at": _iso(collected_at + timedelta(minutes=grace)) if grace else None,
        "evaluation_end_date": _iso(primary.get("EvaluationEndDate")),
        "kms": _kms_block(primary, document["service"], is_volume, is_host),
        "ad_activation": ({"object_name": primary.get("ADActivationObjectName"),
                           "object_dn": primary.get("ADActivationObjectDN")}
                          if classification.method == "ad_based" or primary.get("ADActivationObjectName") else None),
        "token_activation": ({"ilvid": primary.get("TokenActivationILVID")} if classification.method == "token" else None),
        "avma": ({"host_machine_name": primary.get("AutomaticVMActivationHostMachineName"),
                  "last_activation_time": _iso(primary.get("AutomaticVMActivationLastActivationTime"))}
                 if classification.method == "avma" else None),
        "subscription": {
            "edition_id_mismatch": bool(document["edition_id"] and family
                                        and document["edition_id"].lower() != family.lower()),
            "edition_id": document["edition_id"],
            "license_family": family,
        },
        "firmware_key": _firmware_block(context, primary.get("PartialProductKey")),
        "add_ons": [_add_on_summary(row) for row in add_ons],
        "other_products": [_product_summary(row) for row in others],
        "os": {
            "caption": os_info.get("Caption") if os_info else None,
            "version": os_info.get("Version") if os_info else None,
            "build": os_info.get("BuildNumber") if os_info else None,
            "edition_id": document["edition_id"],
            "product_type": context.product_type,
            "sku": os_info.get("OperatingSystemSKU") if os_info else None,
            "is_server": context.is_server,
        },
        "warnings": warnings,
        "errors": document["errors"],
    }
