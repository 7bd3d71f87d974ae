# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""CIM classes the simulated hosts know: property names (exact spelling) and CIM types.

The lists follow the properties a Windows 10/11 / Server 2019+ host exposes
(``sppwmi.mof`` and Microsoft's class documentation: "SoftwareLicensingProduct class",
https://learn.microsoft.com/en-us/previous-versions/windows/desktop/sppwmi/softwarelicensingproduct,
"SoftwareLicensingService class",
https://learn.microsoft.com/en-us/previous-versions/windows/desktop/sppwmi/softwarelicensingservice,
and "Win32_OperatingSystem class",
https://learn.microsoft.com/en-us/windows/win32/cimwin32prov/win32-operatingsystem;
what the collection reads from them is docs/facts.md). They serve three purposes:
WQL ``SELECT`` lists are checked against them (unknown property -> "Invalid
query"), ``SELECT *`` returns them in this order, and profile values are
type-checked against them.
"""

from __future__ import annotations

STRING = "string"
UINT32 = "uint32"
UINT16 = "uint16"
UINT64 = "uint64"
SINT16 = "sint16"
BOOLEAN = "boolean"
DATETIME = "datetime"
STRING_ARRAY = "string[]"

WINDOWS_APPLICATION_ID = "55c92734-d682-4d71-983e-d6ec3f16059f"
OFFICE_APPLICATION_ID = "0ff1ce15-a989-479d-af46-f275c6370663"

#: uint32 value Windows uses for "not applicable" (-1 as unsigned).
UINT32_NOT_APPLICABLE = 4294967295

_KMS_COUNTERS = [
    "KeyManagementServiceFailedRequests", "KeyManagementServiceLicensedRequests",
    "KeyManagementServiceNonGenuineGraceRequests", "KeyManagementServiceNotificationRequests",
    "KeyManagementServiceOOBGraceRequests", "KeyManagementServiceOOTGraceRequests",
    "KeyManagementServiceTotalRequests", "KeyManagementServiceUnlicensedRequests",
]

OPERATING_SYSTEM: dict[str, str] = {
    "BootDevice": STRING, "BuildNumber": STRING, "BuildType": STRING, "Caption": STRING, "CodeSet": STRING,
    "CountryCode": STRING, "CreationClassName": STRING, "CSCreationClassName": STRING, "CSDVersion": STRING,
    "CSName": STRING, "CurrentTimeZone": SINT16, "DataExecutionPrevention_32BitApplications": BOOLEAN,
    "DataExecutionPrevention_Available": BOOLEAN, "DataExecutionPrevention_Drivers": BOOLEAN,
    "DataExecutionPrevention_SupportPolicy": UINT32, "Debug": BOOLEAN, "Description": STRING,
    "Distributed": BOOLEAN, "EncryptionLevel": UINT32, "ForegroundApplicationBoost": UINT32,
    "FreePhysicalMemory": UINT64, "FreeSpaceInPagingFiles": UINT64, "FreeVirtualMemory": UINT64,
    "InstallDate": DATETIME, "LastBootUpTime": DATETIME, "LocalDateTime": DATETIME, "Locale": STRING,
    "Manufacturer": STRING, "MaxNumberOfProcesses": UINT32, "MaxProcessMemorySize": UINT64,
    "MUILanguages": STRING_ARRAY, "Name": STRING, "NumberOfLicensedUsers": UINT32, "NumberOfProcesses": UINT32,
    "NumberOfUsers": UINT32, "OperatingSystemSKU": UINT32, "Organization": STRING, "OSArchitecture": STRING,
    "OSLanguage": UINT32, "OSProductSuite": UINT32, "OSType": UINT16, "OtherTypeDescription": STRING,
    "PAEEnabled": BOOLEAN, "PortableOperatingSystem": BOOLEAN, "Primary": BOOLEAN, "ProductType": UINT32,
    "RegisteredUser": STRING, "SerialNumber": STRING, "ServicePackMajorVersion": UINT16,
    "ServicePackMinorVersion": UINT16, "SizeStoredInPagingFiles": UINT64, "Status": STRING, "SuiteMask": UINT32,
    "SystemDevice": STRING, "SystemDirectory": STRING, "SystemDrive": STRING, "TotalSwapSpaceSize": UINT64,
    "TotalVirtualMemorySize": UINT64, "TotalVisibleMemorySize": UINT64, "Version": STRING,
    "WindowsDirectory": STRING,
}

SOFTWARE_LICENSING_SERVICE: dict[str, str] = {
    "ClientMachineID": STRING,
    "DiscoveredKeyManagementServiceMachineIpAddress": STRING,
    "DiscoveredKeyManagementServiceMachineName": STRING,
    "DiscoveredKeyManagementServiceMachinePort": UINT32,
    "IsKeyManagementServiceMachine": UINT32,
    "KeyManagementServiceActivationDisabled": BOOLEAN,
    "KeyManagementServiceCurrentCount": UINT32,
    "KeyManagementServiceDnsPublishing": BOOLEAN,
    "KeyManagementServiceHostCaching": BOOLEAN,
    "KeyManagementServiceListeningPort": UINT32,
    "KeyManagementServiceLookupDomain": STRING,
    "KeyManagementServiceLowPriority": BOOLEAN,
    "KeyManagementServiceMachine": STRING,
    "KeyManagementServicePort": UINT32,
    "KeyManagementServiceProductKeyID": STRING,
    **{name: UINT32 for name in _KMS_COUNTERS},
    "OA2xBiosMarkerMinorVersion": UINT32,
    "OA2xBiosMarkerStatus": UINT32,
    "OA3xOriginalProductKey": STRING,
    "OA3xOriginalProductKeyDescription": STRING,
    "OA3xOriginalProductKeyPkPn": STRING,
    "PolicyCacheRefreshRequired": UINT32,
    "RemainingWindowsReArmCount": UINT32,
    "RequiredClientCount": UINT32,
    "SubscriptionEdition": STRING,
    "SubscriptionExpiry": DATETIME,
    "SubscriptionStatus": UINT32,
    "SubscriptionType": UINT32,
    "TokenActivationAdditionalInfo": STRING,
    "TokenActivationCertificateThumbprint": STRING,
    "TokenActivationGrantNumber": UINT32,
    "TokenActivationILID": STRING,
    "TokenActivationILVID": UINT32,
    "Version": STRING,
    "VLActivationInterval": UINT32,
    "VLRenewalInterval": UINT32,
}

SOFTWARE_LICENSING_PRODUCT: dict[str, str] = {
    "ADActivationCsvlkPid": STRING,
    "ADActivationCsvlkSkuId": STRING,
    "ADActivationObjectDN": STRING,
    "ADActivationObjectName": STRING,
    "ApplicationID": STRING,
    "AutomaticVMActivationHostDigitalPid2": STRING,
    "AutomaticVMActivationHostMachineName": STRING,
    "AutomaticVMActivationLastActivationTime": DATETIME,
    "Description": STRING,
    "DiscoveredKeyManagementServiceMachineIpAddress": STRING,
    "DiscoveredKeyManagementServiceMachineName": STRING,
    "DiscoveredKeyManagementServiceMachinePort": UINT32,
    "EvaluationEndDate": DATETIME,
    "ExtendedGrace": UINT32,
    "GenuineStatus": UINT32,
    "GracePeriodRemaining": UINT32,
    "IAID": STRING,
    "ID": STRING,
    "IsKeyManagementServiceMachine": UINT32,
    "KeyManagementServiceCurrentCount": UINT32,
    **{name: UINT32 for name in _KMS_COUNTERS},
    "KeyManagementServiceLookupDomain": STRING,
    "KeyManagementServiceMachine": STRING,
    "KeyManagementServicePort": UINT32,
    "KeyManagementServiceProductKeyID": STRING,
    "LicenseDependsOn": STRING,
    "LicenseFamily": STRING,
    "LicenseIsAddon": BOOLEAN,
    "LicenseStatus": UINT32,
    "LicenseStatusReason": UINT32,
    "MachineURL": STRING,
    "Name": STRING,
    "OfflineInstallationId": STRING,
    "PartialProductKey": STRING,
    "ProcessorURL": STRING,
    "ProductKeyChannel": STRING,
    "ProductKeyID": STRING,
    "ProductKeyID2": STRING,
    "ProductKeyURL": STRING,
    "RemainingAppReArmCount": UINT32,
    "RemainingSkuReArmCount": UINT32,
    "RequiredClientCount": UINT32,
    "TokenActivationAdditionalInfo": STRING,
    "TokenActivationCertificateThumbprint": STRING,
    "TokenActivationGrantNumber": UINT32,
    "TokenActivationILID": STRING,
    "TokenActivationILVID": UINT32,
    "TrustedTime": DATETIME,
    "UseLicenseURL": STRING,
    "ValidationURL": STRING,
    "VLActivationInterval": UINT32,
    "VLActivationType": UINT32,
    "VLActivationTypeEnabled": UINT32,
    "VLRenewalInterval": UINT32,
}

#: Class name (canonical spelling) -> property table.
CLASSES: dict[str, dict[str, str]] = {
    "Win32_OperatingSystem": OPERATING_SYSTEM,
    "SoftwareLicensingService": SOFTWARE_LICENSING_SERVICE,
    "SoftwareLicensingProduct": SOFTWARE_LICENSING_PRODUCT,
}

_CLASS_BY_LOWER = {name.lower(): name for name in CLASSES}


def canonical_class(name: str) -> str | None:
    """Return the canonical spelling of a known class (WQL names are case-insensitive), or None."""
    return _CLASS_BY_LOWER.get(name.lower())


def canonical_property(class_name: str, name: str) -> str | None:
    """Return the canonical spelling of ``name`` in ``class_name``, or None when the class lacks it."""
    table = CLASSES[class_name]
    if name in table:
        return name
    lowered = name.lower()
    return next((prop for prop in table if prop.lower() == lowered), None)
