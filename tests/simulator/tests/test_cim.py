# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The host CIM model: profile values, generated rows, query errors."""

from __future__ import annotations

import pytest

from winsim.fleet.profiles import ProfileLibrary
from winsim.windows.cim import CimError, HostCim
from winsim.windows.cim_schema import OFFICE_APPLICATION_ID, SOFTWARE_LICENSING_PRODUCT, WINDOWS_APPLICATION_ID
from winsim.windows.psjson import PsDateTime

from sim_helpers import FIXTURE_PROFILES


@pytest.fixture(scope="module")
def library() -> ProfileLibrary:
    return ProfileLibrary(FIXTURE_PROFILES)


def test_profile_rows_come_first_and_keyless_rows_follow(library: ProfileLibrary) -> None:
    cim = HostCim("win-001", library.get("minimal_digital_license_pro").cim)
    dummy, rows = cim.query("SELECT ID,Name,Description,PartialProductKey,LicenseStatus,ApplicationID FROM SoftwareLicensingProduct")
    assert rows[0]["ID"] == "4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c"
    keyless = [row for row in rows if row["PartialProductKey"] is None]
    assert len(keyless) >= 40
    assert all(row["LicenseStatus"] == 0 and row["ApplicationID"] == WINDOWS_APPLICATION_ID for row in keyless)
    # The profile's Pro/RETAIL row replaces the generated one: each SKU appears once.
    skus = [(row["Name"], row["Description"]) for row in rows]
    assert len(skus) == len(set(skus))
    assert skus.count(("Windows(R), Professional edition", "Windows(R) Operating System, RETAIL channel")) == 1
    assert not any(row["ApplicationID"] == OFFICE_APPLICATION_ID for row in rows)


def test_office_rows_only_when_the_profile_has_office(library: ProfileLibrary) -> None:
    cim = HostCim("win-002", library.get("oem_pro_with_office").cim)
    dummy, rows = cim.query(f"SELECT Name,PartialProductKey FROM SoftwareLicensingProduct WHERE ApplicationID = '{OFFICE_APPLICATION_ID}'")
    assert len(rows) >= 5
    assert sum(1 for row in rows if row["PartialProductKey"]) == 1


def test_server_hosts_list_server_skus(library: ProfileLibrary) -> None:
    cim = HostCim("srv-001", library.get("kms_server_2022").cim)
    dummy, rows = cim.query("SELECT Name FROM SoftwareLicensingProduct WHERE PartialProductKey IS NULL")
    assert all("Server" in str(row["Name"]) for row in rows)


def test_defaults_fill_unlisted_properties(library: ProfileLibrary) -> None:
    cim = HostCim("win-001", library.get("minimal_digital_license_pro").cim)
    dummy, rows = cim.query("SELECT TrustedTime,ExtendedGrace,VLActivationInterval,ADActivationObjectName "
                            "FROM SoftwareLicensingProduct WHERE PartialProductKey = '3V66T'")
    assert rows == [{"TrustedTime": PsDateTime.null(), "ExtendedGrace": 4294967295, "VLActivationInterval": 4294967295,
                     "ADActivationObjectName": None}]
    dummy, (os_row,) = cim.query("SELECT CSName,OSArchitecture FROM Win32_OperatingSystem")
    assert os_row == {"CSName": "WIN-001", "OSArchitecture": "64-bit"}


def test_select_star_returns_every_property_in_class_order(library: ProfileLibrary) -> None:
    cim = HostCim("win-001", library.get("minimal_digital_license_pro").cim)
    dummy, rows = cim.query("SELECT * FROM SoftwareLicensingProduct WHERE ID = '4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c'")
    assert list(rows[0]) == list(SOFTWARE_LICENSING_PRODUCT)


@pytest.mark.parametrize(("query", "hresult", "message"), [
    ("SELECT Name FROM Win32_NoSuchClass", 0x80041010, "Invalid class"),
    ("SELECT NoSuchProperty FROM SoftwareLicensingProduct", 0x80041017, "Invalid query"),
    ("SELECT Name FROM SoftwareLicensingProduct WHERE NoSuchProperty = 1", 0x80041017, "Invalid query"),
    ("SELECT Name FROM", 0x80041017, "Invalid query"),
])
def test_query_errors_carry_windows_hresults(library: ProfileLibrary, query: str, hresult: int, message: str) -> None:
    cim = HostCim("win-001", library.get("minimal_digital_license_pro").cim)
    with pytest.raises(CimError) as caught:
        cim.query(query)
    assert (caught.value.hresult, caught.value.message) == (hresult, message)


def test_class_and_property_names_are_case_insensitive(library: ProfileLibrary) -> None:
    cim = HostCim("win-001", library.get("minimal_digital_license_pro").cim)
    class_name, rows = cim.query("select caption, BUILDNUMBER from win32_operatingsystem")
    assert class_name == "Win32_OperatingSystem"
    assert rows == [{"Caption": "Microsoft Windows 11 Pro", "BuildNumber": "22631"}]
