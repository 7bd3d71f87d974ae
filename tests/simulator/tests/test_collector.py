# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The real collector script (plugins/plugin_utils/_facts/collector.ps1) answered over WinRM."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from winsim.personalities import collector
from winsim.windows import commands
from winsim.windows.cim_schema import OFFICE_APPLICATION_ID, WINDOWS_APPLICATION_ID

from sim_helpers import ANSIBLE_PREFIX, FIXTURE_PROFILES, REPO_ROOT, VOCABULARY, encode, import_collection_module, protocol, run_command

WHERE_CLAUSE = " WHERE ApplicationID='55c92734-d682-4d71-983e-d6ec3f16059f' AND PartialProductKey IS NOT NULL"


def selected(script: str, class_name: str) -> list[str]:
    """The property list the script selects from ``class_name`` (read independently of the simulator)."""
    match = re.search(rf"SELECT ([\w,]+) FROM {class_name}\b", script)
    assert match, f"the collector no longer queries {class_name}"
    return match.group(1).split(",")


def run_collector(sim, name: str, script: str) -> tuple[bytes, bytes, int]:
    """Send the script the way the license_facts action does: one encoded PowerShell command line."""
    return run_command(protocol(sim, name), ANSIBLE_PREFIX[0], [*ANSIBLE_PREFIX[1:], encode(script)])


@pytest.mark.parametrize("profile_name", ["minimal_digital_license_pro", "kms_server_2022", "oem_pro_with_office"])
def test_collector_document_matches_the_profile(builder, start_sim, collector_script, profile_name) -> None:
    sim = start_sim(builder.add("win-001", profile=profile_name, auth="ntlm"))
    stdout, stderr, rc = run_collector(sim, "win-001", collector_script)
    assert (rc, stderr) == (0, b"")
    text = stdout.decode("utf-8")
    assert text.endswith("\r\n") and "\r\n" not in text[:-2] and ": " not in text  # -Compress
    document = json.loads(text)
    profile = yaml.safe_load((FIXTURE_PROFILES / f"{profile_name}.yml").read_text(encoding="utf-8"))

    assert list(document) == ["schema", "os", "edition_id", "service", "products", "errors"]
    assert document["schema"] == 1 and document["errors"] == []
    assert document["edition_id"] == profile["edition_id"]
    os_columns = selected(collector_script, "Win32_OperatingSystem")
    assert list(document["os"]) == os_columns
    assert {key: document["os"][key] for key in profile["os"]} == profile["os"]

    service_columns = [name for name in selected(collector_script, "SoftwareLicensingService") if name != "OA3xOriginalProductKey"]
    assert list(document["service"]) == service_columns + ["OA3xOriginalProductKeyPartial"]
    firmware_key = profile["service"].get("OA3xOriginalProductKey")
    assert document["service"]["OA3xOriginalProductKeyPartial"] == (firmware_key[-5:] if firmware_key else None)
    if firmware_key:
        assert firmware_key not in text

    product_columns = selected(collector_script, "SoftwareLicensingProduct")
    expected_rows = [row for row in profile["products"]
                     if row.get("ApplicationID", WINDOWS_APPLICATION_ID) == WINDOWS_APPLICATION_ID and row.get("PartialProductKey")]
    assert [row["ID"] for row in document["products"]] == [row["ID"] for row in expected_rows]
    for produced, given in zip(document["products"], expected_rows):
        assert list(produced) == product_columns
        for key, value in given.items():
            if key in product_columns and key != "EvaluationEndDate":
                assert produced[key] == value, key
        assert re.fullmatch(r"/Date\(-?\d+\)/", produced["EvaluationEndDate"])
    # PowerShell 5.1 dates: the JSON text itself has the escaped slash; the CIM null date is 1601-01-01.
    assert '"EvaluationEndDate":"\\/Date(-11644473600000)\\/"' in text  # every fixture's primary product has none
    assert "4294967295" in text  # uint32 "not applicable" (TokenActivationILVID, ...)


def test_dates_and_sentinels_are_powershell_51_json(builder, start_sim, collector_script) -> None:
    sim = start_sim(builder.add("win-001", profile="oem_pro_with_office"))
    text = run_collector(sim, "win-001", collector_script)[0].decode()
    esu = next(row for row in json.loads(text)["products"] if row["LicenseIsAddon"])
    assert esu["EvaluationEndDate"] == "/Date(1791849600000)/"  # 2026-10-13T00:00:00Z
    assert '"EvaluationEndDate":"\\/Date(1791849600000)\\/"' in text
    assert '"AutomaticVMActivationLastActivationTime":"\\/Date(-11644473600000)\\/"' in text


def test_script_without_where_filter_sees_keyless_and_office_rows(builder, start_sim, collector_script) -> None:
    assert WHERE_CLAUSE in collector_script
    sim = start_sim(builder.add("win-001", profile="oem_pro_with_office"))
    document = json.loads(run_collector(sim, "win-001", collector_script.replace(WHERE_CLAUSE, ""))[0])
    products = document["products"]
    assert len(products) > 40
    keyless = [row for row in products if row["PartialProductKey"] is None]
    assert len(keyless) >= 40 and all(row["LicenseStatus"] == 0 for row in keyless)
    office = [row for row in products if row["ApplicationID"] == OFFICE_APPLICATION_ID]
    assert len(office) >= 5 and any(row["PartialProductKey"] == "6F7TH" for row in office)


def test_unknown_class_and_property_become_error_entries(builder, start_sim, collector_script) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro"))
    broken = collector_script.replace("FROM Win32_OperatingSystem", "FROM Win32_OperatingSystemX")
    broken = broken.replace("SELECT Version,ClientMachineID", "SELECT Version,NoSuchProperty,ClientMachineID")
    stdout, dummy, rc = run_collector(sim, "win-001", broken)
    document = json.loads(stdout)
    assert (rc, document["os"], document["service"]) == (0, None, None)
    assert document["errors"] == [
        {"source": "Win32_OperatingSystemX", "hresult": "0x80041010", "message": "Invalid class"},
        {"source": "SoftwareLicensingService", "hresult": "0x80041017", "message": "Invalid query"},
    ]
    assert len(document["products"]) == 1


def test_missing_progress_preference_puts_clixml_progress_on_stderr(builder, start_sim, collector_script) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro"))
    noisy = collector_script.replace("$ProgressPreference = 'SilentlyContinue'\n", "")
    assert noisy != collector_script
    stdout, stderr, rc = run_collector(sim, "win-001", noisy)
    assert rc == 0 and json.loads(stdout)["schema"] == 1
    assert stderr.startswith(b"#< CLIXML\r\n<Objs ")
    assert b'<Obj S="progress" RefId="0">' in stderr and b"Preparing modules for first use." in stderr


def test_edition_id_only_when_the_script_reads_it(builder, start_sim, collector_script) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro"))
    lines = [line for line in collector_script.splitlines() if "EditionID" not in line]
    assert json.loads(run_collector(sim, "win-001", "\n".join(lines))[0])["edition_id"] is None


def test_collector_is_recognised_after_ansibles_strict_mode_preamble(collector_script) -> None:
    assert collector.is_collector("Set-StrictMode -Version Latest\n" + collector_script)
    assert not collector.is_collector("hostname\n" + collector_script)
    assert collector.queries(collector_script)[0].startswith("SELECT Caption,Version")
    assert len(collector.queries(collector_script)) == 3


def test_the_action_plugins_own_command_line_is_answered(builder, start_sim, collector_script) -> None:
    """The exact command line the license_facts action builds (plugins/plugin_utils/_facts/command.py)."""
    if not (REPO_ROOT / "plugins" / "plugin_utils" / "_facts" / "command.py").exists():
        pytest.skip("plugins/plugin_utils/_facts/command.py is not there")
    collector_command = import_collection_module("plugins.plugin_utils._facts.command")
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro"))
    command_line = collector_command.build_collector_command()
    stdout, dummy, rc = run_command(protocol(sim, "win-001"), command_line)
    assert rc == 0 and json.loads(stdout)["products"][0]["PartialProductKey"] == "3V66T"
    # The action sends what these tests send: the collection's prefix and sim_helpers.compact() of the script.
    assert command_line == " ".join(ANSIBLE_PREFIX) + " " + encode(collector_script)


def test_the_simulated_command_line_limit_is_the_collections() -> None:
    """cmd.exe's limit is modelled by winsim on its own; the collection's constant must name the same number."""
    assert commands.CMD_LINE_LIMIT == VOCABULARY.WINDOWS_COMMAND_LINE_LIMIT


# ---- faults that change the collector's answer -----------------------------------------------------------------

SERVICE_DISABLED = ("The service cannot be started, either because it is disabled or because it has no enabled devices "
                    "associated with it.")


def test_service_disabled(builder, start_sim, collector_script) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro", fault="service_disabled"))
    document = json.loads(run_collector(sim, "win-001", collector_script)[0])
    assert document["os"]["Caption"] == "Microsoft Windows 11 Pro"
    assert (document["service"], document["products"]) == (None, [])
    assert document["errors"] == [
        {"source": "SoftwareLicensingService", "hresult": "0x80070422", "message": SERVICE_DISABLED},
        {"source": "SoftwareLicensingProduct", "hresult": "0x80070422", "message": SERVICE_DISABLED},
    ]


def test_access_denied(builder, start_sim, collector_script) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro", fault="access_denied"))
    stdout, dummy, rc = run_collector(sim, "win-001", collector_script)
    document = json.loads(stdout)
    assert (rc, document["os"], document["service"], document["products"]) == (0, None, None, [])
    assert [error["hresult"] for error in document["errors"]] == ["0x80041003"] * 3
    assert {error["message"] for error in document["errors"]} == {"Access denied"}
    assert document["edition_id"] == "Professional"


def test_wmi_error(builder, start_sim, collector_script) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro", fault="wmi_error"))
    stdout, stderr, rc = run_collector(sim, "win-001", collector_script)
    assert (stdout, rc) == (b"", 1)
    assert stderr.startswith(b"#< CLIXML\r\n")
    assert b"Get-CimInstance : Invalid namespace " in stderr
    assert b"HRESULT 0x8004100e,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand" in stderr


def test_not_json_truncated_and_large_output(builder, start_sim, collector_script) -> None:
    sim = start_sim(builder.add("win-text", profile="minimal_digital_license_pro", fault="not_json")
                    .add("win-cut", profile="minimal_digital_license_pro", fault="truncated")
                    .add("win-big", profile="minimal_digital_license_pro", fault="large_output", fault_options={"bytes": 2_000_000}))
    text, dummy, rc = run_collector(sim, "win-text", collector_script)
    assert rc == 0 and text and not text.lstrip().startswith(b"{")
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    cut, dummy, rc = run_collector(sim, "win-cut", collector_script)
    assert rc == 0 and cut.startswith(b'{"schema":1,')
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut)
    big, dummy, rc = run_collector(sim, "win-big", collector_script)
    assert rc == 0 and len(big) == 2_000_000
    assert json.loads(big)["products"][0]["PartialProductKey"] == "3V66T"
    assert sim.stats.for_host("win-big").actions["Receive"] >= 20


def test_old_powershell_runs_the_scripts_version_guard(builder, start_sim, collector_script) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro", fault="old_powershell"))
    stdout, stderr, rc = run_collector(sim, "win-001", collector_script)
    guard = re.search(r"-lt (\d+)\).*?exit (\d+)", collector_script)
    assert guard is not None
    message = b"licensing.windows: Windows PowerShell 5.1 is required, this host has 2.0\r\n"
    # The guard writes to [Console]::Error (raw stderr of powershell.exe) and to the output stream (what psrp carries).
    assert (stdout, rc) == (message, int(guard.group(2)))
    assert stderr == message


def test_not_windows(builder, start_sim, collector_script) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro", fault="not_windows"))
    assert run_collector(sim, "win-001", collector_script) == (b"", b"sh: 1: PowerShell: not found\n", 127)
