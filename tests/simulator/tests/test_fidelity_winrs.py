# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""WinRS operations compared with exchanges recorded from real Windows Server hosts.

Source of every fact: the YAML recordings of jborean93/pypsrp,
``tests/tests_pypsrp/responses/<name>.yml`` (named in each test; not copied into this
repository). The facts are written out below as the recordings show them: Actions,
element order, attributes, stream chunking, command states, exit codes. The simulator is
driven by the real pywinrm (its own request envelopes; see fidelity_helpers.py).
"""

from __future__ import annotations

import time

import pytest
import winrm
from winrm.exceptions import WSManFaultError

from winsim import BackgroundSimulator, FleetBuilder

import fidelity_helpers as fh
from sim_helpers import FIXTURE_PROFILES

PROFILE = "minimal_digital_license_pro"


@pytest.fixture(scope="module")
def sim() -> BackgroundSimulator:
    fleet = (FleetBuilder(profiles_dir=FIXTURE_PROFILES, listen="ephemeral")
             .add("win-basic", profile=PROFILE, auth="basic", username="vagrant")
             .add("win-ntlm", profile=PROFILE, auth={"basic": True}, username="vagrant")
             .add("win-stream", profile=PROFILE, fault="slow_partial", fault_options={"chunks": 2, "delay": 2.5})
             .build())
    with BackgroundSimulator(fleet) as simulator:
        yield simulator


def proto(sim: BackgroundSimulator, name: str, transport: str = "basic", **kwargs: object) -> winrm.Protocol:
    spec = sim.spec(name)
    return winrm.Protocol(sim.endpoint(name), transport=transport, username=spec.username, password=spec.password, **kwargs)


# ---- Create -------------------------------------------------------------------------------------------------------

#: test_winrs_standard.yml, message 0 (CreateResponse): the body and the rsp:Shell block, in order.
CREATE_BODY = ["x:ResourceCreated", "rsp:Shell"]
CREATE_SHELL = ["rsp:ShellId", "rsp:ResourceUri", "rsp:Owner", "rsp:ClientIP", "rsp:IdleTimeOut", "rsp:InputStreams",
                "rsp:OutputStreams", "rsp:ShellRunTime", "rsp:ShellInactivity"]


@pytest.mark.parametrize("transport", ["basic", "ntlm"])
def test_create_response(sim, transport) -> None:
    """Source: test_winrs_standard.yml (Create, CreateResponse)."""
    client = proto(sim, "win-ntlm", transport)
    answer = fh.create(client)
    assert answer.status == 200
    assert answer.action == "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse"
    assert answer.relates_to.startswith("uuid:")
    assert fh.children(answer.body) == CREATE_BODY
    created = answer.find("x:ResourceCreated")
    assert fh.children(created) == ["a:Address", "a:ReferenceParameters"]
    # a:Address is the URL the client used (the recording: the To header, http://192.168.56.11:5985/wsman).
    assert created.findtext("a:Address", namespaces=fh.NS) == sim.endpoint("win-ntlm")
    references = created.find("a:ReferenceParameters", fh.NS)
    assert fh.children(references) == ["w:ResourceURI", "w:SelectorSet"]
    assert references.findtext("w:ResourceURI", namespaces=fh.NS) == fh.SHELL_URI
    selector = references.find("w:SelectorSet/w:Selector", fh.NS)
    shell = answer.find("rsp:Shell")
    assert selector.get("Name") == "ShellId" and selector.text == shell.findtext("rsp:ShellId", namespaces=fh.NS)
    assert fh.children(shell) == CREATE_SHELL
    values = {fh.name(child): child.text for child in shell}
    assert values["rsp:ResourceUri"] == fh.SHELL_URI
    assert values["rsp:Owner"] == "vagrant"
    assert values["rsp:IdleTimeOut"] == "PT7200.000S"
    assert (values["rsp:InputStreams"], values["rsp:OutputStreams"]) == ("stdin", "stdout stderr")
    assert values["rsp:ShellRunTime"] == values["rsp:ShellInactivity"] == "P0DT0H0M0S"
    assert values["rsp:ShellId"] == values["rsp:ShellId"].upper() and len(values["rsp:ShellId"]) == 36


def test_create_echoes_working_directory_and_idle_timeout(sim) -> None:
    """Source: test_winrs_extra_opts.yml (IdleTimeOut PT60S, Lifetime, Name, WorkingDirectory C:\\Windows).

    Windows echoes WorkingDirectory after ClientIP and IdleTimeOut as PT60.000S, and not
    Lifetime or Name; ``(pwd).Path`` then prints C:\\Windows, as two stream elements.
    """
    client = proto(sim, "win-basic")
    answer = fh.create(client, working_directory="C:\\Windows", idle_timeout="PT60S")
    shell = answer.find("rsp:Shell")
    assert fh.children(shell) == ["rsp:ShellId", "rsp:ResourceUri", "rsp:Owner", "rsp:ClientIP", "rsp:WorkingDirectory",
                                  "rsp:IdleTimeOut", "rsp:InputStreams", "rsp:OutputStreams", "rsp:ShellRunTime",
                                  "rsp:ShellInactivity"]
    assert shell.findtext("rsp:WorkingDirectory", namespaces=fh.NS) == "C:\\Windows"
    assert shell.findtext("rsp:IdleTimeOut", namespaces=fh.NS) == "PT60.000S"
    shell_id = shell.findtext("rsp:ShellId", namespaces=fh.NS)
    command_id = client.run_command(shell_id, "powershell.exe", ["(pwd).Path"])
    answer = fh.receive(client, shell_id, command_id)
    assert answer.streams() == [("stdout", b"C:\\Windows", False), ("stdout", b"\r\n", False), ("stdout", b"", True),
                                ("stderr", b"", True)]
    assert answer.state() == (fh.DONE, "0")


def test_create_echoes_the_environment_and_commands_see_it(sim) -> None:
    """Source: test_winrs_environment.yml (rsp:Environment with three variables, then ``cmd.exe /c set``).

    Echoed after ClientIP, in the order requested, backslashes dropped from the echoed Name
    attribute (not from the value); ``set`` lists them with the host's own variables, sorted
    case-insensitively (test_client_execute_cmd_environment.yml), PROMPT=$P$G among them; the
    first line is one stream element and the rest another.
    """
    odd = "_-(){}[]<>*+-/\\?\"!@#$^&|;:i,.`~0"
    client = proto(sim, "win-basic")
    answer = fh.create(client, env_vars={"env1": "var1", "1234": "5678", odd: odd})
    shell = answer.find("rsp:Shell")
    assert fh.children(shell)[:6] == ["rsp:ShellId", "rsp:ResourceUri", "rsp:Owner", "rsp:ClientIP", "rsp:Environment",
                                      "rsp:IdleTimeOut"]
    variables = [(variable.get("Name"), variable.text) for variable in shell.find("rsp:Environment", fh.NS)]
    assert variables == [("env1", "var1"), ("1234", "5678"), (odd.replace("\\", ""), odd)]
    shell_id = shell.findtext("rsp:ShellId", namespaces=fh.NS)
    command_id = client.run_command(shell_id, "cmd.exe", ["/c", "set"])
    answer = fh.receive(client, shell_id, command_id)
    streams = answer.streams()
    assert [(stream, end) for stream, dummy, end in streams] == [("stdout", False), ("stdout", False), ("stdout", True),
                                                                 ("stderr", True)]
    assert streams[0][1] == b"1234=5678\r\n"
    lines = b"".join(data for dummy, data, dummy_end in streams).decode().split("\r\n")[:-1]
    names = [line.split("=", 1)[0] for line in lines]
    assert names == sorted(names, key=str.lower)
    assert {"env1=var1", "1234=5678", f"{odd}={odd}", "PROMPT=$P$G", "USERNAME=vagrant", "ComSpec=C:\\Windows\\system32\\cmd.exe",
            "USERPROFILE=C:\\Users\\vagrant", "OS=Windows_NT"} <= set(lines)
    # pywinrm's run_cmd reads the same output; PowerShell sees the variables too.
    assert client.get_command_output(shell_id, client.run_command(shell_id, "powershell.exe", ["$env:env1"]))[0] == b"var1\r\n"


def test_create_without_a_profile(sim) -> None:
    """Source: test_winrs_noprofile.yml (WINRS_NOPROFILE): the Default profile's USERPROFILE and TEMP."""
    client = proto(sim, "win-basic")
    shell_id = client.open_shell(noprofile=True)
    output = client.get_command_output(shell_id, client.run_command(shell_id, "cmd.exe", ["/c", "set"]))[0].decode()
    assert "USERPROFILE=C:\\Users\\Default\r\n" in output and "TEMP=C:\\Windows\\TEMP\r\n" in output
    assert "APPDATA=" not in output


def test_an_idle_shell_expires_after_its_idle_timeout(sim) -> None:
    """IdleTimeOut is honoured: afterwards the shell is unknown (the fault of test_fidelity_faults)."""
    client = proto(sim, "win-basic")
    shell_id = client.open_shell(idle_timeout="PT1S")
    time.sleep(1.3)
    with pytest.raises(WSManFaultError) as caught:
        client.run_command(shell_id, "hostname")
    assert (caught.value.fault_subcode, caught.value.wsman_fault_code) == ("w:InvalidSelectors", 2150858843)


# ---- Command, Receive, Signal, Delete -----------------------------------------------------------------------------

@pytest.mark.parametrize("transport", ["basic", "ntlm"])
def test_cmd_echo_hi(sim, transport) -> None:
    """Source: test_winrs_standard.yml: ``cmd.exe`` + Arguments ``/c`` ``echo`` ``hi``.

    CommandResponse holds rsp:CommandId; the one ReceiveResponse has stdout ``hi\\r\\n``, then
    stdout and stderr with End="true" and no text, then CommandState Done with ExitCode 0;
    SignalResponse is an empty rsp:SignalResponse; DeleteResponse has an empty body.
    """
    client = proto(sim, "win-ntlm", transport)
    shell_id = client.open_shell()
    command = fh.request(client, fh.NS["rsp"] + "/Command", shell_id)
    envelope = command["env:Envelope"]
    envelope["env:Header"]["w:OptionSet"] = {"w:Option": [{"@Name": "WINRS_SKIP_CMD_SHELL", "#text": "False"}]}
    envelope.setdefault("env:Body", {})["rsp:CommandLine"] = {"rsp:Command": "cmd.exe", "rsp:Arguments": ["/c", "echo", "hi"]}
    answer = fh.send(client, command)
    assert answer.action == fh.NS["rsp"] + "/CommandResponse"
    assert fh.children(answer.body) == ["rsp:CommandResponse"]
    assert fh.children(answer.find("rsp:CommandResponse")) == ["rsp:CommandId"]
    command_id = answer.find("rsp:CommandResponse/rsp:CommandId").text
    answer = fh.receive(client, shell_id, command_id)
    assert answer.action == fh.NS["rsp"] + "/ReceiveResponse"
    assert fh.children(answer.find("rsp:ReceiveResponse")) == ["rsp:Stream"] * 3 + ["rsp:CommandState"]
    assert answer.streams() == [("stdout", b"hi\r\n", False), ("stdout", b"", True), ("stderr", b"", True)]
    assert all(stream.get("CommandId") == command_id for stream in answer.body.iter(f"{{{fh.NS['rsp']}}}Stream"))
    assert answer.state() == (fh.DONE, "0")
    assert answer.find(".//rsp:CommandState").get("CommandId") == command_id
    answer = fh.signal(client, shell_id, command_id)
    assert (answer.action, fh.children(answer.body)) == (fh.NS["rsp"] + "/SignalResponse", ["rsp:SignalResponse"])
    answer = fh.delete(client, shell_id)
    assert (answer.action, fh.children(answer.body)) == ("http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse", [])


def test_stdout_stderr_and_exit_code_of_a_cmd_line(sim) -> None:
    """Source: test_winrs_stderr_rc.yml: ``cmd.exe`` ``/c echo out && echo err>&2 && exit 1``.

    stdout ``out \\r\\n`` and stderr ``err \\r\\n`` (the space before ``&&`` is echoed), one element
    each, stdout first; the End elements; ExitCode 1.
    """
    client = proto(sim, "win-basic")
    shell_id = client.open_shell()
    command_id = client.run_command(shell_id, "cmd.exe", ["/c echo out && echo err>&2 && exit 1"])
    answer = fh.receive(client, shell_id, command_id)
    assert answer.streams() == [("stdout", b"out \r\n", False), ("stderr", b"err \r\n", False), ("stdout", b"", True),
                                ("stderr", b"", True)]
    assert answer.state() == (fh.DONE, "1")


def test_stdin_in_two_sends(sim) -> None:
    """Source: test_winrs_send.yml: ``powershell.exe -``, two Sends (End="False", then "True").

    SendResponse is an empty rsp:SendResponse; Write-Host lines end with LF; the output is
    ``output 1``, ``\\n``, ``output 2\\n`` (three elements), then the End elements, Done, 0.
    """
    client = proto(sim, "win-basic")
    shell_id = client.open_shell()
    command_id = client.run_command(shell_id, "powershell.exe", ["-"], console_mode_stdin=True)
    for text, end in ((b'Write-Host "output 1";', "False"), (b'Write-Host "output 2";', "True")):
        message = fh.request(client, fh.NS["rsp"] + "/Send", shell_id)
        message["env:Envelope"].setdefault("env:Body", {})["rsp:Send"] = {"rsp:Stream": {
            "@CommandId": command_id, "@End": end, "@Name": "stdin", "#text": fh.base64.b64encode(text).decode()}}
        answer = fh.send(client, message)
        assert (answer.action, fh.children(answer.body)) == (fh.NS["rsp"] + "/SendResponse", ["rsp:SendResponse"])
    answer = fh.receive(client, shell_id, command_id)
    assert answer.streams() == [("stdout", b"output 1", False), ("stdout", b"\n", False), ("stdout", b"output 2\n", False),
                                ("stdout", b"", True), ("stderr", b"", True)]
    assert answer.state() == (fh.DONE, "0")


def test_unicode_output_in_code_page_65001(sim) -> None:
    """Source: test_winrs_unicode.yml: WINRS_CODEPAGE 65001, ``powershell.exe Write-Host こんにちは``: UTF-8, then LF."""
    client = proto(sim, "win-basic")
    shell_id = client.open_shell(codepage=65001)
    command_id = client.run_command(shell_id, "powershell.exe", ["Write-Host こんにちは"])
    answer = fh.receive(client, shell_id, command_id)
    assert answer.streams()[:2] == [("stdout", "こんにちは".encode("utf-8"), False), ("stdout", b"\n", False)]


def test_output_streams_with_operation_timeouts_between_chunks(sim) -> None:
    """Source: test_winrs_operation_timeout.yml (OperationTimeout PT10S, a command that writes, sleeps 30 s, writes).

    The Receives answer: Running with the first output (``hi``, ``\\n`` as two elements and no
    End element), w:TimedOut, w:TimedOut, then the rest with the End elements and Done, 0.
    Here fault ``slow_partial`` (2 chunks, 2.5 s apart) with OperationTimeout PT1S.
    """
    client = proto(sim, "win-stream", operation_timeout_sec=1, read_timeout_sec=5)
    shell_id = client.open_shell()
    command_id = client.run_command(shell_id, "powershell.exe", ["Write-Host hi; Write-Host hi again"])
    answers = fh.receive_all(client, shell_id, command_id)
    assert fh.sequence(answers) == ["Running", "w:TimedOut", "w:TimedOut", "Done"]
    first, last = answers[0], answers[-1]
    assert first.streams() == [("stdout", b"hi", False), ("stdout", b"\n", False)]  # text, then its line break; no End
    assert fh.children(first.find("rsp:ReceiveResponse"))[-1] == "rsp:CommandState" and first.state() == (fh.RUNNING, None)
    assert first.find(".//rsp:CommandState").text is None and len(first.find(".//rsp:CommandState")) == 0
    assert [(stream, end) for stream, dummy, end in last.streams()][-2:] == [("stdout", True), ("stderr", True)]
    assert last.state() == (fh.DONE, "0")
    output = b"".join(data for answer in answers if answer.status == 200 for dummy, data, dummy_end in answer.streams())
    assert output == b"hi\nhi again\n"
    # pywinrm keeps the output across the time-outs.
    command_id = client.run_command(shell_id, "powershell.exe", ["Write-Host hi; Write-Host hi again"])
    assert client.get_command_output(shell_id, command_id) == (b"hi\nhi again\n", b"", 0)
