# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reference data for reading Windows Software Protection Platform (SPP) values.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

Data only, no logic. Every table names its source; "MS" marks Microsoft documentation or
Microsoft-owned repositories, "3P" third-party material used only as recognition data.
Only the last five characters of any key appear here: they are what
SoftwareLicensingProduct.PartialProductKey reports, and full keys do not belong in code.
"""

from __future__ import annotations

import re

# slmgr.vbs `WindowsAppId`; the SoftwareLicensingProduct.ApplicationID of every Windows SKU,
# add-ons such as ESU included.
WINDOWS_APPLICATION_ID = "55c92734-d682-4d71-983e-d6ec3f16059f"

# Office shares the SPP store on Office 2013+ ("0ff1ce15..."); Office 2010 used its own ID.
OFFICE_APPLICATION_IDS = frozenset((
    "0ff1ce15-a989-479d-af46-f275c6370663",
    "59a52881-a989-479d-af46-f275c6370663",
))

# CIM uint32 "not applicable" (-1 as unsigned). MS: KeyManagementServiceCurrentCount "A value
# of -1 indicates ..."; real dumps show it for VLActivationInterval, TokenActivationILVID, ...
UINT32_NOT_APPLICABLE = 4294967295

# SoftwareLicensingProduct.LicenseStatus, MS class documentation (values 0-6). slmgr's
# wording in comments. Not the coarser SLAPI SLLICENSINGSTATUS enum.
LICENSE_STATUS_NAMES = {
    0: "unlicensed",
    1: "licensed",
    2: "oob_grace",  # "Initial grace period"
    3: "oot_grace",  # "Additional grace period (KMS license expired or hardware out of tolerance)"
    4: "non_genuine_grace",  # "Non-genuine grace period"
    5: "notification",  # "Notification" + "Notification Reason: 0x..."
    6: "extended_grace",  # "Extended grace period"
}
LICENSE_STATUS_LICENSED = 1

# SL_I_STORE_BASED_ACTIVATION (Windows SDK slerror.h): "the application has a store license".
# The strongest local sign of a digital license; Microsoft does not document it as such.
STORE_BASED_ACTIVATION = 0x4004F401

# LicenseStatusReason (an HRESULT reported as uint32) -> short text.
# Sources: Windows SDK slerror.h and the SPP string table slerror.xml (MS text), slmgr.vbs
# constants, MS "Resolving common activation error codes". Beware community tables that
# swap 0xC004F009 and 0xC004F200: slmgr defines HR_SL_E_GRACE_TIME_EXPIRED = &HC004F009 and
# HR_SL_E_NOT_GENUINE = &HC004F200, as below.
HRESULT_TEXTS = {
    0x00000000: "success",
    0x4004F401: "the product has a store-based license, SL_I_STORE_BASED_ACTIVATION",
    0x4004F040: "activated, but the owner should verify the Product Use Rights",
    0x4004F00C: "running within the valid grace period",
    0x4004F00D: "running within the valid out-of-tolerance grace period",
    0x4004F065: "running within the valid non-genuine grace period",
    0x4004FC04: "running within the time-based validity period",
    0x4004FC05: "the product has a perpetual grace period",
    0x4004FC06: "running within the valid extended grace period",
    0xC004F009: "the grace period expired",
    0xC004F200: "the current state is not genuine",
    0xC004F014: "no product key is installed",
    0xC004F034: "the license could not be found or was invalid",
    0xC004F00F: "the hardware ID binding is beyond the level of tolerance",
    0xC004F035: "could not be activated with a Volume license product key",
    0xC004F038: "the KMS host's count of activated computers is insufficient",
    0xC004F039: "KMS is not enabled on the host",
    0xC004F041: "the KMS host is not activated",
    0xC004F042: "the specified KMS host cannot be used",
    0xC004F050: "the product key is invalid",
    0xC004F056: "the product could not be activated using KMS",
    0xC004F064: "the non-genuine grace period expired",
    0xC004F069: "the product SKU is not found",
    0xC004F074: "no Key Management Service (KMS) could be contacted",
    0xC004F210: "the product key does not match the installed edition",
    0xC004FC07: "the time-based validity period expired: the evaluation ended",
    0xC004E003: "license evaluation failed",
    0x8007232B: "DNS name does not exist (KMS SRV record lookup failed)",
    0x80070005: "access denied",
    0x80070002: "file not found",
}

# HRESULTs of a failed CIM query and what they mean for the caller (_facts/errors.py maps them
# to error codes). 0x80041003 WBEM_E_ACCESS_DENIED and 0x80070005 E_ACCESSDENIED: remote WMI
# needs administrative rights in practice. 0x80070422 ERROR_SERVICE_DISABLED for a disabled
# sppsvc is UNCONFIRMED; a 3P error database maps 0x80070426 to "Software Protection Service
# Not Running".
ACCESS_DENIED_HRESULTS = frozenset((0x80041003, 0x80070005))
SERVICE_DISABLED_HRESULTS = frozenset((0x80070422, 0x80070426))

# Generic (non-activating) edition keys, last five -> edition. They select an edition during
# setup and cannot activate on their own, so "licensed with one of these" means a digital
# license (or subscription) did the activating. Sources: MS deploy-enterprise-licenses.md
# (3V66T), AveYo MediaCreationTool.bat product.ini presets (3P), MAS hwiddata (3P).
GENERIC_KEYS = {
    "8HVX7": "Windows Home",
    "WXCHW": "Windows Home N",
    "6F4BT": "Windows Home Single Language",
    "8TYMD": "Windows Home China",
    "3V66T": "Windows Pro",
    "PKCKT": "Windows Pro N",
    "2YV77": "Windows Pro for Workstations",
    "WT2RQ": "Windows Pro for Workstations N",
    "MHBPB": "Windows Pro Education",
    "QPF8P": "Windows Pro Education N",
    "7CFBY": "Windows Education",
    "DRR8H": "Windows Education N",
    "8HV2C": "Windows Enterprise",
    "QPFCT": "Windows Enterprise N",
    "P39PB": "Windows Enterprise LTSC 2019",
    "DYJWX": "Windows Enterprise LTSB 2016",
    "MDWWW": "Windows Enterprise LTSB 2015",
    "6F7W2": "Windows Enterprise LTSC 2021",
    "9HKR4": "Windows Enterprise N LTSB 2016",
    "M7V2X": "Windows Enterprise N LTSB 2015",
    "DV9PT": "Windows Enterprise N LTSC 2021",
    "239PG": "Windows Enterprise N LTSC 2019",
    "CKFFD": "Windows IoT Enterprise",
    "YY74H": "Windows IoT Enterprise LTSC",
    "2YV66": "Windows Enterprise multi-session",
    "KD72Y": "Windows Team (PPIPro)",
    "VMJ2C": "Windows 10 S",
    "DJ4F6": "Windows 10 S N",
    "T6R4W": "Windows 11 SE",
    "BHDCD": "Windows 11 SE N",
    "KD8YX": "Windows Enterprise G",
    "B4H4T": "Windows Enterprise G N",
    "8M8K9": "Windows Pro Single Language",
    "X86VK": "Windows Pro China Only",
    "FCWWJ": "Windows Starter",
    "68XRX": "Windows Starter N",
    "JQPFD": "Windows 10 S (Cloud E)",
}

# KMS client setup keys (GVLK), last five -> edition. Source: MS
# WindowsServerDocs/get-started/kms-client-activation-keys.md (revision of 10/01/2024; later
# revisions may add keys). A GVLK only ever activates against KMS or Active Directory.
GVLK_KEYS = {
    "MY832": "Windows Server 2025 Standard",
    "YP6DF": "Windows Server 2025 Datacenter",
    "8MCRC": "Windows Server 2025 Datacenter: Azure Edition",
    "VMK7H": "Windows Server 2022 Standard",
    "6VM33": "Windows Server 2022 Datacenter",
    "KHMXV": "Windows Server 2022 Datacenter: Azure Edition",
    "J464C": "Windows Server 2019 Standard",
    "63DFG": "Windows Server 2019 Datacenter",
    "YY726": "Windows Server 2019 Essentials",
    "KHKQY": "Windows Server 2016 Standard",
    "8XDDG": "Windows Server 2016 Datacenter",
    "4M63B": "Windows Server 2016 Essentials",
    "724CC": "Windows Server SAC Standard (1809-20H2)",
    "CWH2D": "Windows Server SAC Datacenter (1809-20H2)",
    "9W4KR": "Windows Server 1803 Standard",
    "7FVDG": "Windows Server 1803 Datacenter",
    "GF6G4": "Windows Server 1709 Standard",
    "BWTG6": "Windows Server 1709 Datacenter",
    "T83GX": "Windows 10/11 Pro",
    "GCQG9": "Windows 10/11 Pro N",
    "6Q84J": "Windows 10/11 Pro for Workstations",
    "6XYWF": "Windows 10/11 Pro for Workstations N",
    "J447Y": "Windows 10/11 Pro Education",
    "66QFC": "Windows 10/11 Pro Education N",
    "VCFB2": "Windows 10/11 Education",
    "MDWWJ": "Windows 10/11 Education N",
    "2YT43": "Windows 10/11 Enterprise",
    "KHJW4": "Windows 10/11 Enterprise N",
    "4M68B": "Windows 10/11 Enterprise G",
    "T84FV": "Windows 10/11 Enterprise G N",
    "J462D": "Windows Enterprise LTSC 2019/2021/2024",
    "7CG2H": "Windows Enterprise N LTSC 2019/2021/2024",
    "PDQGT": "Windows IoT Enterprise LTSC 2021/2024",
    "QJ4BJ": "Windows 10 Enterprise LTSB 2016",
    "8B639": "Windows 10 Enterprise N LTSB 2016",
    "76DF9": "Windows 10 Enterprise LTSB 2015",
    "D69TJ": "Windows 10 Enterprise N LTSB 2015",
    "MDVJX": "Windows Server 2012 R2 Standard",
    "Q3VJ9": "Windows Server 2012 R2 Datacenter",
    "M4FWM": "Windows Server 2012 R2 Essentials",
    "92BT4": "Windows Server 2012 Standard",
    "CYQJJ": "Windows MultiPoint Server 2012 Standard",
    "QGJ2G": "Windows MultiPoint Server 2012 Premium",
    "8W83P": "Windows Server 2012 Datacenter",
    "J2MPV": "Windows Server 2012 Essentials",
    "6RTM4": "Windows Web Server 2008 R2",
    "9QCTX": "Windows Server 2008 R2 HPC",
    "R7VHC": "Windows Server 2008 R2 Standard",
    "CPX3Y": "Windows Server 2008 R2 Enterprise",
    "7M648": "Windows Server 2008 R2 Datacenter",
    "CB83V": "Windows Server 2008 R2 for Itanium",
    "M249D": "Windows Web Server 2008",
    "BFGM2": "Windows Server 2008 Standard",
    "6FFFJ": "Windows Server 2008 Standard without Hyper-V",
    "X4Q6V": "Windows Server 2008 Enterprise",
    "G3FPG": "Windows Server 2008 Enterprise without Hyper-V",
    "6X7HP": "Windows Server 2008 HPC",
    "TCBY3": "Windows Server 2008 Datacenter",
    "G3QQC": "Windows Server 2008 Datacenter without Hyper-V",
    "PDRHK": "Windows Server 2008 for Itanium",
    "9D6T9": "Windows 8.1 Pro",
    "B4FXY": "Windows 8.1 Pro N",
    "MKKG7": "Windows 8.1 Enterprise",
    "JFFXW": "Windows 8.1 Enterprise N",
    "J8CK4": "Windows 8 Pro",
    "2RYQQ": "Windows 8 Pro N",
    "CWCK7": "Windows 8 Enterprise",
    "X2BQT": "Windows 8 Enterprise N",
    "GPDD4": "Windows 7 Professional",
    "QY7MG": "Windows 7 Professional N",
    "GF7QX": "Windows 7 Professional E",
    "HVTHH": "Windows 7 Enterprise",
    "XCKRJ": "Windows 7 Enterprise N",
    "H9DH4": "Windows 7 Enterprise E",
    "2V3X8": "Windows Vista Business",
    "VMQBT": "Windows Vista Business N",
    "4BWMV": "Windows Vista Enterprise",
    "XJXKV": "Windows Vista Enterprise N",
}

# Automatic Virtual Machine Activation guest keys, last five -> edition. Source: MS
# WindowsServerDocs/get-started/automatic-vm-activation.md. Recognition only: the classifier
# keys off the VIRTUAL_MACHINE_ACTIVATION Description marker and IAID.
AVMA_KEYS = {
    "DV9BG": "Windows Server 2022 Datacenter",
    "VMK3J": "Windows Server 2022 Datacenter: Azure Edition",
    "78VHK": "Windows Server 2022 Standard",
    "WMBMW": "Windows Server 2019 Datacenter",
    "4GF74": "Windows Server 2019 Standard",
    "HFV28": "Windows Server 2019 Essentials",
    "CWG3J": "Windows Server 2016 Datacenter",
    "4RHYD": "Windows Server 2016 Standard",
    "MHBKQ": "Windows Server 2016 Essentials",
    "DV4TW": "Windows Server 2012 R2 Datacenter",
    "MTB6V": "Windows Server 2012 R2 Standard",
    "P36R2": "Windows Server 2012 R2 Essentials",
}

# The KMS default port and the 180-day KMS validity are in _vocabulary (KMS_DEFAULT_PORT,
# KMS_VALIDITY_MINUTES): the policy uses them too.

# VLActivationTypeEnabled (configured) / VLActivationType (last used). slmgr /act-type:
# "1 (for AD) or 2 (for KMS) or 3 (for Token) or 0 (for all)".
VL_ACTIVATION_TYPES = {0: "all", 1: "ad", 2: "kms", 3: "token"}

# Win32_OperatingSystem.ProductType: 1 workstation, 2 domain controller, 3 server (MS).
SERVER_PRODUCT_TYPES = frozenset((2, 3))

# First Windows 10 build: digital licenses (formerly "digital entitlement") exist from here on.
FIRST_WINDOWS_10_BUILD = 10240

# Description "<X> channel" marker -> channel value, for rows without ProductKeyChannel
# (Windows 7/8.0). Evidenced correspondences: RETAIL<->Retail, TIMEBASED_EVAL<->Retail:TB:Eval,
# VOLUME_KMSCLIENT<->Volume:GVLK. The others follow the same naming and are UNCONFIRMED.
# Markers starting with VOLUME_KMS but not VOLUME_KMSCLIENT are KMS host keys (slmgr's test).
DESCRIPTION_CHANNELS = {
    "RETAIL": "retail",
    "OEM_DM": "oem_dm",
    "OEM_SLP": "oem_slp",
    "OEM_COA_NSLP": "oem_nonslp",
    "OEM_COA_SLP": "oem_coa",
    "OEM_NONSLP": "oem_nonslp",
    "VOLUME_MAK": "volume_mak",
    "VOLUME_KMSCLIENT": "volume_gvlk",
    "TIMEBASED_EVAL": "retail_tb_eval",
    "TIMEBASED_TRIAL": "retail_tb_trial",
    "TIMEBASED_SUB": "retail_tb_sub",
    "TIMEBASED_PROMO": "retail_tb_promo",
    "VIRTUAL_MACHINE_ACTIVATION": "vt_ia",
}


# Evaluation editions: every evaluation EditionID and LicenseFamily ends in "Eval"
# (ServerStandardEval, ServerDatacenterEval, EnterpriseEval, EnterpriseNEval, EnterpriseSEval,
# ...; the PRODUCT_*_EVALUATION* editions of the Windows SDK's winnt.h), and the product Name
# carries the same ID ("Windows(R), ServerStandardEval edition"). Only a whole ID that ends in
# "Eval" counts: a name that merely contains the letters elsewhere is not an evaluation.
_EVALUATION_EDITION = re.compile(r"[A-Za-z0-9]*Eval")
_NAME_EDITION = re.compile(r",\s*([A-Za-z0-9]+)\s+edition\b")


def is_evaluation_edition(edition_id) -> bool:
    """True for an EditionID or LicenseFamily of an evaluation edition (``ServerStandardEval``)."""
    return isinstance(edition_id, str) and _EVALUATION_EDITION.fullmatch(edition_id.strip()) is not None


def edition_in_name(name) -> str | None:
    """The edition ID a product Name carries (``Windows(R), ServerStandardEval edition`` -> ``ServerStandardEval``)."""
    match = _NAME_EDITION.search(name) if isinstance(name, str) else None
    return match.group(1) if match else None
