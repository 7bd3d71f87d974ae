# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Turn a winsim profile into the stdout the collector script would print for that host.

An independent, deliberately small model of the collector (plugins/plugin_utils/
license_collector.ps1) and of PowerShell's JSON, so the parser and classifier are tested
against the document shape and not against the simulator's code:

* the SELECT lists and WHERE clauses are read from the real collector script, so a change
  there changes what these tests see;
* the host carries extra keyless Windows rows and (``office: true``) keyed Office rows,
  which the WHERE clause must drop;
* ``failures`` become collector ``errors`` entries, with ``os``/``service`` null and
  ``products`` empty for the failed class;
* Windows PowerShell 5.1 JSON: ``"\\/Date(ms)\\/"`` dates (1601 sentinel for "no date"),
  ``\\u0027``-style escapes; or PowerShell 7 JSON: ISO-8601 dates in a local offset.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

COLLECTION_ROOT = Path(__file__).resolve().parents[5]
PROFILES_DIR = COLLECTION_ROOT / "tests" / "profiles"
COLLECTOR = COLLECTION_ROOT / "plugins" / "plugin_utils" / "_facts" / "collector.ps1"

WINDOWS_APP = "55c92734-d682-4d71-983e-d6ec3f16059f"
OFFICE_APP = "0ff1ce15-a989-479d-af46-f275c6370663"
DATE_PROPERTIES = frozenset(("EvaluationEndDate", "AutomaticVMActivationLastActivationTime"))
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
NO_DATE = datetime(1601, 1, 1, tzinfo=timezone.utc)

_SELECT = re.compile(r"^SELECT (?P<columns>.+?) FROM (?P<cls>\w+)(?: WHERE (?P<where>.+))?$")
_FAILURE_MESSAGES = {
    "0x80041003": "Access denied ",
    "0x80070005": "Access is denied.",
    "0x80070422": "The service cannot be started, either because it is disabled or because it has no enabled devices "
                  "associated with it.",
}


def profile_names() -> list:
    return sorted(path.stem for path in PROFILES_DIR.glob("*.yml"))


def load_profile(name: str) -> dict:
    with (PROFILES_DIR / f"{name}.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def collector_queries() -> dict:
    """{class: (columns, where)} of every WQL query in the collector script."""
    queries = {}
    for line in COLLECTOR.read_text(encoding="utf-8").splitlines():
        for quoted in re.findall(r"""Q (['"])(SELECT .+)\1\s*$""", line.strip()):
            match = _SELECT.match(quoted[1])
            if match:
                queries[match.group("cls")] = ([c.strip() for c in match.group("columns").split(",")], match.group("where"))
    return queries


def _wql_matches(row: dict, where: str | None) -> bool:
    """The conjunctions the collector uses: Prop='text', Prop IS NOT NULL, Prop IS NULL, Prop=TRUE/FALSE."""
    if not where:
        return True
    for term in re.split(r"\s+AND\s+", where, flags=re.IGNORECASE):
        term = term.strip()
        match = re.fullmatch(r"(\w+)\s*=\s*'([^']*)'", term)
        if match:
            value = row.get(match.group(1))
            # WQL string comparison is case-insensitive.
            if not isinstance(value, str) or value.lower() != match.group(2).lower():
                return False
            continue
        match = re.fullmatch(r"(\w+)\s+IS\s+(NOT\s+)?NULL", term, flags=re.IGNORECASE)
        if match:
            if (row.get(match.group(1)) is None) == bool(match.group(2)):
                return False
            continue
        match = re.fullmatch(r"(\w+)\s*=\s*(TRUE|FALSE)", term, flags=re.IGNORECASE)
        if match:
            if row.get(match.group(1)) is not (match.group(2).upper() == "TRUE"):
                return False
            continue
        raise ValueError(f"profile_documents cannot evaluate the WQL term {term!r}; extend the model")
    return True


def _extra_rows(profile: dict) -> list:
    """What a real host lists besides the profile's rows: keyless SKUs, and keyed Office rows."""
    template = {"LicenseStatus": 0, "LicenseStatusReason": 3221549076, "GracePeriodRemaining": 0, "GenuineStatus": 1,
                "LicenseIsAddon": False, "PartialProductKey": None, "ApplicationID": WINDOWS_APP,
                "TokenActivationILVID": 4294967295, "VLActivationInterval": 4294967295, "VLRenewalInterval": 4294967295}
    rows = [
        dict(template, ID="0a1b2c3d-0000-4000-8000-000000000001", Name="Windows(R), Education edition",
             Description="Windows(R) Operating System, RETAIL channel", LicenseFamily="Education"),
        dict(template, ID="0a1b2c3d-0000-4000-8000-000000000002", Name="Windows(R), Client-ESU-Year2 add-on",
             Description="Windows(R) Operating System, VOLUME_MAK channel", LicenseFamily="Client-ESU-Year2",
             LicenseIsAddon=True),
    ]
    if profile.get("office"):
        rows.append(dict(template, ID="fbdb3e18-a8ef-4fb3-9183-dffd60bd0984", ApplicationID=OFFICE_APP,
                         Name="Office 21, Office21ProPlus2021VL_KMS_Client_AE edition",
                         Description="Office 21, VOLUME_KMSCLIENT channel", LicenseFamily="Office21ProPlus2021VL_KMS_Client_AE",
                         PartialProductKey="6F7TH", LicenseStatus=1, LicenseStatusReason=0, GracePeriodRemaining=250000))
    return rows


def _date(value) -> datetime:
    if value is None:
        return NO_DATE
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


class _DateMark:
    """A date waiting to be written the way one PowerShell version writes it."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment


def _project(row: dict | None, columns: list) -> dict:
    row = row or {}
    return {column: (_DateMark(_date(row.get(column))) if column in DATE_PROPERTIES else row.get(column))
            for column in columns}


def build_document(profile: dict) -> dict:
    """The collector's document for ``profile`` (dates still as _DateMark)."""
    queries = collector_queries()
    failures = dict(profile.get("failures") or {})
    document = {"schema": 1, "os": None, "edition_id": None, "service": None, "products": [], "errors": []}

    def fail(source: str) -> bool:
        if source not in failures:
            return False
        hresult = failures[source]
        document["errors"].append({"source": source, "hresult": hresult,
                                   "message": _FAILURE_MESSAGES.get(hresult, "Generic failure ")})
        return True

    columns = queries["Win32_OperatingSystem"][0]
    if not fail("Win32_OperatingSystem") and profile.get("os") is not None:
        document["os"] = _project(profile["os"], columns)

    columns = queries["SoftwareLicensingService"][0]
    if not fail("SoftwareLicensingService"):
        service = _project(profile.get("service"), columns)
        # The collector cuts the firmware key on the host and appends the partial property.
        key = service.pop("OA3xOriginalProductKey", None) or ""
        service["OA3xOriginalProductKeyPartial"] = key[-5:] if len(key) >= 5 else None
        document["service"] = service

    columns, where = queries["SoftwareLicensingProduct"]
    if not fail("SoftwareLicensingProduct"):
        rows = _extra_rows(profile) + list(profile.get("products") or [])
        document["products"] = [_project(row, columns) for row in rows if _wql_matches(row, where)]

    if not fail("Registry"):
        document["edition_id"] = profile.get("edition_id")
    return document


def to_powershell_json(document: dict, powershell: str = "5.1", local_offset_hours: int = 1) -> str:
    """Serialise like ``ConvertTo-Json -Compress`` of Windows PowerShell 5.1 or PowerShell 7.

    CIM dates are local DateTime values on the host; 5.1 writes milliseconds since 1970 UTC,
    7 writes ISO-8601 in the host's offset (``local_offset_hours``).
    """
    marks = []

    def default(value):
        if isinstance(value, _DateMark):
            marks.append(value.moment)
            return f"@@DATE{len(marks) - 1}@@"
        raise TypeError(type(value).__name__)

    text = json.dumps(document, default=default, separators=(",", ":"), ensure_ascii=False)
    if powershell == "5.1":
        for char, escape in (("&", "\\u0026"), ("'", "\\u0027"), ("<", "\\u003c"), (">", "\\u003e")):
            text = text.replace(char, escape)
    zone = timezone(timedelta(hours=local_offset_hours))
    for index, moment in enumerate(marks):
        if powershell == "5.1":
            milliseconds = (moment - _EPOCH) // timedelta(milliseconds=1)
            rendered = f"\\/Date({milliseconds})\\/"
        else:
            rendered = moment.astimezone(zone).isoformat()
        text = text.replace(f'"@@DATE{index}@@"', f'"{rendered}"')
    return text


def collector_stdout(profile: dict, powershell: str = "5.1") -> str:
    """What the collector prints for ``profile`` (one line, like -Compress)."""
    return to_powershell_json(build_document(profile), powershell) + "\r\n"


def _kms_host(facts: dict):
    kms = facts["kms"]
    if kms is None:
        return None
    return kms["configured_host"] or kms["discovered_host"]


# expect key -> how to read the compared value from the facts (profiles README, "The expect block").
EXPECT_READERS = {
    "license_status": lambda f: f["license_status"],
    "license_status_reason": lambda f: f["license_status_reason"],
    "method": lambda f: f["activation"]["method"],
    "digital_license": lambda f: f["activation"]["digital_license"],
    "is_server": lambda f: f["os"]["is_server"],
    "channel": lambda f: f["product"]["channel"],
    "channel_source": lambda f: f["product"]["channel_source"],
    "edition": lambda f: f["product"]["edition"],
    "partial_product_key": lambda f: f["product"]["partial_product_key"],
    "kms_host": _kms_host,
    "firmware_key_present": lambda f: f["firmware_key"]["present"],
    "firmware_key_matches": lambda f: f["firmware_key"]["matches_installed"],
    "subscription": lambda f: f["subscription"]["edition_id_mismatch"],
    "add_ons": lambda f: len(f["add_ons"]),
    "other_products": lambda f: len(f["other_products"]),
    "grace_remaining_minutes": lambda f: f["grace_remaining_minutes"],
    "evaluation_end_date": lambda f: f["evaluation_end_date"],
}


def expectation_mismatches(facts: dict, expect: dict) -> list:
    """Every expect key whose value differs from the facts, as readable lines (empty = all match)."""
    problems = []
    for key, wanted in expect.items():
        if key in ("error_code",):
            problems.append(f"{key}: the profile expects a failure, but facts were produced")
            continue
        if key == "warning_contains":
            if not any(wanted in warning for warning in facts["warnings"]):
                problems.append(f"warning_contains: no warning contains {wanted!r}; warnings: {facts['warnings']}")
            continue
        if key not in EXPECT_READERS:
            problems.append(f"{key}: unknown expect key (profiles README lists the known ones)")
            continue
        actual = EXPECT_READERS[key](facts)
        if isinstance(wanted, datetime):
            wanted = wanted.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        if actual != wanted:
            problems.append(f"{key}: expected {wanted!r}, got {actual!r}")
    return problems
