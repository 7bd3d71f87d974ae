# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Fleet-file keys ``connection`` / ``auth`` / ``default_shell``, the inventory they produce, and the
Kerberos, CredSSP and certificate schemes with the real clients (pywinrm + pykerberos /
requests-credssp, pypsrp), in process.

Sources: the clients' own code (pywinrm 0.5.0 ``transport.py`` / vendored requests_kerberos: a
pre-emptive Kerberos token and mutual authentication REQUIRED; pypsrp 0.9.1 ``wsman.py``:
``HTTP-Kerberos-session-encrypted`` for ``auth=kerberos``, SPNEGO for ``negotiate``), MS-WSMV
2.2.9.1 (message encryption) and MS-CSSP (CredSSP). Nothing is skipped: a missing client
library or KDC program fails these tests (requirements-dev.txt, and Debian's krb5-kdc,
krb5-admin-server, krb5-user for the KDC).
"""

from __future__ import annotations

import os
import stat
import time

import pytest
import requests
import winrm
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

from winsim import BackgroundSimulator, ConfigError
from winsim.net import kerberos

PROFILE = "minimal_digital_license_pro"
PASSWORD = "Conn-Passw0rd-15"


def _fleet(builder, **hosts):
    for name, fields in hosts.items():
        builder.add(name, profile=PROFILE, password=PASSWORD, **fields)
    return builder.build()


def _hosts(sim):
    document = sim.server.inventory_document()
    return document["all"]["children"]["windows"]["hosts"]


# ---- the fleet file ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fields, message", [
    ({"connection": "telnet"}, "field 'connection': expected one of winrm, psrp, ssh, got 'telnet'"),
    ({"connection": "ssh", "transport": "https"}, "field 'transport': not for connection ssh"),
    ({"connection": "ssh", "auth": "ntlm"}, "field 'auth': expected one of publickey, password, got 'ntlm'"),
    ({"connection": "ssh", "default_shell": "bash"}, "field 'default_shell': expected one of powershell, cmd, got 'bash'"),
    ({"default_shell": "cmd"}, "field 'default_shell': only for connection ssh (this host uses winrm)"),
    ({"auth": ["certificate"]}, "field 'auth': certificate authentication needs transport https"),
])
def test_bad_connection_fields_are_refused(builder, fields, message):
    with pytest.raises(ConfigError) as caught:
        _fleet(builder, x=fields)
    assert message in str(caught.value)


def test_a_kerberos_password_cannot_hold_a_double_quote(builder):
    builder.add("k", profile=PROFILE, auth=["kerberos"], password='pa"ss')
    with pytest.raises(ConfigError, match="cannot hold"):
        builder.build()


def test_defaults_ports_and_schemes_per_connection(builder):
    fleet = _fleet(builder, w={}, p={"connection": "psrp", "auth": ["kerberos"]}, s={"connection": "ssh"})
    assert (fleet.host("w").connection, fleet.host("p").auth, fleet.host("p").auth_schemes) == ("winrm", "kerberos", ("kerberos",))
    ssh = fleet.host("s")
    assert (ssh.connection, ssh.auth, ssh.default_shell, ssh.auth_schemes) == ("ssh", "publickey", "powershell", ())


# ---- inventory --------------------------------------------------------------------------------------------------

def test_inventory_variables_per_connection_and_auth(builder, start_sim):
    sim = start_sim(builder.add("psrp-basic", profile=PROFILE, connection="psrp", auth="basic")
                    .add("psrp-https", profile=PROFILE, connection="psrp", auth="ntlm", transport="https")
                    .add("winrm-cert", profile=PROFILE, auth=["certificate"], transport="https")
                    .add("ssh-key", profile=PROFILE, connection="ssh")
                    .add("ssh-pw", profile=PROFILE, connection="ssh", auth="password", default_shell="cmd"))
    hosts = _hosts(sim)
    assert hosts["psrp-basic"]["ansible_psrp_auth"] == "basic"
    assert hosts["psrp-basic"]["ansible_psrp_protocol"] == "http"
    assert hosts["psrp-basic"]["ansible_psrp_message_encryption"] == "never"  # pypsrp forces encryption over http
    assert (hosts["psrp-https"]["ansible_psrp_auth"], hosts["psrp-https"]["ansible_psrp_cert_validation"]) == ("negotiate", "validate")
    assert hosts["psrp-https"]["ansible_psrp_ca_cert"] == str(sim.ca_file)
    cert_file, key_file = hosts["winrm-cert"]["ansible_winrm_cert_pem"], hosts["winrm-cert"]["ansible_winrm_cert_key_pem"]
    assert "ansible_password" not in hosts["winrm-cert"]
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600 and os.path.isfile(cert_file)
    ssh = hosts["ssh-key"]
    assert (ssh["ansible_connection"], ssh["ansible_shell_type"], ssh["ansible_ssh_host_key_checking"]) == ("ssh", "powershell", True)
    assert stat.S_IMODE(os.stat(ssh["ansible_ssh_private_key_file"]).st_mode) == 0o600
    known_hosts = ssh["ansible_ssh_common_args"].split("UserKnownHostsFile=")[1].split()[0]
    lines = open(known_hosts, encoding="utf-8").read().splitlines()
    expected = sorted(f"[127.0.0.1]:{sim.server.address_of(name)[1]}" for name in ("ssh-key", "ssh-pw"))
    assert sorted(line.split()[0] for line in lines) == expected
    assert (hosts["ssh-pw"]["ansible_shell_type"], hosts["ssh-pw"]["ansible_password"]) == ("cmd", sim.password("ssh-pw"))


# ---- Kerberos ---------------------------------------------------------------------------------------------------

@pytest.fixture
def kerberos_sim(builder, tmp_path, monkeypatch):
    assert not kerberos.missing_tools(), "install Debian's krb5-kdc krb5-admin-server krb5-user"
    fleet = _fleet(builder, **{"krb-http": {"auth": ["kerberos"]}, "krb-https": {"auth": ["kerberos"], "transport": "https"},
                               "both": {"auth": ["negotiate", "kerberos"]}})
    sim = BackgroundSimulator(fleet, state_dir=tmp_path / "state").start()
    try:
        realm = sim.server.connections.realm
        ccache = tmp_path / "ccache"
        assert realm.kinit("simadmin", PASSWORD, ccache).returncode == 0
        monkeypatch.setenv("KRB5CCNAME", f"FILE:{ccache}")
        yield sim
    finally:
        sim.stop()


def test_a_realm_is_started_for_kerberos_hosts_and_stopped_with_the_fleet(kerberos_sim):
    connections = kerberos_sim.server.connections
    realm = connections.realm
    pid, directory = realm.pid, realm.directory
    assert os.path.exists(f"/proc/{pid}")
    assert set(realm.services) == {"HTTP/127.0.0.1", "WSMAN/127.0.0.1"}  # hosts that differ by port share them
    assert kerberos_sim.server.client_env == {"KRB5_CONFIG": str(realm.krb5_conf)}
    conf = realm.krb5_conf.read_text()
    assert "rdns = false" in conf and "dns_canonicalize_hostname = false" in conf and "127.0.0.1:" in conf
    hosts = _hosts(kerberos_sim)
    assert hosts["krb-http"]["ansible_user"] == "simadmin@WINSIM.TEST"
    assert hosts["krb-http"]["ansible_winrm_kinit_env_vars"] == ["KRB5_CONFIG"]
    kerberos_sim.stop()
    for _attempt in range(100):
        if not os.path.exists(f"/proc/{pid}") or "zombie" in open(f"/proc/{pid}/status").read().lower():
            break
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{pid}") or "zombie" in open(f"/proc/{pid}/status").read().lower()
    assert not directory.exists()


@pytest.mark.parametrize("encryption", ["auto", "never"])
def test_pywinrm_kerberos_over_http(kerberos_sim, encryption):
    session = winrm.Session(kerberos_sim.endpoint("krb-http"), auth=("simadmin@WINSIM.TEST", ""), transport="kerberos",
                            message_encryption=encryption)
    assert session.run_ps("hostname").std_out == b"krb-http\r\n"
    actions = kerberos_sim.stats.for_host("krb-http").actions
    assert actions["auth"] == (1 if encryption == "auto" else 0)  # the empty POST that sets up encryption


def test_pywinrm_kerberos_over_https_validates_the_certificate(kerberos_sim):
    session = winrm.Session(kerberos_sim.endpoint("krb-https"), auth=("simadmin@WINSIM.TEST", ""), transport="kerberos",
                            server_cert_validation="validate", ca_trust_path=str(kerberos_sim.ca_file))
    assert session.run_ps("hostname").std_out == b"krb-https\r\n"


def test_a_kerberos_only_listener_refuses_ntlm_but_a_negotiate_listener_takes_both(kerberos_sim):
    # requests-ntlm finds no NTLM challenge in the 401 (PermissionError "Access denied").
    with pytest.raises((winrm.exceptions.InvalidCredentialsError, PermissionError)):
        winrm.Session(kerberos_sim.endpoint("krb-http"), auth=("simadmin", PASSWORD), transport="ntlm").run_ps("hostname")
    for transport, user in (("ntlm", "simadmin"), ("kerberos", "simadmin@WINSIM.TEST")):
        session = winrm.Session(kerberos_sim.endpoint("both"), auth=(user, PASSWORD), transport=transport)
        assert session.run_ps("hostname").std_out == b"both\r\n", transport


@pytest.mark.parametrize("auth", ["kerberos", "negotiate"])
def test_pypsrp_kerberos_with_message_encryption(kerberos_sim, auth):
    address, port = kerberos_sim.server.address_of("krb-http")
    wsman = WSMan(address, port=port, username="simadmin@WINSIM.TEST", password=PASSWORD, ssl=False, auth=auth,
                  encryption="always", negotiate_service="WSMAN")
    with RunspacePool(wsman) as pool:
        pipeline = PowerShell(pool)
        pipeline.add_script("hostname")
        assert [str(item) for item in pipeline.invoke()] == ["krb-http"]


# ---- CredSSP and certificates -----------------------------------------------------------------------------------

def test_credssp_over_https_delegates_the_host_s_password(builder, start_sim):
    sim = start_sim(builder.add("cred", profile=PROFILE, password=PASSWORD, auth=["credssp"], transport="https"))
    good = winrm.Session(sim.endpoint("cred"), auth=("simadmin", PASSWORD), transport="credssp",
                         server_cert_validation="validate", ca_trust_path=str(sim.ca_file))
    assert good.run_ps("hostname").std_out == b"cred\r\n"
    assert sim.stats.for_host("cred").actions["auth"] >= 3  # TLS handshake, SPNEGO, public key, credentials legs
    bad = winrm.Session(sim.endpoint("cred"), auth=("simadmin", "wrong"), transport="credssp",
                        server_cert_validation="validate", ca_trust_path=str(sim.ca_file))
    with pytest.raises(Exception):  # requests-credssp's AuthenticationException, or pywinrm's error on the 401
        bad.run_ps("hostname")


def test_certificate_auth_maps_the_client_certificate_to_the_account(builder, start_sim, tmp_path):
    sim = start_sim(builder.add("cert", profile=PROFILE, password=PASSWORD, auth=["certificate"], transport="https"))
    variables = _hosts(sim)["cert"]
    session = winrm.Session(sim.endpoint("cert"), auth=(None, None), transport="certificate",
                            cert_pem=variables["ansible_winrm_cert_pem"], cert_key_pem=variables["ansible_winrm_cert_key_pem"],
                            server_cert_validation="validate", ca_trust_path=str(sim.ca_file))
    assert session.run_ps("hostname").std_out == b"cert\r\n"
    # The same header without a client certificate is refused.
    answer = requests.post(sim.endpoint("cert"), data=b"<x/>", verify=str(sim.ca_file), timeout=10, headers={
        "Authorization": "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual",
        "Content-Type": "application/soap+xml;charset=UTF-8"})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual"


def test_psrp_negotiate_is_spnego_wrapped_ntlm_with_encryption(builder, start_sim):
    sim = start_sim(builder.add("nego", profile=PROFILE, password=PASSWORD, auth="ntlm"))
    address, port = sim.server.address_of("nego")
    wsman = WSMan(address, port=port, username="simadmin", password=PASSWORD, ssl=False, auth="negotiate", encryption="always")
    with RunspacePool(wsman) as pool:
        pipeline = PowerShell(pool)
        pipeline.add_script("hostname")
        assert [str(item) for item in pipeline.invoke()] == ["nego"]
    assert sim.stats.for_host("nego").actions["auth"] >= 2  # 401, then the SPNEGO legs


def test_winsim_serve_names_the_realm_in_its_ready_file_and_stops_the_kdc(tmp_path):
    from winsim.launch import ServedFleet  # pylint: disable=import-outside-toplevel

    fleet_file = tmp_path / "fleet.yml"
    fleet_file.write_text(f"defaults: {{listen: ephemeral, password: {PASSWORD}}}\nhosts:\n"
                          "  - {name: k1, profile: digital_license_pro, auth: [kerberos]}\n"
                          "  - {name: s1, profile: digital_license_pro, connection: ssh}\n", encoding="utf-8")
    served = ServedFleet.start(fleet_file, tmp_path / "state")
    try:
        krb5_conf = served.ready["env"]["KRB5_CONFIG"]
        kdc = served.ready["kdc_pid"]
        assert os.path.isfile(krb5_conf) and os.path.exists(f"/proc/{kdc}")
    finally:
        served.stop()
    assert not os.path.exists(krb5_conf)
    state = open(f"/proc/{kdc}/status").read() if os.path.exists(f"/proc/{kdc}") else "gone"
    assert state == "gone" or "zombie" in state.lower()
