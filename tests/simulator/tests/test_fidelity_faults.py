# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""WS-Management faults compared with faults recorded from real Windows Server hosts.

Source of the facts: the YAML recordings of jborean93/pypsrp,
``tests/tests_pypsrp/responses/<name>.yml`` (named in each test; not copied here). Shapes
without a recording (access denied, the 401 of a non-administrator) are marked *inferred*
here and in docs/simulator.md, with what they were inferred from.
"""

from __future__ import annotations

import base64
import http.client
import xml.etree.ElementTree as ET

import pytest
import winrm
import xmltodict
from winrm.exceptions import InvalidCredentialsError

from winsim import BackgroundSimulator, FleetBuilder

import fidelity_helpers as fh
from sim_helpers import FIXTURE_PROFILES

PROFILE = "minimal_digital_license_pro"
TIMED_OUT_TEXT = "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  "
INVALID_SELECTORS_REASON = ("The WS-Management service cannot process the request because the request contained invalid "
                            "selectors for the resource. ")


@pytest.fixture(scope="module")
def sim() -> BackgroundSimulator:
    fleet = (FleetBuilder(profiles_dir=FIXTURE_PROFILES, listen="ephemeral")
             .add("win-ok", profile=PROFILE, auth={"basic": True})
             .add("win-slow", profile=PROFILE, fault="slow", fault_options={"seconds": 30})
             .add("win-shell-denied", profile=PROFILE, fault="shell_access_denied")
             .add("win-command-denied", profile=PROFILE, fault="command_access_denied")
             .add("win-not-admin", profile=PROFILE, fault="not_administrator", auth={"basic": True})
             .build())
    with BackgroundSimulator(fleet) as simulator:
        yield simulator


def proto(sim: BackgroundSimulator, name: str, transport: str = "basic", endpoint: str | None = None, **kwargs: object) -> winrm.Protocol:
    spec = sim.spec(name)
    return winrm.Protocol(endpoint or sim.endpoint(name), transport=transport, username=spec.username, password=spec.password,
                          **kwargs)


def test_operation_timeout_fault(sim) -> None:
    """Source: test_winrs_operation_timeout.yml, messages 3 and 4 (HTTP 500).

    Action .../wsman/fault; s:Receiver / w:TimedOut; Reason and Message the same text (two
    trailing spaces); no w:FaultDetail; WSManFault Code 2150858793, Machine the host as
    addressed (192.168.56.11 in the recording).
    """
    client = proto(sim, "win-slow", operation_timeout_sec=1, read_timeout_sec=5)
    shell_id = client.open_shell()
    command_id = client.run_command(shell_id, "hostname")
    answer = fh.receive(client, shell_id, command_id)
    address, dummy = sim.server.address_of("win-slow")
    assert answer.fault() == {
        "status": 500, "action": fh.FAULT_ACTION, "code": "s:Receiver", "subcode": "w:TimedOut", "reason": TIMED_OUT_TEXT,
        "fault_detail": None, "wsman_code": "2150858793", "machine": address, "message": TIMED_OUT_TEXT, "provider": None,
    }
    assert answer.relates_to.startswith("uuid:")


def test_unknown_command_id(sim) -> None:
    """Source: test_winrs_bad_cmd_id.yml, message 2: a Receive for a CommandId the shell never had.

    s:Sender / w:InvalidSelectors, FaultDetail .../faultDetail/UnexpectedSelectors, Code
    2150858843, the message below; the shell stays usable (the recording's Signal and Delete
    of the real command succeed afterwards).
    """
    client = proto(sim, "win-ok")
    shell_id = client.open_shell()
    command_id = client.run_command(shell_id, "cmd.exe", ["/c", "echo", "hi"])
    answer = fh.receive(client, shell_id, "87E77BEB-6761-4C48-9D70-A00266B8459A")
    assert answer.fault() == {
        "status": 500, "action": fh.FAULT_ACTION, "code": "s:Sender", "subcode": "w:InvalidSelectors",
        "reason": INVALID_SELECTORS_REASON,
        "fault_detail": "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors",
        "wsman_code": "2150858843", "machine": sim.server.address_of("win-ok")[0],
        "message": ("The Windows Remote Shell received a request to perform an operation on a command identifier that does "
                    "not exist. Either the command has completed execution or the client specified an invalid command "
                    "identifier. "),
        "provider": None,
    }
    assert fh.signal(client, shell_id, command_id).status == 200
    assert fh.delete(client, shell_id).status == 200


def test_unknown_shell_id(sim) -> None:
    """Source: test_psrp_is_alive_invalid_selectors.yml, message 4: a request on a shell that is gone.

    s:Sender / w:InvalidSelectors, FaultDetail UnexpectedSelectors (not InvalidValue), Code
    2150858843. (That recording is a Get on a PowerShell shell, whose message comes from the
    Shell provider; the message of a cmd shell is not recorded, so it is not compared.)
    """
    client = proto(sim, "win-ok")
    shell_id = client.open_shell()
    assert fh.delete(client, shell_id).status == 200
    fault = fh.receive(client, shell_id, "644983A8-4292-4922-97E9-D569C2170784").fault()
    assert (fault["status"], fault["code"], fault["subcode"], fault["reason"], fault["fault_detail"], fault["wsman_code"]) == (
        500, "s:Sender", "w:InvalidSelectors", INVALID_SELECTORS_REASON,
        "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors", "2150858843")


def test_receive_without_a_command_id(sim) -> None:
    """Source: test_winrs_fail_poll_process.yml, message 1: ``rsp:DesiredStream`` with no CommandId.

    s:Sender / w:InvalidParameter, Reason "The parameter is incorrect. ", FaultDetail
    .../faultDetail/InvalidValue, Code 87, the message wrapped in f:ProviderFault of the
    "Shell cmd plugin" (%systemroot%\\system32\\winrscmd.dll).
    """
    client = proto(sim, "win-ok")
    shell_id = client.open_shell()
    assert fh.receive(client, shell_id, None).fault() == {
        "status": 500, "action": fh.FAULT_ACTION, "code": "s:Sender", "subcode": "w:InvalidParameter",
        "reason": "The parameter is incorrect. ",
        "fault_detail": "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/InvalidValue",
        "wsman_code": "87", "machine": sim.server.address_of("win-ok")[0], "message": "The parameter is incorrect. ",
        "provider": ("Shell cmd plugin", "%systemroot%\\system32\\winrscmd.dll"),
    }


def test_access_denied_on_create(sim) -> None:
    """Inferred (no recording): s:Sender / w:AccessDenied, Code 5, "Access is denied. " (MS-WSMV; ansible's message)."""
    fault = fh.create(proto(sim, "win-shell-denied")).fault()
    assert (fault["status"], fault["code"], fault["subcode"], fault["reason"], fault["wsman_code"], fault["provider"]) == (
        500, "s:Sender", "w:AccessDenied", "Access is denied. ", "5", None)


def test_access_denied_during_a_command(sim) -> None:
    """Shape from test_winrs_no_cmd_shell.yml, message 1 (Command answered s:Receiver / w:InternalError
    with the Win32 HRESULT as Code, 2147942402 there, and the cmd plug-in's f:ProviderFault); the
    access-denied variant, 2147942405 (0x80070005) "Access is denied. ", is inferred."""
    client = proto(sim, "win-command-denied")
    shell_id = client.open_shell()
    message = fh.request(client, fh.NS["rsp"] + "/Command", shell_id)
    message["env:Envelope"].setdefault("env:Body", {})["rsp:CommandLine"] = {"rsp:Command": "hostname"}
    fault = fh.send(client, message).fault()
    assert (fault["status"], fault["code"], fault["subcode"], fault["reason"], fault["wsman_code"], fault["provider"]) == (
        500, "s:Receiver", "w:InternalError", "Access is denied. ", "2147942405",
        ("Shell cmd plugin", "%systemroot%\\system32\\winrscmd.dll"))


def test_a_non_administrator_over_basic_gets_401(sim) -> None:
    """Inferred (no recording): WinRM refuses a local non-administrator's Basic logon with HTTP 401 and
    the listener's challenges, the right password notwithstanding; pywinrm: InvalidCredentialsError."""
    address, port = sim.server.address_of("win-not-admin")
    token = base64.b64encode(f"simadmin:{sim.password('win-not-admin')}".encode()).decode()
    connection = http.client.HTTPConnection(address, port, timeout=10)
    headers = {"Authorization": f"Basic {token}", "Content-Type": "application/soap+xml;charset=UTF-8"}
    connection.request("POST", "/wsman", body=b"<x/>", headers=headers)
    response = connection.getresponse()
    assert (response.status, response.read(), response.getheader("Content-Length")) == (401, b"", "0")
    assert [value for key, value in response.getheaders() if key.lower() == "www-authenticate"] == [
        "Negotiate", 'Basic realm="WSMAN"']
    connection.close()
    with pytest.raises(InvalidCredentialsError):
        proto(sim, "win-not-admin").open_shell()


# ---- Machine and Address name the host as the client addressed it ------------------------------------------------

def _raw_basic(sim: BackgroundSimulator, name: str, host_header: str, message: dict) -> fh.Answer:
    """A POST with Basic authentication and a chosen Host header (what a client that used that name sends)."""
    address, port = sim.server.address_of(name)
    token = base64.b64encode(f"simadmin:{sim.password(name)}".encode()).decode()
    connection = http.client.HTTPConnection(address, port, timeout=10)
    try:
        connection.putrequest("POST", "/wsman", skip_host=True)
        body = xmltodict.unparse(message).encode("utf-8")
        for key, value in (("Host", host_header), ("Authorization", f"Basic {token}"),
                           ("Content-Type", "application/soap+xml;charset=UTF-8"), ("Content-Length", str(len(body)))):
            connection.putheader(key, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return fh.Answer(response.status, ET.fromstring(response.read()))
    finally:
        connection.close()


def test_machine_and_address_are_the_name_the_client_used(sim) -> None:
    """Source: test_winrs_no_cmd_shell.yml (reached as https://server2008r2.domain.local:5986/wsman: the
    CreateResponse Address is that URL and the fault's Machine is ``server2008r2.domain.local``) and
    test_winrs_fail_poll_process.yml (reached through a forwarded 127.0.0.1:55986: Address
    https://127.0.0.1:55986/wsman, Machine 127.0.0.1)."""
    client = proto(sim, "win-ok")
    create = fh.request(client, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create")
    create["env:Envelope"].setdefault("env:Body", {})["rsp:Shell"] = {"rsp:InputStreams": "stdin", "rsp:OutputStreams": "stdout stderr"}
    answer = _raw_basic(sim, "win-ok", "server2008r2.domain.local:5986", create)
    assert answer.find("x:ResourceCreated/a:Address").text == "http://server2008r2.domain.local:5986/wsman"
    shell_id = answer.find("rsp:Shell/rsp:ShellId").text
    receive = fh.request(client, fh.NS["rsp"] + "/Receive", shell_id)
    receive["env:Envelope"].setdefault("env:Body", {})["rsp:Receive"] = {"rsp:DesiredStream": "stdout stderr"}
    assert _raw_basic(sim, "win-ok", "server2008r2.domain.local:5986", receive).fault()["machine"] == "server2008r2.domain.local"
    assert _raw_basic(sim, "win-ok", "127.0.0.1:55986", receive).fault()["machine"] == "127.0.0.1"


@pytest.mark.parametrize("transport", ["basic", "ntlm"])
def test_pywinrm_through_a_host_name_sees_that_name(sim, transport) -> None:
    """The same with pywinrm addressing the host as ``localhost`` (its Host header; pywinrm's own wsa:To is a
    placeholder, ``http://windows-host:5985/wsman``, so Windows cannot be using that)."""
    address, port = sim.server.address_of("win-ok")
    endpoint = f"http://localhost:{port}/wsman"
    client = proto(sim, "win-ok", transport, endpoint=endpoint)
    answer = fh.create(client)
    assert answer.find("x:ResourceCreated/a:Address").text == endpoint
    shell_id = answer.find("rsp:Shell/rsp:ShellId").text
    fault = fh.receive(client, shell_id, "87E77BEB-6761-4C48-9D70-A00266B8459A").fault()
    assert fault["machine"] == "localhost"
    assert address == "127.0.0.1"
