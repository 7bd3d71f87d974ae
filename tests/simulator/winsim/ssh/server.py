# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""One host's SSH listener, as Windows' OpenSSH server (Win32-OpenSSH) behaves for a non-interactive exec.

* **Keys**: an ed25519 host key is generated when the listener starts; :meth:`SshListener.known_hosts_line`
  is the line a client's ``known_hosts`` needs (``[127.0.0.1]:PORT ssh-ed25519 ...``), so host
  key checking stays on.
* **Authentication**: ``publickey`` (the user's authorized keys; asyncssh verifies the
  signature) and/or ``password``; keyboard-interactive is off. Fault ``refuse_credentials``
  refuses every attempt ("Permission denied (publickey,password)" on the client).
* **exec**: the command string arrives exactly as the client built it. Windows' sshd runs it
  through the account's DefaultShell: ``cmd`` (the default: ``cmd.exe /c "<command>"``, so
  cmd.exe's 8191-character limit applies) or ``powershell`` (``powershell.exe -c "<command>"``;
  a ``PowerShell ... -EncodedCommand`` line then starts a nested powershell.exe, the
  CreateProcess limit of 32767 characters applies). Either way the collection's encoded
  command runs the same script on the same host model as over WinRM; stderr carries
  PowerShell's CLIXML as it would, and the exit status is always sent (a channel closed
  without one makes the OpenSSH client exit 255, which ansible reports as UNREACHABLE).
* No pty, shell or subsystem (sftp) is served: a shell request gets a message on stderr and exit 1.
* Fault ``slow`` delays the output; ``not_windows`` answers as a POSIX shell would (rc 127).

Counters (the host's :class:`~winsim.fleet.stats.HostStats`): ``connections``, ``commands``,
``actions["ssh-auth"]`` (connections that began authenticating), ``actions["ssh-exec"]``, and bytes of the
command and of its output in ``bytes_in`` / ``bytes_out`` (the SSH framing is not counted).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

import asyncssh

from winsim.fleet import faults
from winsim.fleet.stats import HostStats
from winsim.net.loopback import require_loopback
from winsim.windows import commands, powershell
from winsim.windows.results import HostContext, ProcessOutput

LOG = logging.getLogger("winsim")

CMD, POWERSHELL = "cmd", "powershell"
DEFAULT_SHELLS = (CMD, POWERSHELL)
PUBLICKEY, PASSWORD = "publickey", "password"
SSH_AUTH_KINDS = (PUBLICKEY, PASSWORD)


@dataclass
class SshAccount:
    """Who may log in, and how."""

    username: str
    password: str | None = None
    authorized_keys: list[str] = field(default_factory=list)
    methods: tuple[str, ...] = (PUBLICKEY, PASSWORD)
    refuse: bool = False


def run_exec(command_line: str, ctx: HostContext, default_shell: str) -> ProcessOutput:
    """What Windows' sshd returns for an exec request under this DefaultShell."""
    invocation = commands.parse(command_line, [])
    if ctx.has_fault(faults.NOT_WINDOWS) or invocation.is_powershell:
        return commands.run(invocation, ctx, skip_cmd_shell=default_shell == POWERSHELL)
    if default_shell == CMD:
        return commands.run(invocation, ctx)
    if len(command_line) > commands.CREATE_PROCESS_LIMIT:
        return ProcessOutput(stderr="The filename or extension is too long.\r\n", exit_code=1)
    return powershell.run_script(command_line, ctx)


class _Server(asyncssh.SSHServer):
    def __init__(self, listener: SshListener) -> None:
        self.listener = listener
        self._connection: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._connection = conn
        self.listener.stats.connections += 1

    def begin_auth(self, username: str) -> bool:
        self.listener.stats.actions["ssh-auth"] += 1
        account = self.listener.account
        if self._connection is not None and account.authorized_keys and PUBLICKEY in account.methods and not account.refuse \
                and username.lower() == account.username.lower():
            self._connection.set_authorized_keys(asyncssh.import_authorized_keys("\n".join(account.authorized_keys)))
        return True

    def public_key_auth_supported(self) -> bool:
        return PUBLICKEY in self.listener.account.methods

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        if self.listener.account.refuse or username.lower() != self.listener.account.username.lower():
            return False
        return super().validate_public_key(username, key)

    def password_auth_supported(self) -> bool:
        return PASSWORD in self.listener.account.methods and self.listener.account.password is not None

    def kbdint_auth_supported(self) -> bool:
        return False

    def validate_password(self, username: str, password: str) -> bool:
        account = self.listener.account
        return (not account.refuse and username.lower() == account.username.lower()
                and account.password is not None and password == account.password)


class SshListener:
    """The SSH server of one simulated host."""

    def __init__(self, ctx: HostContext, stats: HostStats, account: SshAccount, *, default_shell: str = POWERSHELL) -> None:
        if default_shell not in DEFAULT_SHELLS:
            raise ValueError(f"default_shell: expected one of {', '.join(DEFAULT_SHELLS)}, got {default_shell!r}")
        self.ctx = ctx
        self.stats = stats
        self.account = account
        self.default_shell = default_shell
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.address = ""
        self.port = 0
        self._acceptor: asyncssh.SSHAcceptor | None = None

    async def start(self, address: str, port: int = 0) -> int:
        self.address = require_loopback(address)
        self._acceptor = await asyncssh.create_server(
            lambda: _Server(self), self.address, port, server_host_keys=[self.host_key],
            process_factory=self._process, encoding=None, allow_scp=False, sftp_factory=None,
            x11_forwarding=False, agent_forwarding=False, line_editor=False, keepalive_interval=0,
        )
        self.port = self._acceptor.get_port()
        return self.port

    async def stop(self) -> None:
        if self._acceptor is not None:
            self._acceptor.close()
            try:
                await asyncio.wait_for(self._acceptor.wait_closed(), timeout=2)
            except (asyncio.TimeoutError, RuntimeError):
                pass
            self._acceptor = None

    def known_hosts_line(self, address: str | None = None) -> str:
        """``[address]:port <key>`` (plain ``address`` on port 22), as OpenSSH writes it."""
        host = address or self.address
        name = host if self.port == 22 else f"[{host}]:{self.port}"
        return f"{name} {self.host_key.export_public_key('openssh').decode().strip()}"

    async def _process(self, process: asyncssh.SSHServerProcess) -> None:
        command = process.command
        try:
            if command is None:
                # An interactive shell (or an sftp subsystem) is not something the collection asks for.
                process.stderr.write(b"winsim: only exec requests are simulated\r\n")
                process.exit(1)
                return
            self.stats.commands += 1
            self.stats.actions["ssh-exec"] += 1
            self.stats.bytes_in += len(command.encode("utf-8"))
            self.stats.payload_bytes += len(command.encode("utf-8"))
            output = run_exec(command, self.ctx, self.default_shell)
            if self.ctx.has_fault(faults.SLOW) and self.ctx.fault is not None:
                await asyncio.sleep(self.ctx.fault.seconds)
            stdout = output.stdout.encode("utf-8", errors="replace")
            stderr = output.stderr.encode("utf-8", errors="replace")
            self.stats.bytes_out += len(stdout) + len(stderr)
            self.stats.payload_bytes += len(stdout) + len(stderr)
            if stdout:
                process.stdout.write(stdout)
            if stderr:
                process.stderr.write(stderr)
            process.exit(output.exit_code)
        except (asyncssh.Error, ConnectionError, BrokenPipeError) as exc:
            LOG.debug("%s: ssh exec ended early: %s", self.ctx.name, exc)
