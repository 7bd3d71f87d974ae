# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The Windows Remote Shell (WinRS) resource of one host: shells, commands, their streams.

Operations (MS-WSMV 3.1.4): Create (open a shell), Command (start a process),
Send (stdin, in chunks, ``End="true"`` on the last), Receive (stdout/stderr;
large output is split over several Receives, ``CommandState/Running`` until
the last one, then ``Done`` with the exit code), Signal (terminate) and Delete
(close the shell). A Receive that finds no output waits up to the request's
OperationTimeout and then answers the w:TimedOut fault, which clients retry.
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import time
from dataclasses import dataclass, field

from winsim.fleet import faults
from winsim.fleet.stats import HostStats
from winsim.windows import commands
from winsim.windows.results import HostContext, ProcessOutput
from winsim.wsman import wsman
from winsim.wsman.wsman import WsmanFault, WsmanRequest

#: Largest stdout+stderr payload (before base64) per ReceiveResponse; Windows sends 64-96 KiB chunks.
RECEIVE_CHUNK = 96 * 1024
#: Room for the envelope around the streams, taken off MaxEnvelopeSize before base64.
_ENVELOPE_OVERHEAD = 8 * 1024
#: Windows' default MaxShellsPerUser.
MAX_SHELLS_PER_USER = 30


def _codec(codepage: int) -> str:
    """Python codec of a Windows console code page (UTF-8 for 65001 and anything unknown)."""
    if codepage == 65001:
        return "utf-8"
    try:
        return codecs.lookup(f"cp{codepage}").name
    except LookupError:
        return "utf-8"


@dataclass
class Command:
    """A process started in a shell."""

    command_id: str
    invocation: commands.Invocation
    skip_cmd_shell: bool
    waits_for_stdin: bool
    stdin: bytearray = field(default_factory=bytearray)
    stdin_closed: asyncio.Event = field(default_factory=asyncio.Event)
    stdout: bytes = b""
    stderr: bytes = b""
    exit_code: int = 0
    ready_at: float | None = None
    stdout_sent: int = 0
    stderr_sent: int = 0


@dataclass
class Shell:
    """An open WinRS shell."""

    shell_id: str
    owner: str
    codepage: int
    quota_used_up: bool = False
    commands_started: int = 0
    commands: dict[str, Command] = field(default_factory=dict)


class WinRSService:
    """WinRS for one host; ``handle`` turns a WS-Man request into a response envelope."""

    def __init__(self, ctx: HostContext, stats: HostStats, endpoint: str) -> None:
        self.ctx = ctx
        self.stats = stats
        self.endpoint = endpoint
        self.shells: dict[str, Shell] = {}
        self.shells_created = 0

    async def handle(self, request: WsmanRequest, user: str, client_ip: str) -> bytes:
        """Raise :class:`WsmanFault` for anything Windows answers with a fault."""
        if request.resource_uri and request.resource_uri.lower() != wsman.RESOURCE_CMD.lower():
            raise WsmanFault("s:Sender", "w:DestinationUnreachable",
                             "The WS-Management service cannot process the request because the resource URI is not "
                             "supported by this simulated host. ", 2150858770, None)
        if request.action == wsman.ACTION_CREATE:
            return self._create(request, user, client_ip)
        operations = {
            wsman.ACTION_COMMAND: self._command, wsman.ACTION_SEND: self._send,
            wsman.ACTION_SIGNAL: self._signal, wsman.ACTION_DELETE: self._delete,
        }
        if request.action not in operations and request.action != wsman.ACTION_RECEIVE:
            raise wsman.fault_action_not_supported(request.action)
        shell = self.shells.get((request.shell_id or "").upper())
        if shell is None:
            raise wsman.fault_unknown_shell(request.shell_id or "")
        if request.action == wsman.ACTION_RECEIVE:
            return await self._receive(request, shell)
        return operations[request.action](request, shell)

    # ---- operations -----------------------------------------------------------------------------------------

    def _create(self, request: WsmanRequest, user: str, client_ip: str) -> bytes:
        if self.ctx.has_fault(faults.SHELL_ACCESS_DENIED):
            raise wsman.fault_access_denied()
        if len(self.shells) >= MAX_SHELLS_PER_USER:
            raise wsman.fault_quota_shells(MAX_SHELLS_PER_USER)
        try:
            codepage = int(request.options.get("WINRS_CODEPAGE", "437"))
        except ValueError:
            codepage = 437
        self.shells_created += 1
        shell = Shell(wsman.new_id(), user, codepage)
        # WinRS never gives back the operation quota of a command, so a busy user hits it on some shell;
        # this host makes every other shell start with its quota used up.
        shell.quota_used_up = self.ctx.has_fault(faults.QUOTA_EXCEEDED) and self.shells_created % 2 == 1
        self.shells[shell.shell_id] = shell
        shell_element = wsman.find(request.body, "Shell")
        info = wsman.ShellInfo(shell.shell_id, user, client_ip, self.endpoint)
        inputs, outputs = wsman.find(shell_element, "InputStreams"), wsman.find(shell_element, "OutputStreams")
        if inputs is not None and inputs.text:
            info.input_streams = inputs.text
        if outputs is not None and outputs.text:
            info.output_streams = outputs.text
        return wsman.create_response(request, info)

    def _delete(self, request: WsmanRequest, shell: Shell) -> bytes:
        del self.shells[shell.shell_id]
        return wsman.delete_response(request)

    def _command(self, request: WsmanRequest, shell: Shell) -> bytes:
        if shell.quota_used_up and shell.commands_started == 0:
            raise wsman.fault_quota_operations()
        command_line = wsman.find(request.body, "CommandLine")
        command_element = wsman.find(command_line, "Command")
        if command_line is None or command_element is None:
            raise wsman.fault_schema("rsp:CommandLine/rsp:Command is missing")
        arguments = [element.text or "" for element in wsman.find_all(command_line, "Arguments")]
        self.stats.payload_bytes += len(command_element.text or "") + sum(len(argument) + 1 for argument in arguments)
        invocation = commands.parse(command_element.text or "", arguments)
        console_stdin = request.options.get("WINRS_CONSOLEMODE_STDIN", "TRUE").upper() != "FALSE"
        skip_cmd_shell = request.options.get("WINRS_SKIP_CMD_SHELL", "FALSE").upper() == "TRUE"
        command = Command(wsman.new_id(), invocation, skip_cmd_shell,
                          waits_for_stdin=invocation.script_from_stdin or not console_stdin)
        shell.commands[command.command_id] = command
        shell.commands_started += 1
        self.stats.commands += 1
        if not command.waits_for_stdin:
            self._start(command, shell)
        return wsman.command_response(request, command.command_id)

    def _command_for(self, shell: Shell, element_name: str, request: WsmanRequest) -> Command:
        element = wsman.find(request.body, element_name)
        command = shell.commands.get((element.get("CommandId", "") if element is not None else "").upper())
        if command is None:
            raise wsman.fault_unknown_command()
        return command

    def _send(self, request: WsmanRequest, shell: Shell) -> bytes:
        command = self._command_for(shell, "Stream", request)
        stream = wsman.find(request.body, "Stream")
        if stream is not None:
            self.stats.payload_bytes += len((stream.text or "").strip())
            try:
                command.stdin += base64.b64decode((stream.text or "").strip())
            except ValueError:
                raise wsman.fault_schema("stdin is not base64") from None
            if (stream.get("End") or "").lower() == "true" and not command.stdin_closed.is_set():
                command.stdin_closed.set()
                self._start(command, shell)
        return wsman.send_response(request)

    def _signal(self, request: WsmanRequest, shell: Shell) -> bytes:
        command = self._command_for(shell, "Signal", request)
        del shell.commands[command.command_id]
        return wsman.signal_response(request)

    def _start(self, command: Command, shell: Shell) -> None:
        """Run the process now; its output becomes visible after the host's delay (fault ``slow``)."""
        stdin_text = command.stdin.decode(_codec(shell.codepage), errors="replace").lstrip("\ufeff")
        output: ProcessOutput = commands.run(command.invocation, self.ctx, stdin=stdin_text, skip_cmd_shell=command.skip_cmd_shell)
        codec = _codec(shell.codepage)
        command.stdout = output.stdout.encode(codec, errors="replace")
        command.stderr = output.stderr.encode(codec, errors="replace")
        command.exit_code = output.exit_code
        delay = self.ctx.fault.seconds if self.ctx.has_fault(faults.SLOW) and self.ctx.fault else 0.0
        command.ready_at = time.monotonic() + delay

    async def _receive(self, request: WsmanRequest, shell: Shell) -> bytes:
        command = self._command_for(shell, "DesiredStream", request)
        deadline = time.monotonic() + request.operation_timeout
        if command.ready_at is None:
            try:
                await asyncio.wait_for(command.stdin_closed.wait(), timeout=request.operation_timeout)
            except asyncio.TimeoutError:
                raise wsman.fault_timed_out() from None
        ready_at = command.ready_at or time.monotonic()
        if ready_at > time.monotonic():
            if ready_at > deadline:
                await asyncio.sleep(max(deadline - time.monotonic(), 0))
                raise wsman.fault_timed_out()
            await asyncio.sleep(ready_at - time.monotonic())
        budget = min(RECEIVE_CHUNK, max((request.max_envelope_size - _ENVELOPE_OVERHEAD) * 3 // 4, 4096))
        chunks: list[tuple[str, str]] = []
        for name in ("stdout", "stderr"):
            data = command.stdout if name == "stdout" else command.stderr
            sent = command.stdout_sent if name == "stdout" else command.stderr_sent
            piece = data[sent:sent + budget]
            if piece:
                chunks.append((name, base64.b64encode(piece).decode("ascii")))
                self.stats.payload_bytes += len(chunks[-1][1])
                budget -= len(piece)
                if name == "stdout":
                    command.stdout_sent += len(piece)
                else:
                    command.stderr_sent += len(piece)
        done = command.stdout_sent >= len(command.stdout) and command.stderr_sent >= len(command.stderr)
        return wsman.receive_response(request, command.command_id, chunks, done=done, exit_code=command.exit_code,
                                      ended=("stdout", "stderr") if done else ())
