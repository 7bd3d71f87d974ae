# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""ansible-core's real winrm connection plugin against the simulator, with the inventory it writes."""

from __future__ import annotations

import json
import stat

import pytest
import yaml

from winsim import BackgroundSimulator, FleetBuilder

from sim_helpers import FIXTURE_PROFILES, run_ansible

AUTH_HOSTS = {
    "win-basic-http": {"auth": "basic", "profile": "minimal_digital_license_pro"},
    "win-ntlm-http": {"auth": "ntlm", "profile": "kms_server_2022"},
    "win-basic-https": {"auth": "basic", "transport": "https", "profile": "oem_pro_with_office"},
    "win-ntlm-https": {"auth": "ntlm", "transport": "https", "profile": "minimal_digital_license_pro"},
}


@pytest.fixture(scope="module")
def auth_sim() -> BackgroundSimulator:
    builder = FleetBuilder(profiles_dir=FIXTURE_PROFILES, listen="ephemeral")
    for name, fields in AUTH_HOSTS.items():
        builder.add(name, **fields)
    builder.add("win-https-ignore", transport="https", certificate="untrusted", profile="minimal_digital_license_pro")
    with BackgroundSimulator(builder.build()) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("ansible-raw")


def test_inventory_is_complete_and_private(auth_sim, workdir) -> None:
    path = auth_sim.write_inventory(workdir / "inventory.yml")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    hosts = yaml.safe_load(path.read_text())["all"]["children"]["windows"]["hosts"]
    https = hosts["win-ntlm-https"]
    address, port = auth_sim.server.address_of("win-ntlm-https")
    assert https == {
        "ansible_connection": "winrm", "ansible_host": address, "ansible_port": port, "ansible_winrm_scheme": "https",
        "ansible_winrm_transport": "ntlm", "ansible_user": "simadmin", "ansible_password": auth_sim.password("win-ntlm-https"),
        "ansible_winrm_server_cert_validation": "validate", "ansible_winrm_ca_trust_path": str(auth_sim.ca_file),
        "winsim_profile": "minimal_digital_license_pro", "winsim_fault": None,
        "winsim_expect": {"license_status": "licensed", "method": "digital_license", "digital_license": True, "is_server": False},
        "winsim_auth": ["negotiate"],
    }
    assert "ansible_winrm_server_cert_validation" not in hosts["win-basic-http"]


def test_raw_hostname_in_every_auth_mode(auth_sim, workdir) -> None:
    inventory = auth_sim.write_inventory(workdir / "inventory.yml")
    auth_sim.stats.reset()
    results = run_ansible(inventory, ",".join(AUTH_HOSTS), "hostname", workdir, "-f", "4")
    for name in AUTH_HOSTS:
        assert (results[name].get("rc"), results[name].get("stdout")) == (0, f"{name}\r\n"), results[name]
    basic = auth_sim.stats.for_host("win-basic-http").as_dict()
    assert basic["requests"] == 5
    assert basic["actions"] == {"Command": 1, "Create": 1, "Delete": 1, "Receive": 1, "Signal": 1}
    ntlm = auth_sim.stats.for_host("win-ntlm-http").as_dict()
    assert ntlm["requests"] == 8 and ntlm["actions"]["auth"] == 3
    assert auth_sim.stats.for_host("win-ntlm-https").as_dict()["requests"] == 7  # no encryption set-up POST over TLS


def test_https_ignore_accepts_an_untrusted_certificate(auth_sim, workdir) -> None:
    inventory = auth_sim.write_inventory(workdir / "inventory.yml")
    strict = run_ansible(inventory, "win-https-ignore", "hostname", workdir)["win-https-ignore"]
    assert strict["unreachable"] is True and "CERTIFICATE_VERIFY_FAILED" in strict["msg"]
    relaxed = run_ansible(inventory, "win-https-ignore", "hostname", workdir, "-e", "ansible_winrm_server_cert_validation=ignore")
    assert relaxed["win-https-ignore"]["stdout"] == "win-https-ignore\r\n"


def test_raw_collector_returns_each_profiles_document(auth_sim, workdir, collector_script) -> None:
    inventory = auth_sim.write_inventory(workdir / "inventory.yml")
    results = run_ansible(inventory, ",".join(AUTH_HOSTS), collector_script, workdir, "-f", "4")
    partial_keys = {name: [row["PartialProductKey"] for row in json.loads(result["stdout"])["products"]]
                    for name, result in results.items()}
    assert partial_keys == {"win-basic-http": ["3V66T"], "win-ntlm-http": ["VDYBN"], "win-basic-https": ["W269N", "ESU11"],
                            "win-ntlm-https": ["3V66T"]}
