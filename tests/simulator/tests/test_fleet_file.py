# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Fleet files: strict validation with host + field in every message, expansion, allocation, generator."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from winsim import BackgroundSimulator, ConfigError, FleetBuilder, load_fleet, parse_fleet
from winsim.fleet.fleetgen import generate
from winsim.net.loopback import NotLoopbackError, allocate_addresses, require_loopback

from sim_helpers import FIXTURE_PROFILES

FOUR_HOSTS = [{"name": f"win-00{index}", "profile": "minimal_digital_license_pro"} for index in range(1, 5)]


def write_fleet(tmp_path: Path, hosts: list[dict[str, object]], **top: object) -> Path:
    path = tmp_path / "fleet.yml"
    path.write_text(yaml.safe_dump({"profiles_dir": str(FIXTURE_PROFILES), **top, "hosts": hosts}), encoding="utf-8")
    return path


def test_message_names_file_host_field_and_expectation(tmp_path) -> None:
    hosts = [dict(host) for host in FOUR_HOSTS]
    hosts[3]["auth"] = "digest"
    with pytest.raises(ConfigError) as caught:
        load_fleet(write_fleet(tmp_path, hosts))
    assert str(caught.value) == ("fleet.yml: hosts[3] (win-004): field 'auth': expected one of basic, ntlm, negotiate, kerberos, "
                                 "credssp, certificate, or a list or mapping of schemes, got 'digest'")


@pytest.mark.parametrize(("change", "fragment"), [
    ({"transport": "ftp"}, "field 'transport': expected one of http, https, got 'ftp'"),
    ({"certificate": "valid"}, "field 'certificate': only for transport https"),
    ({"transport": "https", "certificate": "expired"}, "field 'certificate': expected one of valid, untrusted, wrong_name, got 'expired'"),
    ({"port": 70000}, "field 'port': expected an integer in 0..65535, got 70000"),
    ({"port": "5985"}, "field 'port': expected an integer in 0..65535, got '5985'"),
    ({"address": "10.0.0.5"}, "field 'address': refusing to bind 10.0.0.5: the simulator only listens on 127.0.0.0/8 or ::1"),
    ({"address": "localhost"}, "field 'address': refusing to bind 'localhost'"),
    ({"fault": "meltdown"}, "field 'fault': expected one of not_listening, refuse_credentials, slow,"),
    ({"fault": "slow", "fault_options": {"seconds": -1}}, "field 'fault_options.seconds': expected a number of seconds >= 0, got -1"),
    ({"fault": "slow", "fault_options": {"bytes": 5}}, "field 'fault_options.bytes': fault slow takes seconds"),
    ({"fault": "wmi_error", "fault_options": {"hresult": "8004100E"}}, "field 'fault_options.hresult': expected an HRESULT"),
    ({"fault_options": {"seconds": 1}}, "field 'fault_options': given without a fault"),
    ({"profile": "no_such_profile"}, "field 'profile': unknown profile 'no_such_profile'"),
    ({"username": "bad user"}, "field 'username': expected a local account name"),
    ({"password": "a:b"}, "field 'password': expected a non-empty string of at most 127 characters without ':'"),
    ({"listen": "everywhere"}, "field 'listen': expected one of loopback, ephemeral, got 'everywhere'"),
    ({"colour": "blue"}, "unknown field 'colour'; expected one of name, address,"),
    ({"count": 3}, "field 'name': with 'count' the name must contain the number field"),
    ({"start": 3}, "field 'start': only allowed together with 'count'"),
    ({"cim": {"os": {"Captoin": "x"}}, "profile": None}, "field 'cim.os.Captoin': Win32_OperatingSystem has no such property"),
    ({"cim": {"os": {"BuildNumber": 22631}}}, "field 'cim.os.BuildNumber': expected a string or null, got int 22631 (quote it in YAML)"),
    ({"cim": {"products": [{"ID": "x", "LicenseStatus": "1"}]}}, "field 'cim.products[0].LicenseStatus': expected a uint32 integer"),
    ({"cim": {"products": [{"Name": "no id"}]}}, "field 'cim.products[0].ID': required"),
    ({"cim": {"service": {"oa3xoriginalproductkey": "x"}}},
     "field 'cim.service.oa3xoriginalproductkey': SoftwareLicensingService has no such property (CIM spells it 'OA3xOriginalProductKey')"),
    ({"overrides": {"failures": {"Registry": "denied"}}}, "field 'overrides.failures.Registry': expected an HRESULT string"),
    ({"overrides": {"failures": {"Win32_Bios": "0x80041003"}}}, "field 'overrides.failures.Win32_Bios': unknown source"),
    ({"overrides": {"office": "yes"}}, "field 'overrides.office': expected true or false, got 'yes'"),
    ({"overrides": {"products": [{"ID": "x", "EvaluationEndDate": "soon"}]}},
     "field 'overrides.products[0].EvaluationEndDate': expected an ISO-8601 date"),
    ({"overrides": {"registry": {}}}, "field 'overrides.registry': unknown field; expected one of office, failures, os, edition_id, service, products"),
])
def test_bad_values_are_refused_naming_host_and_field(tmp_path, change, fragment) -> None:
    hosts = [dict(host) for host in FOUR_HOSTS]
    hosts[2].update(change)
    if hosts[2].get("profile") is None:
        hosts[2].pop("profile", None)
    with pytest.raises(ConfigError) as caught:
        load_fleet(write_fleet(tmp_path, hosts))
    message = str(caught.value)
    assert message.startswith("fleet.yml: hosts[2] (win-003): "), message
    assert fragment in message, message


@pytest.mark.parametrize(("document", "fragment"), [
    ({"hosts": []}, "fleet.yml: field 'hosts': expected a non-empty list of hosts"),
    ({"hosts": FOUR_HOSTS, "extra": 1}, "fleet.yml: unknown field 'extra'"),
    ({"hosts": FOUR_HOSTS, "defaults": {"name": "x"}}, "fleet.yml: defaults: unknown field 'name'"),
    ({"hosts": FOUR_HOSTS + [{"name": "win-001", "profile": "minimal_digital_license_pro"}]},
     "fleet.yml: hosts[4] (win-001): field 'name': duplicate host name 'win-001'"),
    ({"hosts": [{"name": "a", "profile": "minimal_digital_license_pro", "auth": "ntlm", "password": "One1!"},
                {"name": "b", "profile": "minimal_digital_license_pro", "auth": "ntlm", "password": "Two2!"}]},
     "fleet.yml: hosts[1] (b): field 'password': NTLM hosts that share the user name 'simadmin' must share its password"),
    ({"hosts": [{"name": "a", "profile": "minimal_digital_license_pro", "address": "127.0.0.9"},
                {"name": "b", "profile": "minimal_digital_license_pro", "address": "127.0.0.9"}]},
     "fleet.yml: hosts[1] (b): field 'address': 127.0.0.9:5985 is already used by a"),
    ({"hosts": [{"name": "a"}]}, "fleet.yml: hosts[0] (a): field 'profile': expected a profile name from"),
    ({"hosts": FOUR_HOSTS, "first_address": "192.168.1.1"}, "fleet.yml: field 'first_address': refusing to bind 192.168.1.1"),
])
def test_bad_fleet_structure_is_refused(tmp_path, document, fragment) -> None:
    path = tmp_path / "fleet.yml"
    path.write_text(yaml.safe_dump({"profiles_dir": str(FIXTURE_PROFILES), **document}), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_fleet(path)
    assert fragment in str(caught.value), str(caught.value)


def test_count_form_expands_round_robin_and_allocates_loopback_addresses(tmp_path) -> None:
    fleet = load_fleet(write_fleet(tmp_path, [
        {"name": "dc-1", "profile": "kms_server_2022", "address": "127.0.0.3", "transport": "https"},
        {"name": "win-{n:03d}", "count": 4, "profiles": ["minimal_digital_license_pro", "oem_pro_with_office"], "auth": "ntlm"},
    ], defaults={"username": "auditor", "fault": "slow", "fault_options": {"seconds": 1}}))
    assert fleet.names == ["dc-1", "win-001", "win-002", "win-003", "win-004"]
    assert [host.profile for host in fleet.hosts[1:]] == ["minimal_digital_license_pro", "oem_pro_with_office"] * 2
    assert [(host.address, host.port) for host in fleet.hosts] == [
        ("127.0.0.3", 5986), ("127.0.0.2", 5985), ("127.0.0.4", 5985), ("127.0.0.5", 5985), ("127.0.0.6", 5985)]
    assert {host.username for host in fleet.hosts} == {"auditor"}
    assert {host.fault.seconds for host in fleet.hosts if host.fault} == {1.0}
    assert len({host.password for host in fleet.hosts}) == 1 and len(fleet.hosts[0].password) >= 16


def test_overrides_and_raw_cim(tmp_path) -> None:
    fleet = load_fleet(write_fleet(tmp_path, [
        {"name": "a", "profile": "minimal_digital_license_pro",
         "overrides": {"edition_id": "Core", "service": {"OA3xOriginalProductKey": "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE"},
                       "products": [{"ID": "4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c", "LicenseStatus": 5},
                                    {"ID": "11111111-0000-0000-0000-000000000000", "PartialProductKey": "NEW01"}]}},
        {"name": "b", "cim": {"os": {"Caption": "Microsoft Windows 11 Enterprise"}, "products": []},
         "expect": {"license_status": "unlicensed"}},
    ]))
    first, second = fleet.hosts
    assert first.cim.edition_id == "Core" and first.cim.service["OA3xOriginalProductKey"].endswith("EEEEE")
    assert [(row["ID"][:8], row.get("LicenseStatus"), row.get("PartialProductKey")) for row in first.cim.products] == [
        ("4de7cb65", 5, "3V66T"), ("11111111", None, "NEW01")]
    assert first.expect["method"] == "digital_license"
    assert (second.profile, second.cim.os["Caption"]) == (None, "Microsoft Windows 11 Enterprise")
    assert second.expect == {"license_status": "unlicensed"}


def test_builder_uses_the_same_validation() -> None:
    with pytest.raises(ConfigError, match=r"FleetBuilder: hosts\[0\] \(x\): field 'auth'"):
        FleetBuilder(profiles_dir=FIXTURE_PROFILES).add("x", profile="minimal_digital_license_pro", auth="digest").build()


def test_loopback_rule() -> None:
    assert require_loopback("127.1.2.3") == "127.1.2.3" and require_loopback("::1") == "::1"
    for address in ("0.0.0.0", "10.1.2.3", "::", "localhost", "example.com"):
        with pytest.raises(NotLoopbackError):
            require_loopback(address)
    assert allocate_addresses("127.0.0.254", 3) == ["127.0.0.254", "127.0.1.1", "127.0.1.2"]


def test_nothing_binds_outside_loopback_even_if_the_spec_is_tampered_with() -> None:
    fleet = FleetBuilder(profiles_dir=FIXTURE_PROFILES, listen="ephemeral").add("a", profile="minimal_digital_license_pro").build()
    fleet.hosts[0].address = "0.0.0.0"
    with pytest.raises(NotLoopbackError, match="refusing to bind 0.0.0.0"):
        BackgroundSimulator(fleet).start()


def test_generator_is_deterministic_and_valid() -> None:
    profiles = ["minimal_digital_license_pro", "kms_server_2022", "oem_pro_with_office"]
    document = generate(300, profiles=profiles, faulty=0.25, seed=1, auth_kind="mixed", listen="ephemeral")
    assert document == generate(300, profiles=profiles, faulty=0.25, seed=1, auth_kind="mixed", listen="ephemeral")
    assert document != generate(300, profiles=profiles, faulty=0.25, seed=2, auth_kind="mixed", listen="ephemeral")
    fleet = parse_fleet(document, "generated", profiles_dir=FIXTURE_PROFILES)
    assert len(fleet.hosts) == 300
    faulty = [host for host in fleet.hosts if host.fault]
    assert len(faulty) == 75 and len({host.fault_kind for host in faulty}) >= 8
    assert {host.profile for host in fleet.hosts} == set(profiles)
    assert {host.auth for host in fleet.hosts} == {"basic", "ntlm"}
    assert "password" not in yaml.safe_dump(document)
    with pytest.raises(ConfigError, match="--faulty"):
        generate(3, profiles=profiles, faulty=1.5)


@pytest.mark.parametrize(("word", "transport", "schemes"), [
    ("basic", "basic", ("basic",)),
    ("ntlm", "ntlm", ("negotiate",)),
    ("negotiate", "ntlm", ("negotiate",)),
    ("kerberos", "kerberos", ("kerberos",)),
    ("credssp", "credssp", ("credssp",)),
])
def test_one_word_auth_names_the_one_scheme_offered(tmp_path, word, transport, schemes) -> None:
    hosts = [dict(host) for host in FOUR_HOSTS]
    hosts[0]["auth"] = word
    if word == "credssp":
        hosts[0]["transport"] = "https"
    spec = load_fleet(write_fleet(tmp_path, hosts)).hosts[0]
    assert (spec.auth, spec.auth_schemes) == (transport, schemes)
