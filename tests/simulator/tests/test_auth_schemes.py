# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""A listener offers a set of authentication schemes (winsim.net.auth's registry), as Windows does.

The fleet file's ``auth``: ``basic`` / ``ntlm`` (one scheme, as before), a list
(``[negotiate, basic]``) or a mapping like ``winrm/config/service/auth`` (``{basic: true}``:
a default listener, Negotiate on, with Basic enabled). A new scheme registers itself and is
offered without any other module changing.
"""

from __future__ import annotations

import base64
import http.client

import pytest
import winrm
import yaml
from winrm.exceptions import InvalidCredentialsError

from winsim import BackgroundSimulator, ConfigError, FleetBuilder
from winsim.net import auth

from sim_helpers import FIXTURE_PROFILES

PROFILE = "minimal_digital_license_pro"


def _challenge(sim: BackgroundSimulator, name: str, authorization: str | None = None) -> tuple[int, list[str]]:
    """Status and WWW-Authenticate headers (each one, in order) of a POST to /wsman."""
    address, port = sim.server.address_of(name)
    connection = http.client.HTTPConnection(address, port, timeout=10)
    try:
        headers = {"Content-Type": "application/soap+xml;charset=UTF-8"}
        if authorization:
            headers["Authorization"] = authorization
        connection.request("POST", "/wsman", body=b"", headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, [value for key, value in response.getheaders() if key.lower() == "www-authenticate"]
    finally:
        connection.close()


@pytest.fixture(scope="module")
def schemes_sim() -> BackgroundSimulator:
    fleet = (FleetBuilder(profiles_dir=FIXTURE_PROFILES, listen="ephemeral")
             .add("win-default", profile=PROFILE, auth={})
             .add("win-default-basic", profile=PROFILE, auth={"basic": True})
             .add("win-list", profile=PROFILE, auth=["basic", "negotiate"])
             .add("win-basic", profile=PROFILE, auth="basic")
             .add("win-ntlm", profile=PROFILE, auth="ntlm")
             .build())
    with BackgroundSimulator(fleet) as simulator:
        yield simulator


def test_the_fleet_file_forms(schemes_sim) -> None:
    spec = schemes_sim.spec
    assert spec("win-default").auth_schemes == ("negotiate",) and spec("win-default").auth == "ntlm"
    assert spec("win-default-basic").auth_schemes == ("negotiate", "basic") and spec("win-default-basic").auth == "ntlm"
    # A list keeps Windows' header order; its first entry is the transport the inventory names.
    assert spec("win-list").auth_schemes == ("negotiate", "basic") and spec("win-list").auth == "basic"
    assert spec("win-basic").auth_schemes == ("basic",) and spec("win-ntlm").auth_schemes == ("negotiate",)


def test_401_lists_every_offered_scheme_in_windows_order(schemes_sim) -> None:
    assert _challenge(schemes_sim, "win-default-basic") == (401, ["Negotiate", 'Basic realm="WSMAN"'])
    assert _challenge(schemes_sim, "win-list") == (401, ["Negotiate", 'Basic realm="WSMAN"'])
    assert _challenge(schemes_sim, "win-default") == (401, ["Negotiate"])
    assert _challenge(schemes_sim, "win-basic") == (401, ['Basic realm="WSMAN"'])
    # Basic is not offered by a default listener: good credentials over Basic still get 401.
    password = schemes_sim.password("win-default")
    token = base64.b64encode(f"simadmin:{password}".encode()).decode()
    assert _challenge(schemes_sim, "win-default", f"Basic {token}") == (401, ["Negotiate"])
    assert _challenge(schemes_sim, "win-default-basic", f"Basic {token}")[0] == 200


@pytest.mark.parametrize("name", ["win-default-basic", "win-list"])
@pytest.mark.parametrize("transport", ["ntlm", "basic"])
def test_pywinrm_ntlm_and_basic_both_succeed_against_a_default_listener_with_basic(schemes_sim, name, transport) -> None:
    client = winrm.Session(schemes_sim.endpoint(name), auth=("simadmin", schemes_sim.password(name)), transport=transport)
    result = client.run_cmd("cmd.exe", ["/c", "echo", "hi"])
    assert (result.status_code, result.std_out, result.std_err) == (0, b"hi\r\n", b"")


def test_pywinrm_basic_is_refused_where_basic_is_not_enabled(schemes_sim) -> None:
    client = winrm.Session(schemes_sim.endpoint("win-default"), auth=("simadmin", schemes_sim.password("win-default")),
                           transport="basic")
    with pytest.raises(InvalidCredentialsError):
        client.run_cmd("hostname")
    ntlm = winrm.Session(schemes_sim.endpoint("win-default"), auth=("simadmin", schemes_sim.password("win-default")),
                         transport="ntlm")
    assert ntlm.run_cmd("hostname").std_out == b"win-default\r\n"


def test_the_inventory_names_the_preferred_transport_and_every_scheme(schemes_sim, tmp_path) -> None:
    hosts = yaml.safe_load(schemes_sim.write_inventory(tmp_path / "inventory.yml").read_text())["all"]["children"]["windows"]["hosts"]
    assert (hosts["win-list"]["ansible_winrm_transport"], hosts["win-list"]["winsim_auth"]) == ("basic", ["negotiate", "basic"])
    assert (hosts["win-default-basic"]["ansible_winrm_transport"], hosts["win-default-basic"]["winsim_auth"]) == (
        "ntlm", ["negotiate", "basic"])
    assert hosts["win-basic"]["winsim_auth"] == ["basic"]


@pytest.mark.parametrize(("value", "message"), [
    ("digest", "field 'auth': expected one of basic, ntlm, negotiate, kerberos, credssp, certificate, or a list or "
               "mapping of schemes, got 'digest'"),
    # Every registered scheme is listed (issue 15 adds kerberos, credssp and certificate).
    (["negotiate", "digest"], "field 'auth[1]': expected a scheme name, one of negotiate, kerberos, basic, credssp, "
                              "certificate, got 'digest'"),
    ([], "field 'auth': expected at least one scheme name"),
    (["basic", "basic"], "field 'auth': a scheme is listed twice"),
    ({"basic": "yes"}, "field 'auth.basic': expected true or false, got 'yes'"),
    ({"negotiate": False}, "field 'auth': every scheme is turned off"),
    ({"digest": True}, "field 'auth.digest': expected a scheme name"),
    (5, "field 'auth': expected basic, ntlm, a list of scheme names or a mapping, got int"),
])
def test_bad_auth_values_are_refused(value, message) -> None:
    with pytest.raises(ConfigError, match=r"hosts\[0\] \(x\): " + message.replace("[", r"\[").replace("]", r"\]")):
        FleetBuilder(profiles_dir=FIXTURE_PROFILES).add("x", profile=PROFILE, auth=value).build()


def test_ntlm_password_rule_applies_to_every_host_that_offers_negotiate() -> None:
    builder = (FleetBuilder(profiles_dir=FIXTURE_PROFILES, listen="ephemeral")
               .add("a", profile=PROFILE, auth="ntlm", password="One-1!")
               .add("b", profile=PROFILE, auth={"basic": True}, password="Two-2!"))
    with pytest.raises(ConfigError, match=r"hosts\[1\] \(b\): field 'password': NTLM hosts that share the user name"):
        builder.build()


class _TokenAcceptor(auth.Acceptor):
    """A scheme a test plugs in: ``Authorization: Token <password>``."""

    def accept(self, word: str, token: str) -> auth.AuthResult:
        if token != self.host.password:
            return self.deny()
        self.user = self.host.username
        return auth.AuthResult(True, self.user)


def test_a_new_scheme_plugs_in_through_the_registry(tmp_path) -> None:
    prepared: list[list[tuple[str, str]]] = []

    def prepare(credentials, directory):
        prepared.append(list(credentials))
        return {"marker": directory}

    auth.register_scheme(auth.Scheme(name="token", words=("Token",), challenge='Token realm="test"', acceptor=_TokenAcceptor,
                                     client_transport="token", offer_order=20, prepare=prepare))
    try:
        # Beside issue 15's kerberos / credssp / certificate, in offer order.
        assert [name for name in auth.scheme_names() if name in ("negotiate", "token", "basic")] == ["negotiate", "token", "basic"]
        fleet = (FleetBuilder(profiles_dir=FIXTURE_PROFILES, listen="ephemeral")
                 .add("win-token", profile=PROFILE, auth=["negotiate", "token", "basic"], password="Tok-3n!")
                 .build())
        with BackgroundSimulator(fleet) as sim:
            assert prepared == [[("simadmin", "Tok-3n!")]]
            assert _challenge(sim, "win-token") == (401, ["Negotiate", 'Token realm="test"', 'Basic realm="WSMAN"'])
            assert _challenge(sim, "win-token", "Token Tok-3n!")[0] == 200
            assert _challenge(sim, "win-token", "Token wrong") == (401, ["Negotiate", 'Token realm="test"', 'Basic realm="WSMAN"'])
            # The built-in schemes still work beside it.
            client = winrm.Session(sim.endpoint("win-token"), auth=("simadmin", "Tok-3n!"), transport="ntlm")
            assert client.run_cmd("hostname").std_out == b"win-token\r\n"
    finally:
        auth.unregister_scheme("token")
    assert "token" not in auth.scheme_names()
