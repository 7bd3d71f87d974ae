# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Every profile of the library (tests/profiles/) loads and is answered by the collector emulation."""

from __future__ import annotations

import base64
import json

import pytest

from winsim import FleetBuilder
from winsim.fleet.host import SimulatedHost
from winsim.fleet.profiles import LIBRARY_PROFILES_DIR, ProfileLibrary
from winsim.fleet.stats import HostStats
from winsim.windows import commands
from winsim.windows.cim_schema import OFFICE_APPLICATION_ID, WINDOWS_APPLICATION_ID

LIBRARY = ProfileLibrary(LIBRARY_PROFILES_DIR)
WHERE_CLAUSE = " WHERE ApplicationID='55c92734-d682-4d71-983e-d6ec3f16059f' AND PartialProductKey IS NOT NULL"


def collect(profile_name: str, script: str) -> dict[str, object]:
    spec = FleetBuilder(profiles_dir=LIBRARY_PROFILES_DIR, listen="ephemeral").add("win-lib", profile=profile_name).build().hosts[0]
    host = SimulatedHost(spec, HostStats())
    encoded = base64.b64encode(script.encode("utf-16-le")).decode()
    output = commands.run(commands.parse("PowerShell", ["-NoProfile", "-EncodedCommand", encoded]), host.context)
    assert (output.exit_code, output.stderr) == (0, "")
    return json.loads(output.stdout)


def test_the_library_is_there() -> None:
    assert len(LIBRARY.names()) >= 10


@pytest.mark.parametrize("profile_name", LIBRARY.names())
def test_profile_answers_like_windows(profile_name: str, collector_script: str) -> None:
    profile = LIBRARY.get(profile_name)
    document = collect(profile_name, collector_script)
    failed_sources = {error["source"]: error["hresult"] for error in document["errors"]}
    assert failed_sources == {source: f"0x{hresult:08X}" for source, hresult in profile.cim.failures.items()}
    if "SoftwareLicensingProduct" not in profile.cim.failures:
        keyed = [row["ID"] for row in profile.cim.products
                 if row.get("ApplicationID", WINDOWS_APPLICATION_ID) == WINDOWS_APPLICATION_ID and row.get("PartialProductKey")]
        assert [row["ID"] for row in document["products"]] == keyed
    else:
        assert document["products"] == []
    if "Registry" not in profile.cim.failures:
        assert document["edition_id"] == profile.cim.edition_id
    service = document["service"]
    if service is not None:
        assert "OA3xOriginalProductKey" not in service
        firmware_key = str(profile.cim.service.get("OA3xOriginalProductKey") or "")
        assert service["OA3xOriginalProductKeyPartial"] == (firmware_key[-5:] if len(firmware_key) >= 5 else None)


@pytest.mark.parametrize("profile_name", [name for name in LIBRARY.names() if LIBRARY.get(name).cim.office])
def test_office_profiles_carry_office_rows(profile_name: str, collector_script: str) -> None:
    products = collect(profile_name, collector_script.replace(WHERE_CLAUSE, ""))["products"]
    office = [row for row in products if row["ApplicationID"] == OFFICE_APPLICATION_ID]
    assert any(row["PartialProductKey"] and row["LicenseStatus"] == 1 for row in office)
    assert any(row["PartialProductKey"] is None for row in office)
