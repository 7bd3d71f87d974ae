# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The ssh front door with asyncssh's client: keys, passwords, DefaultShell, exit status, CLIXML stderr.

What Windows' sshd does with an exec request (``cmd.exe /c "<command>"`` under the default
DefaultShell, ``powershell.exe -c "<command>"`` under DefaultShell=powershell) is read from
PowerShell/openssh-portable (``contrib/win32/win32compat/w32-doexec.c``); the rest (exit status
always sent, no pty for ansible's execs) from the OpenSSH protocol and ansible's ssh plugin.
"""

from __future__ import annotations

import asyncio
import base64

import asyncssh
import pytest

from winsim.ssh.server import CMD, POWERSHELL, SshAccount, SshListener, run_exec

from sim_helpers import ANSIBLE_PREFIX

PROFILE = "minimal_digital_license_pro"


def _listener(sim, name, *, default_shell=POWERSHELL, methods=("publickey", "password"), keys=()):
    host = sim.server.hosts[name]
    account = SshAccount(host.spec.username, host.spec.password, list(keys), methods=tuple(methods),
                         refuse=host.spec.fault_kind == "refuse_credentials")
    listener = SshListener(host.context, host.stats, account, default_shell=default_shell)
    asyncio.run_coroutine_threadsafe(listener.start("127.0.0.1"), sim._loop).result(10)  # pylint: disable=protected-access
    return listener


def _run(listener, command, *, password=None, key=None, known_host=True, username="simadmin"):
    async def go():
        known = asyncssh.import_known_hosts(listener.known_hosts_line() + "\n") if known_host else asyncssh.import_known_hosts("")
        async with asyncssh.connect("127.0.0.1", listener.port, username=username, password=password,
                                    client_keys=[key] if key else [], known_hosts=known, agent_path=None,
                                    preferred_auth="publickey,password") as connection:
            result = await connection.run(command, check=False, encoding=None)
            return result.exit_status, result.stdout, result.stderr
    return asyncio.run(go())


def _encoded(script):
    return " ".join(ANSIBLE_PREFIX + [base64.b64encode(script.encode("utf-16-le")).decode()])


def test_key_auth_runs_the_collector_like_winrm(builder, start_sim, collector_script):
    sim = start_sim(builder.add("ssh-1", profile=PROFILE))
    key = asyncssh.generate_private_key("ssh-ed25519")
    listener = _listener(sim, "ssh-1", keys=[key.export_public_key().decode()], methods=("publickey",))
    rc, stdout, stderr = _run(listener, _encoded(collector_script), key=key)
    assert (rc, stderr) == (0, b"")
    assert stdout.endswith(b"\r\n") and stdout.startswith(b'{"schema":1')
    counters = sim.stats.for_host("ssh-1")
    assert (counters.commands, counters.actions["ssh-exec"], counters.connections) == (1, 1, 1)


def test_password_auth_and_a_refused_password(builder, start_sim):
    sim = start_sim(builder.add("ssh-1", profile=PROFILE, password="S3cret-pw"))
    listener = _listener(sim, "ssh-1", methods=("password",))
    assert _run(listener, "hostname", password="S3cret-pw")[0:2] == (0, b"ssh-1\r\n")
    with pytest.raises(asyncssh.PermissionDenied):
        _run(listener, "hostname", password="wrong")


def test_refuse_credentials_refuses_keys_and_passwords(builder, start_sim):
    sim = start_sim(builder.add("ssh-1", profile=PROFILE, password="S3cret-pw", fault="refuse_credentials"))
    key = asyncssh.generate_private_key("ssh-ed25519")
    listener = _listener(sim, "ssh-1", keys=[key.export_public_key().decode()])
    with pytest.raises(asyncssh.PermissionDenied):
        _run(listener, "hostname", password="S3cret-pw", key=key)


def test_an_unknown_host_key_is_refused_by_the_client(builder, start_sim):
    sim = start_sim(builder.add("ssh-1", profile=PROFILE, password="S3cret-pw"))
    listener = _listener(sim, "ssh-1")
    with pytest.raises(asyncssh.HostKeyNotVerifiable):
        _run(listener, "hostname", password="S3cret-pw", known_host=False)
    assert listener.known_hosts_line().startswith(f"[127.0.0.1]:{listener.port} ssh-ed25519 ")


def test_errors_arrive_as_clixml_on_stderr_with_the_exit_status(builder, start_sim, collector_script):
    sim = start_sim(builder.add("ssh-1", profile=PROFILE, password="S3cret-pw", fault="wmi_error"))
    listener = _listener(sim, "ssh-1")
    rc, stdout, stderr = _run(listener, _encoded(collector_script), password="S3cret-pw")
    assert (rc, stdout) == (1, b"")
    assert stderr.startswith(b"#< CLIXML\r\n") and b"HRESULT 0x8004100e" in stderr


def test_old_powershell_prints_its_message_on_both_streams(builder, start_sim, collector_script):
    sim = start_sim(builder.add("ssh-1", profile=PROFILE, password="S3cret-pw", fault="old_powershell"))
    listener = _listener(sim, "ssh-1")
    rc, stdout, stderr = _run(listener, _encoded(collector_script), password="S3cret-pw")
    message = b"licensing.windows: Windows PowerShell 5.1 is required, this host has 2.0\r\n"
    assert (rc, stdout, stderr) == (3, message, message)


def test_default_shell_decides_how_a_raw_command_runs(builder, start_sim):
    sim = start_sim(builder.add("ssh-1", profile=PROFILE))
    ctx = sim.server.hosts["ssh-1"].context
    assert run_exec("$env:COMPUTERNAME", ctx, POWERSHELL).stdout == "SSH-1\r\n"
    assert "is not recognized as an internal or external command" in run_exec("$env:COMPUTERNAME", ctx, CMD).stderr
    long_line = _encoded("hostname # " + "x" * 4000)
    assert run_exec(long_line, ctx, CMD).stderr == "The command line is too long.\r\n"
    assert run_exec(long_line, ctx, POWERSHELL).stdout == "ssh-1\r\n"


def test_not_windows_answers_as_a_posix_shell(builder, start_sim, collector_script):
    sim = start_sim(builder.add("ssh-1", profile=PROFILE, fault="not_windows"))
    output = run_exec(_encoded(collector_script), sim.server.hosts["ssh-1"].context, POWERSHELL)
    assert (output.exit_code, output.stderr) == (127, "sh: 1: PowerShell: not found\n")


def test_a_shell_request_is_refused_with_exit_status_one(builder, start_sim):
    sim = start_sim(builder.add("ssh-1", profile=PROFILE, password="S3cret-pw"))
    listener = _listener(sim, "ssh-1")

    async def go():
        known = asyncssh.import_known_hosts(listener.known_hosts_line() + "\n")
        async with asyncssh.connect("127.0.0.1", listener.port, username="simadmin", password="S3cret-pw", client_keys=[],
                                    known_hosts=known, agent_path=None) as connection:
            process = await connection.create_process(encoding=None)
            process.stdin.write_eof()
            completed = await process.wait(check=False)
            return completed.exit_status
    assert asyncio.run(go()) == 1
