# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The CIM model of one simulated host and the WQL queries run against it.

A profile lists only what makes a host special: its OS, the licensing service
and the product rows that have a key. A real Windows host answers a query on
``SoftwareLicensingProduct`` with dozens more rows - every other edition and
channel it could be switched to, all without a key and unlicensed - and, when
Office is installed, Office's rows (ApplicationID 0ff1ce15-...). They are
generated here, so a collector that forgets its WHERE filter sees them exactly
as it would on Windows.

Every query that is answered is also counted as host work, when the host has a counter
(:class:`WorkRecorder`; the fleet's hosts pass their :class:`winsim.fleet.stats.HostWork`):
the provider enumerates every instance of the class, the WHERE clause filters after that,
and the properties returned are the returned instances times the selected properties
(``SELECT *``: every property of the class in :mod:`winsim.windows.cim_schema`).
"""

from __future__ import annotations

import datetime as _dt
import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from winsim.fleet.profiles import CimData
from winsim.windows import cim_schema, wql
from winsim.windows.cim_schema import OFFICE_APPLICATION_ID, UINT32_NOT_APPLICABLE, WINDOWS_APPLICATION_ID
from winsim.windows.psjson import PsDateTime

Row = dict[str, object]
_NAMESPACE = uuid.UUID("5b1f3c8e-7a9d-4c2b-9e51-0d6f4a2c8b17")

#: SL_E_PKEY_NOT_INSTALLED: the LicenseStatusReason of a product without a key.
_NO_KEY_REASON = 0xC004F014


class CimError(Exception):
    """A failed CIM query, with the HRESULT and message a Windows host gives."""

    def __init__(self, hresult: int, message: str) -> None:
        super().__init__(message)
        self.hresult = hresult
        self.message = message


#: Messages Windows gives with the HRESULTs profiles and faults use (Exception.Message, trimmed).
HRESULT_MESSAGES = {
    0x80041001: "Generic failure",
    0x80041003: "Access denied",
    0x8004100E: "Invalid namespace",
    0x80041010: "Invalid class",
    0x80041013: "Provider load failure",
    0x80041017: "Invalid query",
    0x80070005: "Requested registry access is not allowed.",
    0x80070422: ("The service cannot be started, either because it is disabled or because it has no enabled devices "
                 "associated with it."),
    0xC004F074: "The Software Licensing Service reported that the computer could not be activated. No Key Management "
                "Service (KMS) could be contacted.",
}


def error_for(hresult: int) -> CimError:
    """The error Windows reports for ``hresult`` (a generic message for codes not in the table)."""
    return CimError(hresult, HRESULT_MESSAGES.get(hresult, f"Error 0x{hresult:08X}"))


def invalid_class() -> CimError:
    return CimError(0x80041010, "Invalid class")


def invalid_query() -> CimError:
    return CimError(0x80041017, "Invalid query")


# ---- defaults ------------------------------------------------------------------------------------------------

def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "|".join(parts)))


def _os_defaults(host_name: str, given: Row) -> Row:
    caption = str(given.get("Caption") or "Microsoft Windows 11 Pro")
    version = str(given.get("Version") or "10.0.22631")
    product_type = int(given.get("ProductType") or 1)  # type: ignore[call-overload]
    now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    defaults: Row = dict.fromkeys(cim_schema.OPERATING_SYSTEM)
    defaults.update({
        "BootDevice": "\\Device\\HarddiskVolume1", "BuildNumber": version.rsplit(".", maxsplit=1)[-1], "BuildType": "Multiprocessor Free",
        "Caption": caption, "CodeSet": "1252", "CountryCode": "1", "CreationClassName": "Win32_OperatingSystem",
        "CSCreationClassName": "Win32_ComputerSystem", "CSName": host_name.upper()[:15], "CurrentTimeZone": 0,
        "DataExecutionPrevention_32BitApplications": True, "DataExecutionPrevention_Available": True,
        "DataExecutionPrevention_Drivers": True, "DataExecutionPrevention_SupportPolicy": 2, "Debug": False,
        "Description": "", "Distributed": False, "EncryptionLevel": 256, "ForegroundApplicationBoost": 2,
        "FreePhysicalMemory": 4194304, "FreeSpaceInPagingFiles": 1048576, "FreeVirtualMemory": 6291456,
        "InstallDate": PsDateTime.from_value("2024-03-14T09:21:07Z"),
        "LastBootUpTime": PsDateTime.from_value(now - _dt.timedelta(days=3, hours=4)),
        "LocalDateTime": PsDateTime.from_value(now), "Locale": "0409", "Manufacturer": "Microsoft Corporation",
        "MaxNumberOfProcesses": UINT32_NOT_APPLICABLE, "MaxProcessMemorySize": 137438953344, "MUILanguages": ["en-US"],
        "Name": f"{caption}|C:\\WINDOWS|\\Device\\Harddisk0\\Partition2",
        "NumberOfLicensedUsers": 0, "NumberOfProcesses": 142, "NumberOfUsers": 1, "OperatingSystemSKU": 48,
        "Organization": "", "OSArchitecture": "64-bit", "OSLanguage": 1033, "OSProductSuite": 256 if product_type == 1 else 272,
        "OSType": 18, "PortableOperatingSystem": False, "Primary": True, "ProductType": product_type,
        "RegisteredUser": "simadmin", "SerialNumber": "00330-80000-00000-AA" + _uuid(host_name, "serial")[:3].upper(),
        "ServicePackMajorVersion": 0, "ServicePackMinorVersion": 0, "SizeStoredInPagingFiles": 1310720, "Status": "OK",
        "SuiteMask": 272, "SystemDevice": "\\Device\\HarddiskVolume3", "SystemDirectory": "C:\\WINDOWS\\system32",
        "SystemDrive": "C:", "TotalVirtualMemorySize": 9699328, "TotalVisibleMemorySize": 8388608, "Version": version,
        "WindowsDirectory": "C:\\WINDOWS",
    })
    return defaults


def _service_defaults(host_name: str, os_version: str) -> Row:
    defaults: Row = dict.fromkeys(cim_schema.SOFTWARE_LICENSING_SERVICE)
    defaults.update({
        "ClientMachineID": _uuid(host_name, "cmid"), "DiscoveredKeyManagementServiceMachinePort": 0,
        "IsKeyManagementServiceMachine": 0, "KeyManagementServiceActivationDisabled": False,
        "KeyManagementServiceCurrentCount": UINT32_NOT_APPLICABLE, "KeyManagementServiceDnsPublishing": True,
        "KeyManagementServiceHostCaching": True, "KeyManagementServiceListeningPort": 0,
        "KeyManagementServiceLowPriority": False, "KeyManagementServicePort": 1688,
        "OA2xBiosMarkerMinorVersion": UINT32_NOT_APPLICABLE, "OA2xBiosMarkerStatus": 0,
        "PolicyCacheRefreshRequired": 0, "RemainingWindowsReArmCount": 1001, "RequiredClientCount": UINT32_NOT_APPLICABLE,
        "SubscriptionExpiry": PsDateTime.null(), "SubscriptionStatus": 120, "SubscriptionType": 120,
        "TokenActivationGrantNumber": UINT32_NOT_APPLICABLE, "TokenActivationILVID": UINT32_NOT_APPLICABLE,
        "Version": f"{os_version}.1", "VLActivationInterval": 120, "VLRenewalInterval": 10080,
    })
    for name in cim_schema.SOFTWARE_LICENSING_SERVICE:
        if name.startswith("KeyManagementService") and name.endswith("Requests"):
            defaults[name] = UINT32_NOT_APPLICABLE
    return defaults


def _product_defaults() -> Row:
    defaults: Row = dict.fromkeys(cim_schema.SOFTWARE_LICENSING_PRODUCT)
    defaults.update({
        "ApplicationID": WINDOWS_APPLICATION_ID, "AutomaticVMActivationLastActivationTime": PsDateTime.null(),
        "DiscoveredKeyManagementServiceMachinePort": 0, "EvaluationEndDate": PsDateTime.null(),
        "ExtendedGrace": UINT32_NOT_APPLICABLE, "GenuineStatus": 0, "GracePeriodRemaining": 0,
        "IsKeyManagementServiceMachine": 0, "KeyManagementServiceCurrentCount": UINT32_NOT_APPLICABLE,
        "KeyManagementServicePort": 0, "LicenseIsAddon": False, "LicenseStatus": 0, "LicenseStatusReason": 0,
        "RemainingAppReArmCount": UINT32_NOT_APPLICABLE, "RemainingSkuReArmCount": 1001,
        "RequiredClientCount": UINT32_NOT_APPLICABLE, "TokenActivationGrantNumber": UINT32_NOT_APPLICABLE,
        "TokenActivationILVID": UINT32_NOT_APPLICABLE, "TrustedTime": PsDateTime.null(),
        "VLActivationInterval": UINT32_NOT_APPLICABLE, "VLActivationType": 0, "VLActivationTypeEnabled": 0,
        "VLRenewalInterval": UINT32_NOT_APPLICABLE,
    })
    for name in cim_schema.SOFTWARE_LICENSING_PRODUCT:
        if name.startswith("KeyManagementService") and name.endswith("Requests"):
            defaults[name] = UINT32_NOT_APPLICABLE
    return defaults


# ---- the keyless rows every host carries ------------------------------------------------------------------------

_CLIENT_SKUS: list[tuple[str, tuple[str, ...]]] = [
    ("Core", ("RETAIL", "OEM_DM")), ("CoreN", ("RETAIL", "OEM_DM")), ("CoreCountrySpecific", ("RETAIL", "OEM_DM")),
    ("CoreSingleLanguage", ("RETAIL", "OEM_DM")),
    ("Professional", ("RETAIL", "OEM_DM", "VOLUME_KMSCLIENT", "VOLUME_MAK")),
    ("ProfessionalN", ("RETAIL", "VOLUME_KMSCLIENT", "VOLUME_MAK")),
    ("ProfessionalEducation", ("RETAIL", "VOLUME_KMSCLIENT", "VOLUME_MAK")),
    ("ProfessionalEducationN", ("RETAIL", "VOLUME_KMSCLIENT")),
    ("ProfessionalWorkstation", ("RETAIL", "OEM_DM", "VOLUME_KMSCLIENT", "VOLUME_MAK")),
    ("ProfessionalWorkstationN", ("RETAIL", "VOLUME_KMSCLIENT")),
    ("Education", ("RETAIL", "VOLUME_KMSCLIENT", "VOLUME_MAK")), ("EducationN", ("RETAIL", "VOLUME_KMSCLIENT")),
    ("Enterprise", ("OEM_DM", "VOLUME_KMSCLIENT", "VOLUME_MAK", "TIMEBASED_EVAL")),
    ("EnterpriseN", ("VOLUME_KMSCLIENT", "VOLUME_MAK")), ("EnterpriseS", ("VOLUME_KMSCLIENT", "VOLUME_MAK")),
    ("EnterpriseSN", ("VOLUME_KMSCLIENT",)), ("EnterpriseG", ("VOLUME_KMSCLIENT", "VOLUME_MAK")),
    ("IoTEnterprise", ("OEM_DM", "RETAIL")), ("IoTEnterpriseS", ("OEM_DM", "VOLUME_KMSCLIENT")),
    ("ServerRdsh", ("VOLUME_KMSCLIENT", "VOLUME_MAK")), ("CloudEditionL", ("RETAIL",)),
]
_SERVER_SKUS: list[tuple[str, tuple[str, ...]]] = [
    ("ServerStandard", ("RETAIL", "OEM_SLP", "VOLUME_KMSCLIENT", "VOLUME_MAK", "VIRTUAL_MACHINE_ACTIVATION")),
    ("ServerDatacenter", ("RETAIL", "OEM_SLP", "VOLUME_KMSCLIENT", "VOLUME_MAK", "VIRTUAL_MACHINE_ACTIVATION")),
    ("ServerStandardEval", ("TIMEBASED_EVAL",)), ("ServerDatacenterEval", ("TIMEBASED_EVAL",)),
    ("ServerSolution", ("RETAIL", "OEM_SLP")), ("ServerTurbine", ("VOLUME_KMSCLIENT", "RETAIL")),
    ("ServerAzureStackHCICor", ("RETAIL",)),
]
_ESU_ADDONS = {
    "client": ("Client-ESU-Year1", "Client-ESU-Year2", "Client-ESU-Year3"),
    "server": ("Server-ESU-Year1", "Server-ESU-Year2", "Server-ESU-Year3"),
}
_OFFICE_LICENSED = {
    "ID": "fbdb3e18-a8ef-4fb3-9183-dffd60bd0984", "Name": "Office 21, Office21ProPlus2021VL_KMS_Client_AE edition",
    "Description": "Office 21, VOLUME_KMSCLIENT channel", "ApplicationID": OFFICE_APPLICATION_ID,
    "LicenseFamily": "Office21ProPlus2021VL_KMS_Client_AE", "ProductKeyChannel": "Volume:GVLK", "PartialProductKey": "6F7TH",
    "LicenseStatus": 1, "LicenseStatusReason": 0, "GracePeriodRemaining": 255120, "VLActivationInterval": 120,
    "VLRenewalInterval": 10080, "VLActivationType": 2,
}
_OFFICE_SKUS = (
    ("Office 21", "Office21ProPlus2021VL_KMS_Client_AE", "VOLUME_KMSCLIENT"),
    ("Office 21", "Office21ProPlus2021VL_MAK_AE", "VOLUME_MAK"),
    ("Office 21", "Office21Standard2021VL_KMS_Client_AE", "VOLUME_KMSCLIENT"),
    ("Office 16", "Office16ProjectProVL_KMS_Client", "VOLUME_KMSCLIENT"),
    ("Office 16", "Office16VisioProVL_KMS_Client", "VOLUME_KMSCLIENT"),
    ("Office 16", "Office16O365ProPlusR_Subscription1", "TIMEBASED_SUB"),
)


def _keyless(name: str, family: str, description: str, application_id: str, addon: bool = False) -> Row:
    row = _product_defaults()
    row.update({
        "ID": _uuid(application_id, name, description), "Name": name, "Description": description,
        "ApplicationID": application_id, "LicenseFamily": family, "LicenseIsAddon": addon,
        "GenuineStatus": 1, "LicenseStatusReason": _NO_KEY_REASON,
    })
    return row


@functools.lru_cache(maxsize=2)
def keyless_windows_rows(is_server: bool) -> tuple[Row, ...]:
    """The unlicensed, key-less Windows SKU rows a host of that kind lists (shared by all hosts: never modify them)."""
    rows: list[Row] = []
    for family, channels in _SERVER_SKUS if is_server else _CLIENT_SKUS:
        for channel in channels:
            rows.append(_keyless(f"Windows(R), {family} edition", family,
                                 f"Windows(R) Operating System, {channel} channel", WINDOWS_APPLICATION_ID))
    targets = "ServerStandard,ServerDatacenter" if is_server else "Education,Enterprise,EnterpriseN,Professional,ProfessionalN"
    for family in _ESU_ADDONS["server" if is_server else "client"]:
        rows.append(_keyless(f"Windows(R), {family} add-on for {targets}", family,
                             "Windows(R) Operating System, VOLUME_MAK channel", WINDOWS_APPLICATION_ID, addon=True))
    return tuple(rows)


@functools.lru_cache(maxsize=1)
def keyless_office_rows() -> tuple[Row, ...]:
    """Key-less rows an Office (Click-to-Run, volume) installation adds (shared: never modify them)."""
    return tuple(_keyless(f"{product}, {family} edition", family, f"{product}, {channel} channel", OFFICE_APPLICATION_ID)
                 for product, family, channel in _OFFICE_SKUS)


# ---- the host model ------------------------------------------------------------------------------------------

@dataclass
class ClassRows:
    """All instances of one class on a host."""

    class_name: str
    rows: list[Row]


ProviderFailure = Callable[[str], "CimError | None"]


class WorkRecorder(Protocol):
    """What counts a host's work (:class:`winsim.fleet.stats.HostWork`; this layer does not import it)."""

    def cim_query(self, class_name: str, *, enumerated: int, returned: int, properties_returned: int) -> None: ...

    def parsed(self, text: str, *, csharp: bool = False) -> None: ...

    def process_started(self, program: str, script: str) -> None: ...

    def pipeline_run(self, program: str, script: str) -> None: ...


class HostCim:
    """CIM instances of one host and WQL evaluation over them.

    ``namespace_failure`` is returned for every query before anything else
    (an access-denied namespace); ``provider_failure(class_name)`` may fail a
    valid query on one class (for instance a disabled service). ``work``, when given,
    counts what the host computes (None: nothing is counted).
    """

    def __init__(self, host_name: str, data: CimData, *, namespace_failure: CimError | None = None,
                 provider_failure: ProviderFailure | None = None, work: WorkRecorder | None = None) -> None:
        self.host_name = host_name
        self.work = work
        self.data = data
        self.edition_id = data.edition_id
        self.namespace_failure = namespace_failure
        self.provider_failure = provider_failure
        #: the error reading EditionID from the registry raises, if the profile says it fails
        self.registry_failure = error_for(data.failures["Registry"]) if "Registry" in data.failures else None

    @functools.cached_property
    def classes(self) -> dict[str, ClassRows]:
        """The instances, built on first use (a 1,000-host fleet starts without building 50,000 rows)."""
        data = self.data
        os_row = _os_defaults(self.host_name, data.os)
        os_row.update(data.os)
        service_row = _service_defaults(self.host_name, str(os_row["Version"]))
        service_row.update(data.service)
        products: list[Row] = []
        for given in data.products:
            row = _product_defaults()
            row.update(given)
            products.append(row)
        has_office = any(str(row.get("ApplicationID")).lower() == OFFICE_APPLICATION_ID for row in products)
        if data.office and not has_office:
            row = _product_defaults()
            row.update(_OFFICE_LICENSED)
            products.append(row)
        is_server = os_row.get("ProductType") in (2, 3)
        extra = list(keyless_windows_rows(is_server))
        if data.office or has_office:
            extra += keyless_office_rows()
        # A SKU appears once: the profile's row replaces the generated one (same ID, or same name and channel).
        taken = {str(row["ID"]).lower() for row in products}
        taken |= {f"{row.get('Name')}|{row.get('Description')}".lower() for row in products}
        products.extend(row for row in extra
                        if str(row["ID"]).lower() not in taken and f"{row['Name']}|{row['Description']}".lower() not in taken)
        return {
            "Win32_OperatingSystem": ClassRows("Win32_OperatingSystem", [os_row]),
            "SoftwareLicensingService": ClassRows("SoftwareLicensingService", [service_row]),
            "SoftwareLicensingProduct": ClassRows("SoftwareLicensingProduct", products),
        }

    def query(self, text: str) -> tuple[str, list[Row]]:
        """Run one WQL query; return (canonical class name, projected rows) or raise :class:`CimError`."""
        if self.namespace_failure is not None:
            raise self.namespace_failure
        try:
            parsed = wql.parse(text)
        except wql.WqlSyntaxError:
            raise invalid_query() from None
        class_name = cim_schema.canonical_class(parsed.class_name)
        if class_name is None:
            raise invalid_class()
        table = cim_schema.CLASSES[class_name]
        names = list(table) if parsed.properties is None else parsed.properties
        columns = []
        for name in list(names) + parsed.referenced:
            canonical = cim_schema.canonical_property(class_name, name)
            if canonical is None:
                raise invalid_query()
            columns.append(canonical)
        columns = columns[:len(names)]
        if class_name in self.data.failures:
            raise error_for(self.data.failures[class_name])
        if self.provider_failure is not None:
            failure = self.provider_failure(class_name)
            if failure is not None:
                raise failure

        def resolve(name: str) -> str:
            return cim_schema.canonical_property(class_name, name) or name

        instances = self.classes[class_name].rows
        rows = wql.select(parsed, instances, columns, resolve)
        if self.work is not None:
            self.work.cim_query(class_name, enumerated=len(instances), returned=len(rows),
                                properties_returned=len(rows) * len(columns))
        return class_name, rows
