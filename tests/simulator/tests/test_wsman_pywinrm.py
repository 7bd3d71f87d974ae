# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The real pywinrm 0.5.0 against the simulator: every auth mode, the WinRS operations, wire details."""

from __future__ import annotations

import base64
import socket
import time
import uuid
import xml.etree.ElementTree as ET

import pytest
import requests
import winrm
import xmltodict
from winrm.exceptions import InvalidCredentialsError, WSManFaultError

from sim_helpers import encode, protocol, run_command, session

AUTH_MODES = [
    pytest.param({"auth": "basic"}, {}, id="basic-http"),
    pytest.param({"auth": "ntlm"}, {}, id="ntlm-http-encrypted"),
    pytest.param({"auth": "ntlm"}, {"message_encryption": "never"}, id="ntlm-http-unencrypted"),
    pytest.param({"auth": "basic", "transport": "https"}, {"server_cert_validation": "ignore"}, id="basic-https-ignore"),
    pytest.param({"auth": "basic", "transport": "https"}, {"validate_with_ca": True}, id="basic-https-validate"),
    pytest.param({"auth": "ntlm", "transport": "https"}, {"validate_with_ca": True}, id="ntlm-https-cbt"),
]


@pytest.mark.parametrize(("host_fields", "client_options"), AUTH_MODES)
def test_run_ps_in_every_auth_mode(builder, start_sim, host_fields, client_options) -> None:
    sim = start_sim(builder.add("win-auth", profile="minimal_digital_license_pro", **host_fields))
    options = dict(client_options)
    if options.pop("validate_with_ca", False):
        options.update(server_cert_validation="validate", ca_trust_path=str(sim.ca_file))
    result = session(sim, "win-auth", **options).run_ps("hostname; Write-Output 'it''s fine'")
    assert (result.status_code, result.std_out, result.std_err) == (0, b"win-auth\r\nit's fine\r\n", b"")
    counters = sim.stats.for_host("win-auth")
    assert counters.actions["Create"] == counters.actions["Delete"] == counters.commands == 1


def test_ntlm_encrypts_every_soap_message(builder, start_sim) -> None:
    sim = start_sim(builder.add("win-ntlm", profile="minimal_digital_license_pro", auth="ntlm"))
    session(sim, "win-ntlm").run_ps("hostname")
    counters = sim.stats.for_host("win-ntlm").as_dict()
    # 401 without credentials, 401 with the challenge, the authenticated empty POST, then five encrypted messages.
    assert counters["requests"] == 8
    assert counters["actions"]["auth"] == 3
    assert counters["statuses"] == {"200": 6, "401": 2}


@pytest.mark.parametrize("auth", ["basic", "ntlm"])
def test_wrong_password_gets_a_bare_401(builder, start_sim, auth) -> None:
    sim = start_sim(builder.add("win-auth", profile="minimal_digital_license_pro", auth=auth))
    spec = sim.spec("win-auth")
    with pytest.raises(InvalidCredentialsError):
        winrm.Session(sim.endpoint("win-auth"), auth=(spec.username, "wrong"), transport=auth).run_ps("hostname")
    answer = requests.post(sim.endpoint("win-auth"), data=b"<x/>", auth=(spec.username, "wrong"), timeout=10)
    assert answer.status_code == 401
    assert answer.content == b""
    expected = 'Basic realm="WSMAN"' if auth == "basic" else "Negotiate"
    assert answer.headers["WWW-Authenticate"] == expected
    assert answer.headers["Server"] == "Microsoft-HTTPAPI/2.0"


def test_https_validation_fails_for_bad_certificates(builder, start_sim) -> None:
    sim = start_sim(builder.add("win-untrusted", profile="minimal_digital_license_pro", transport="https", certificate="untrusted")
                    .add("win-wrongname", profile="minimal_digital_license_pro", transport="https", certificate="wrong_name"))
    for name, reason in (("win-untrusted", "unable to get local issuer certificate"), ("win-wrongname", "mismatch")):
        client = session(sim, name, server_cert_validation="validate", ca_trust_path=str(sim.ca_file))
        with pytest.raises(requests.exceptions.SSLError, match=reason):
            client.run_ps("hostname")
        assert session(sim, name, server_cert_validation="ignore").run_ps("hostname").std_out == f"{name}\r\n".encode()


def test_create_response_has_selector_and_shell_block(builder, start_sim) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro"))
    spec = sim.spec("win-001")
    message_id = str(uuid.uuid4())
    header = protocol(sim, "win-001").build_wsman_header(
        action="http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
        resource_uri="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd", message_id=message_id)
    header["env:Body"] = {"rsp:Shell": {"rsp:InputStreams": "stdin", "rsp:OutputStreams": "stdout stderr"}}
    request = xmltodict.unparse({"env:Envelope": header}).encode()
    answer = requests.post(sim.endpoint("win-001"), data=request, auth=(spec.username, spec.password), timeout=10,
                           headers={"Content-Type": "application/soap+xml;charset=UTF-8"})
    assert answer.status_code == 200
    root = ET.fromstring(answer.content)
    ns = {"s": "http://www.w3.org/2003/05/soap-envelope", "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
          "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer", "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
          "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"}
    assert root.findtext("s:Header/a:Action", namespaces=ns) == "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse"
    assert root.findtext("s:Header/a:RelatesTo", namespaces=ns) == f"uuid:{message_id}"
    selector = root.find("s:Body/x:ResourceCreated/a:ReferenceParameters/w:SelectorSet/w:Selector", ns)
    assert selector is not None and selector.get("Name") == "ShellId"
    assert root.findtext("s:Body/rsp:Shell/rsp:ShellId", namespaces=ns) == selector.text
    assert root.findtext("s:Body/rsp:Shell/rsp:Owner", namespaces=ns) == spec.username


def test_unknown_shell_and_unknown_command_faults(builder, start_sim) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro"))
    proto = protocol(sim, "win-001")
    with pytest.raises(WSManFaultError) as caught:
        proto.run_command("11111111-2222-3333-4444-555555555555", "hostname")
    assert (caught.value.code, caught.value.fault_subcode, caught.value.wsman_fault_code) == (500, "w:InvalidSelectors", 2150858843)
    assert "ShellId 11111111-2222-3333-4444-555555555555 failed because the shell was not found" in caught.value.response
    shell_id = proto.open_shell()
    with pytest.raises(WSManFaultError) as caught:
        proto.get_command_output(shell_id, "11111111-2222-3333-4444-555555555555")
    assert caught.value.wsman_fault_code == 2150858843
    proto.close_shell(shell_id)
    with pytest.raises(WSManFaultError):
        proto.close_shell(shell_id)


def test_stdin_in_chunks_runs_a_script_read_from_stdin(builder, start_sim) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro"))
    proto = protocol(sim, "win-001")
    shell_id = proto.open_shell(codepage=65001)
    command_id = proto.run_command(shell_id, "PowerShell", ["-NoProfile", "-NonInteractive", "-Command", "-"],
                                   console_mode_stdin=False)
    for chunk, last in ((b"Write-Output 'from", False), (b" stdin'\nhostname\n", False), (b"exit 7\n", True)):
        proto.send_command_input(shell_id, command_id, chunk, end=last)
    stdout, stderr, rc = proto.get_command_output(shell_id, command_id)
    proto.cleanup_command(shell_id, command_id)
    proto.close_shell(shell_id)
    assert (stdout, stderr, rc) == (b"from stdin\r\nwin-001\r\n", b"", 7)
    assert sim.stats.for_host("win-001").actions["Send"] == 3


def test_receive_times_out_until_stdin_ends(builder, start_sim) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro"))
    proto = protocol(sim, "win-001", operation_timeout_sec=1, read_timeout_sec=3)
    shell_id = proto.open_shell()
    command_id = proto.run_command(shell_id, "powershell", ["-Command", "-"], console_mode_stdin=False)
    started = time.monotonic()
    with pytest.raises(winrm.exceptions.WinRMOperationTimeoutError):
        proto.get_command_output_raw(shell_id, command_id)
    assert 0.9 <= time.monotonic() - started < 2.5
    proto.send_command_input(shell_id, command_id, b"hostname", end=True)
    assert proto.get_command_output(shell_id, command_id) == (b"win-001\r\n", b"", 0)
    assert sim.stats.for_host("win-001").faults["w:TimedOut"] == 1


def test_large_output_is_split_over_several_receives(builder, start_sim) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro"))
    proto = protocol(sim, "win-001")
    shell_id = proto.open_shell()
    command_id = proto.run_command(shell_id, "powershell", ["-Command", "-"], console_mode_stdin=False)
    proto.send_command_input(shell_id, command_id, "Write-Output '" + "x" * 250_000 + "'", end=True)
    stdout, stderr, rc = proto.get_command_output(shell_id, command_id)
    assert (len(stdout), stderr, rc) == (250_002, b"", 0)
    assert sim.stats.for_host("win-001").actions["Receive"] == 3  # 96 KiB per ReceiveResponse


def test_command_line_limit(builder, start_sim) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro"))
    proto = protocol(sim, "win-001")
    fits = "Write-Output '" + "a" * (3039 - 16) + "'"
    assert len(" ".join(["PowerShell", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Unrestricted", "-EncodedCommand",
                         encode(fits)])) <= 8191
    assert run_command(proto, "PowerShell", ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Unrestricted",
                                             "-EncodedCommand", encode(fits)])[2] == 0
    too_long = fits + "a" * 10
    assert run_command(proto, "PowerShell", ["-EncodedCommand", encode(too_long * 2)]) == (b"", b"The command line is too long.\r\n", 1)


def test_unknown_command_gets_powershell_clixml_error(builder, start_sim) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro"))
    stdout, stderr, rc = run_command(protocol(sim, "win-001"), "powershell", ["-EncodedCommand", encode("hostname\nGet-Foo -Bar")])
    assert (stdout, rc) == (b"win-001\r\n", 1)
    assert stderr.startswith(b'#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">')
    assert b"Get-Foo : The term &apos;Get-Foo&apos;" not in stderr
    assert b"<S S=\"Error\">Get-Foo : The term 'Get-Foo' is not recognized as the name of a cmdlet, function, script file, or " in stderr
    assert b"At line:2 char:1_x000D__x000A_" in stderr
    result = session(sim, "win-001").run_ps("Get-Foo")
    assert result.status_code == 1
    assert result.std_err.startswith(b"Get-Foo : The term 'Get-Foo' is not recognized")
    assert b"CommandNotFoundException" in result.std_err


def test_cmd_commands(builder, start_sim) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro"))
    client = session(sim, "win-001")
    assert client.run_cmd("hostname").std_out == b"win-001\r\n"
    missing = client.run_cmd("foo", ["/x"])
    assert (missing.status_code, missing.std_err) == (1, b"'foo' is not recognized as an internal or external command,\r\n"
                                                         b"operable program or batch file.\r\n")


def test_get_date_and_exit_codes(builder, start_sim) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro"))
    client = session(sim, "win-001")
    date = client.run_ps("Get-Date")
    assert date.status_code == 0 and date.std_out.startswith(b"\r\n") and date.std_out.endswith(b"M\r\n\r\n\r\n")
    assert client.run_ps("exit 42").status_code == 42


def test_keep_alive_responses_leave_in_one_send(builder, start_sim) -> None:
    """Headers and body in one send(): otherwise every request on a kept-alive connection stalls ~40 ms (Nagle)."""
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro"))
    proto = protocol(sim, "win-001")
    shell_id = proto.open_shell()
    started = time.monotonic()
    for dummy in range(20):
        command_id = proto.run_command(shell_id, "hostname")
        proto.get_command_output(shell_id, command_id)
        proto.cleanup_command(shell_id, command_id)
    elapsed = time.monotonic() - started
    proto.close_shell(shell_id)
    assert sim.stats.for_host("win-001").connections == 1
    assert elapsed < 60 * 0.040, f"60 requests took {elapsed:.2f}s"


def test_base64_of_receive_is_standard(builder, start_sim) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro"))
    stdout, dummy, dummy = run_command(protocol(sim, "win-001"), "powershell", ["-EncodedCommand", encode("Write-Output 'é'")])
    assert stdout == "é\r\n".encode("utf-8")
    assert base64.b64decode(base64.b64encode(stdout)) == stdout


def test_connection_refused_when_not_listening(builder, start_sim) -> None:
    sim = start_sim(builder.add("win-down", profile="minimal_digital_license_pro", fault="not_listening"))
    with pytest.raises(requests.exceptions.ConnectionError):
        session(sim, "win-down").run_ps("hostname")


def test_plain_http_errors(builder, start_sim) -> None:
    sim = start_sim(builder.add("win-001", profile="minimal_digital_license_pro"))
    spec = sim.spec("win-001")
    base = sim.endpoint("win-001").rsplit("/", 1)[0]
    assert requests.post(base + "/other", data=b"", auth=(spec.username, spec.password), timeout=5).status_code == 404
    assert requests.get(sim.endpoint("win-001"), auth=(spec.username, spec.password), timeout=5).status_code == 405
    bad = requests.post(sim.endpoint("win-001"), data=b"not xml", auth=(spec.username, spec.password), timeout=5)
    assert bad.status_code == 500 and b"w:SchemaValidationError" in bad.content
    with pytest.raises(WSManFaultError) as caught:
        winrm.Protocol(sim.endpoint("win-001"), username=spec.username, password=spec.password,
                       transport="basic").send_message("<not-a-soap-envelope/>")
    assert caught.value.fault_subcode == "w:SchemaValidationError"


def _ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6_loopback_available(), reason="no IPv6 loopback on this machine")
def test_ipv6_loopback_host_with_ntlm_over_https(builder, start_sim) -> None:
    sim = start_sim(builder.add("win-v6", profile="minimal_digital_license_pro", address="::1", transport="https", auth="ntlm"))
    assert sim.endpoint("win-v6").startswith("https://[::1]:")
    # pywinrm's Session cannot parse bracketed IPv6 URLs; its Protocol (what ansible uses) can.
    proto = protocol(sim, "win-v6", server_cert_validation="validate", ca_trust_path=str(sim.ca_file))
    assert run_command(proto, "hostname") == (b"win-v6\r\n", b"", 0)
