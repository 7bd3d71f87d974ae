# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""cmd.exe command lines as pywinrm and ansible send them, compared with real Windows.

Sources: the pypsrp recordings (``tests/tests_pypsrp/responses/<name>.yml``, named per test),
ansible-core's own plugins (what ``raw`` sends: ``ansible/plugins/connection/winrm.py``
``exec_command`` wraps anything but ``type ...`` and an encoded PowerShell in
``PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand``,
without strict mode or ``preserve_rc``), and PowerShell's documented ``-Command`` exit code
(PowerShell/PowerShell#13501: 1 when the last native command failed). Marked *inferred*:
the exit code 1 of ``cmd /c`` for an unknown program (ERRORLEVEL 9009 inside cmd.exe).
"""

from __future__ import annotations

import base64

import pytest
import winrm

from winsim import BackgroundSimulator, FleetBuilder

from sim_helpers import ANSIBLE_PREFIX, FIXTURE_PROFILES, run_ansible

NOT_RECOGNIZED = b"'nosuchprogram' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"


@pytest.fixture(scope="module")
def sim() -> BackgroundSimulator:
    fleet = (FleetBuilder(profiles_dir=FIXTURE_PROFILES, listen="ephemeral")
             .add("win-cmd", profile="minimal_digital_license_pro", auth={"basic": True})
             .build())
    with BackgroundSimulator(fleet) as simulator:
        yield simulator


@pytest.fixture
def client(sim) -> winrm.Session:
    return winrm.Session(sim.endpoint("win-cmd"), auth=("simadmin", sim.password("win-cmd")), transport="ntlm")


def _ps(client: winrm.Session, script: str) -> tuple[bytes, bytes, int]:
    """What ansible's raw sends for ``script`` (ANSIBLE_PREFIX + -EncodedCommand), through pywinrm."""
    encoded = base64.b64encode(script.encode("utf-16-le")).decode()
    result = client.run_cmd(ANSIBLE_PREFIX[0], [*ANSIBLE_PREFIX[1:], encoded])
    return result.std_out, result.std_err, result.status_code


@pytest.mark.parametrize(("command", "arguments"), [("cmd.exe", ["/c", "echo", "hi"]), ("cmd", ["/c", "echo hi"]),
                                                    ("cmd.exe", ['/c "echo hi"']), ("echo", ["hi"])])
def test_cmd_echo_hi(client, command, arguments) -> None:
    """Source: test_winrs_standard.yml (``cmd.exe /c echo hi`` -> ``hi\\r\\n``, rc 0) and test_client_execute_cmd.yml
    (Command ``echo abc`` through WinRS's own cmd.exe -> ``abc\\r\\n``, rc 0)."""
    result = client.run_cmd(command, arguments)
    assert (result.std_out, result.std_err, result.status_code) == (b"hi\r\n", b"", 0)


def test_set_lists_the_environment_sorted(client) -> None:
    """Source: test_client_execute_cmd_environment.yml (Command ``set``: NAME=value lines sorted case-insensitively)."""
    names = [line.split("=", 1)[0] for line in client.run_cmd("set").std_out.decode().splitlines()]
    assert names == sorted(names, key=str.lower) and "COMPUTERNAME" in names and "PROMPT" in names


def test_an_unknown_program(client) -> None:
    """cmd.exe's message (MSG_DIR_BAD_COMMAND_OR_FILE, ERRORLEVEL 9009); ``cmd /c`` exits 1 (inferred)."""
    for command, arguments in (("nosuchprogram", []), ("cmd.exe", ["/c", "nosuchprogram"])):
        result = client.run_cmd(command, arguments)
        assert (result.std_out, result.std_err, result.status_code) == (b"", NOT_RECOGNIZED, 1)
    assert client.run_cmd("nosuchprogram || echo %ERRORLEVEL%").std_out == b"0\r\n"  # %...% is expanded before the line runs
    assert client.run_cmd("cmd /c nosuchprogram || exit 7").status_code == 7


def test_cmd_operators_redirection_and_type(client) -> None:
    assert client.run_cmd("echo one & echo two").std_out == b"one \r\ntwo\r\n"
    assert client.run_cmd("exit 3 && echo no").status_code == 3
    assert client.run_cmd("cmd /c exit 3 || echo yes").std_out == b"yes\r\n"
    result = client.run_cmd("echo saved> C:\\Windows\\Temp\\winsim.txt && type C:\\Windows\\Temp\\winsim.txt")
    assert (result.std_out, result.status_code) == (b"saved \r\n", 0)  # the space before && is echoed too
    missing = client.run_cmd("type C:\\no\\such.txt")
    assert (missing.std_err, missing.status_code) == (b"The system cannot find the file specified.\r\n", 1)
    assert client.run_cmd("echo hidden >nul").std_out == b""
    assert client.run_cmd("echo both 2>&1").std_out == b"both \r\n"
    # %X% is expanded before the line runs; undefined it stays as written, and the child cmd.exe expands it (the value
    # is "42 ", space included).
    assert client.run_cmd("set WINSIM_X=42 && echo %WINSIM_X% && cmd /c echo %WINSIM_X%").std_out == b"%WINSIM_X% \r\n42 \r\n"


def test_cmd_inside_the_powershell_that_ansible_raw_sends(client) -> None:
    """``ansible -m raw -a 'cmd.exe /c echo hi'`` runs PowerShell -EncodedCommand ``cmd.exe /c echo hi``."""
    assert _ps(client, "cmd.exe /c echo hi") == (b"hi\r\n", b"", 0)
    assert _ps(client, "cmd /c echo hi") == (b"hi\r\n", b"", 0)
    assert _ps(client, "echo hi") == (b"hi\r\n", b"", 0)  # PowerShell's echo (Write-Output)
    assert _ps(client, "cmd.exe /c set WINSIM") == (b"", b"Environment variable WINSIM not defined\r\n", 1)
    # -Command maps a native command's non-zero exit to 1; ansible's preserve_rc line keeps the code.
    assert _ps(client, "cmd.exe /c exit 3")[2] == 1
    preserve = "cmd.exe /c exit 3\nIf (-not $?) { If (Get-Variable LASTEXITCODE -ErrorAction SilentlyContinue) { exit $LASTEXITCODE } Else { exit 1 } }"
    assert _ps(client, preserve)[2] == 3
    assert _ps(client, "cmd.exe /c exit 3\nexit $LASTEXITCODE")[2] == 3


def test_ansible_raw_sends_cmd_through_its_powershell(sim, tmp_path) -> None:
    """The real ansible winrm connection, ``raw`` with cmd lines (the transport of the inventory: ntlm)."""
    inventory = sim.write_inventory(tmp_path / "inventory.yml")
    for arguments, stdout, rc in (("cmd.exe /c echo hi", "hi\r\n", 0), ("echo hi", "hi\r\n", 0),
                                  ("cmd /c echo %COMPUTERNAME%", "WIN-CMD\r\n", 0), ("cmd.exe /c exit 5", "", 1)):
        result = run_ansible(inventory, "win-cmd", arguments, tmp_path)["win-cmd"]
        assert (result["stdout"], result["rc"]) == (stdout, rc), (arguments, result)
