# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The WQL subset: parsing, evaluation semantics and errors."""

from __future__ import annotations

import pytest

from winsim.windows import wql

ROWS = [
    {"Name": "Windows(R), Professional edition", "PartialProductKey": "3V66T", "LicenseStatus": 1, "LicenseIsAddon": False,
     "ApplicationID": "55c92734-d682-4d71-983e-d6ec3f16059f"},
    {"Name": "Windows(R), Core edition", "PartialProductKey": None, "LicenseStatus": 0, "LicenseIsAddon": False,
     "ApplicationID": "55c92734-d682-4d71-983e-d6ec3f16059f"},
    {"Name": "Windows(R), Client-ESU-Year1 add-on", "PartialProductKey": "ESU11", "LicenseStatus": 1, "LicenseIsAddon": True,
     "ApplicationID": "55c92734-d682-4d71-983e-d6ec3f16059f"},
    {"Name": "Office 21, ProPlus edition", "PartialProductKey": "6F7TH", "LicenseStatus": 5, "LicenseIsAddon": False,
     "ApplicationID": "0ff1ce15-a989-479d-af46-f275c6370663"},
]
COLUMNS = {name.lower(): name for name in ROWS[0]}


def names(text: str) -> list[str]:
    query = wql.parse(text)
    return [row["Name"] for row in wql.select(query, ROWS, ["Name"], lambda name: COLUMNS.get(name.lower(), name))]


def test_parse_select_list_class_and_where() -> None:
    query = wql.parse("select Name , PartialProductKey FROM SoftwareLicensingProduct where LicenseStatus = 1")
    assert query.properties == ["Name", "PartialProductKey"]
    assert query.class_name == "SoftwareLicensingProduct"
    assert query.referenced == ["LicenseStatus"]
    assert wql.parse("SELECT * FROM Win32_OperatingSystem").properties is None


@pytest.mark.parametrize(("where", "expected"), [
    ("", ["Windows(R), Professional edition", "Windows(R), Core edition", "Windows(R), Client-ESU-Year1 add-on",
          "Office 21, ProPlus edition"]),
    ("WHERE ApplicationID='55C92734-D682-4D71-983E-D6EC3F16059F' AND PartialProductKey IS NOT NULL",
     ["Windows(R), Professional edition", "Windows(R), Client-ESU-Year1 add-on"]),
    ("WHERE PartialProductKey IS NULL", ["Windows(R), Core edition"]),
    ("WHERE PartialProductKey <> NULL AND LicenseIsAddon = FALSE", ["Windows(R), Professional edition", "Office 21, ProPlus edition"]),
    ("WHERE PartialProductKey = NULL", ["Windows(R), Core edition"]),
    ("WHERE NOT (LicenseStatus = 1 OR LicenseStatus = 5)", ["Windows(R), Core edition"]),
    ("WHERE LicenseStatus >= 1 AND LicenseStatus < 5", ["Windows(R), Professional edition", "Windows(R), Client-ESU-Year1 add-on"]),
    ("WHERE LicenseIsAddon = TRUE", ["Windows(R), Client-ESU-Year1 add-on"]),
    ('WHERE Name LIKE "windows%edition"', ["Windows(R), Professional edition", "Windows(R), Core edition"]),
    ("WHERE Name NOT LIKE 'Windows%'", ["Office 21, ProPlus edition"]),
    ("WHERE 1 = LicenseStatus AND (PartialProductKey = '3v66t' OR PartialProductKey = 'nomatch')",
     ["Windows(R), Professional edition"]),
    ("WHERE PartialProductKey <> '3V66T'", ["Windows(R), Client-ESU-Year1 add-on", "Office 21, ProPlus edition"]),
])
def test_where_semantics(where: str, expected: list[str]) -> None:
    assert names(f"SELECT Name FROM SoftwareLicensingProduct {where}") == expected


def test_projection_keeps_the_selected_order() -> None:
    query = wql.parse("SELECT LicenseStatus,Name FROM SoftwareLicensingProduct WHERE LicenseStatus = 5")
    rows = wql.select(query, ROWS, ["LicenseStatus", "Name"], lambda name: name)
    assert rows == [{"LicenseStatus": 5, "Name": "Office 21, ProPlus edition"}]
    assert list(rows[0]) == ["LicenseStatus", "Name"]


@pytest.mark.parametrize("text", [
    "SELECT FROM SoftwareLicensingProduct",
    "SELECT Name SoftwareLicensingProduct",
    "SELECT Name FROM",
    "SELECT Name FROM X WHERE",
    "SELECT Name FROM X WHERE (A = 1",
    "SELECT Name FROM X WHERE A = ",
    "SELECT Name FROM X WHERE 1 = 2",
    "SELECT Name FROM X WHERE A IS 5",
    "SELECT Name FROM X extra",
    "SELECT Name, FROM X",
    "SELECT Name FROM X WHERE A = 'unterminated",
])
def test_invalid_queries_are_refused(text: str) -> None:
    with pytest.raises(wql.WqlSyntaxError):
        wql.parse(text)
