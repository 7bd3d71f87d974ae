# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The Windows Remote Shell (WinRS) resource of one host: shells, commands, their streams.

Operations (MS-WSMV 3.1.4): Create (open a shell; ``IdleTimeOut``, ``WorkingDirectory``
and ``Environment`` are honoured and echoed), Command (start a process), Send (stdin, in
chunks, ``End="true"`` on the last), Receive, Signal and Delete (close the shell).

Output is streamed the way Windows streams it (pypsrp's recording
``test_winrs_operation_timeout``): a process's output is a timeline of writes; a Receive
returns everything written so far that it has not returned yet, at most 96 KiB of it, with
``CommandState/Running`` while the process runs and ``Done`` with the exit code in the
Receive that returns its last output; a Receive that finds nothing new waits up to the
request's OperationTimeout for the next write and then answers w:TimedOut, which clients
retry. The writes of one Receive go out as several ``rsp:Stream`` elements of the same
name, cut the way Windows cuts them (:func:`stream_elements`). Without a fault every
process writes everything at once when it starts; fault ``slow`` delays all of it, fault
``slow_partial`` writes stdout in chunks, the first at once.
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
from winsim.windows.results import HostContext, ProcessEnv, ProcessOutput
from winsim.wsman import wsman
from winsim.wsman.wsman import WsmanFault, WsmanRequest

#: Largest stdout+stderr payload (before base64) per ReceiveResponse; Windows sends 64-96 KiB chunks (inferred).
RECEIVE_CHUNK = 96 * 1024
#: Room for the envelope around the streams, taken off MaxEnvelopeSize before base64.
_ENVELOPE_OVERHEAD = 8 * 1024
#: Windows' default MaxShellsPerUser.
MAX_SHELLS_PER_USER = 30
#: Windows' default IdleTimeOut of a shell (winrm/config/winrs IdleTimeout, 7,200,000 ms).
DEFAULT_IDLE_TIMEOUT = 7200.0


def _codec(codepage: int) -> str:
    """Python codec of a Windows console code page (UTF-8 for 65001 and anything unknown)."""
    if codepage == 65001:
        return "utf-8"
    try:
        return codecs.lookup(f"cp{codepage}").name
    except LookupError:
        return "utf-8"


def stream_elements(data: bytes, powershell: bool) -> list[bytes]:
    r"""How Windows cuts one burst of output into ``rsp:Stream`` elements.

    Recorded (pypsrp ``test_winrs_*``): PowerShell writes the first line's text and its line
    break separately (``hi`` + ``\n``; ``C:\Windows`` + ``\r\n``; ``output 1`` + ``\n`` +
    ``output 2\n``); cmd.exe writes its first line, then the rest (``set``). One line of cmd
    output is one element.
    """
    cut = data.find(b"\n")
    if cut < 0:
        return [data] if data else []
    if powershell:
        end = cut - 1 if cut > 0 and data[cut - 1:cut] == b"\r" else cut
        return [piece for piece in (data[:end], data[end:cut + 1], data[cut + 1:]) if piece]
    return [piece for piece in (data[:cut + 1], data[cut + 1:]) if piece]


def split_output(data: bytes, chunks: int) -> list[bytes]:
    """``data`` in ``chunks`` pieces of about equal size, each cut moved back to a line end where there is one.

    A process writes line by line (``hi\n`` now, ``hi again\n`` later); a document on one
    line (the collector's JSON) is cut anywhere. Always ``chunks`` pieces (some may be empty).
    """
    cuts = [0]
    for index in range(1, chunks):
        target = max(len(data) * index // chunks, cuts[-1])
        line_end = data.rfind(b"\n", cuts[-1], target)
        cuts.append(line_end + 1 if line_end >= 0 and line_end + 1 > cuts[-1] else target)
    cuts.append(len(data))
    return [data[start:end] for start, end in zip(cuts, cuts[1:])]


@dataclass
class Write:
    """Output a process writes at a moment (``at``: time.monotonic())."""

    at: float
    stream: str
    data: bytes


@dataclass
class Command:
    """A process started in a shell."""

    command_id: str
    invocation: commands.Invocation
    skip_cmd_shell: bool
    waits_for_stdin: bool
    stdin: bytearray = field(default_factory=bytearray)
    stdin_closed: asyncio.Event = field(default_factory=asyncio.Event)
    writes: list[Write] = field(default_factory=list)
    exit_code: int = 0
    #: when the process ends (None: not started, waiting for its stdin)
    ends_at: float | None = None
    #: writes[:sent] are returned; writes[sent].data[offset:] is next
    sent: int = 0
    offset: int = 0

    def pending(self, now: float) -> bool:
        return self.sent < len(self.writes) and self.writes[self.sent].at <= now

    def finished(self, now: float) -> bool:
        return self.ends_at is not None and self.ends_at <= now and self.sent >= len(self.writes)

    def next_event(self) -> float:
        if self.sent < len(self.writes):
            return self.writes[self.sent].at
        return self.ends_at if self.ends_at is not None else float("inf")


@dataclass
class Shell:
    """An open WinRS shell."""

    shell_id: str
    owner: str
    codepage: int
    env: ProcessEnv
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    last_used: float = field(default_factory=time.monotonic)
    quota_used_up: bool = False
    commands_started: int = 0
    commands: dict[str, Command] = field(default_factory=dict)


class WinRSService:
    """WinRS for one host; ``handle`` turns a WS-Man request into a response envelope."""

    def __init__(self, ctx: HostContext, stats: HostStats, endpoint: str) -> None:
        self.ctx = ctx
        self.stats = stats
        #: the listener's own URL; a request's Host header (the address the client used) wins over it
        self.endpoint = endpoint
        self.shells: dict[str, Shell] = {}
        self.shells_created = 0

    async def handle(self, request: WsmanRequest, user: str, client_ip: str, endpoint: str | None = None) -> bytes:
        """Raise :class:`WsmanFault` for anything Windows answers with a fault."""
        if request.resource_uri and request.resource_uri.lower() != wsman.RESOURCE_CMD.lower():
            raise WsmanFault("s:Sender", "w:DestinationUnreachable",
                             "The WS-Management service cannot process the request because the resource URI is not "
                             "supported by this simulated host. ", 2150858770, None)
        if request.action == wsman.ACTION_CREATE:
            return self._create(request, user, client_ip, endpoint or self.endpoint)
        operations = {
            wsman.ACTION_COMMAND: self._command, wsman.ACTION_SEND: self._send,
            wsman.ACTION_SIGNAL: self._signal, wsman.ACTION_DELETE: self._delete,
        }
        if request.action not in operations and request.action != wsman.ACTION_RECEIVE:
            raise wsman.fault_action_not_supported(request.action)
        shell = self._shell(request.shell_id or "")
        if request.action == wsman.ACTION_RECEIVE:
            return await self._receive(request, shell)
        return operations[request.action](request, shell)

    def _shell(self, shell_id: str) -> Shell:
        """The open shell of that id; one idle for longer than its IdleTimeOut is gone, as on Windows."""
        shell = self.shells.get(shell_id.upper())
        now = time.monotonic()
        if shell is not None and now - shell.last_used > shell.idle_timeout:
            del self.shells[shell.shell_id]
            shell = None
        if shell is None:
            raise wsman.fault_unknown_shell(shell_id)
        shell.last_used = now
        return shell

    # ---- operations -----------------------------------------------------------------------------------------

    def _create(self, request: WsmanRequest, user: str, client_ip: str, endpoint: str) -> bytes:
        if self.ctx.has_fault(faults.SHELL_ACCESS_DENIED) or self.ctx.has_fault(faults.NOT_ADMINISTRATOR):
            raise wsman.fault_access_denied()
        if len(self.shells) >= MAX_SHELLS_PER_USER:
            raise wsman.fault_quota_shells(MAX_SHELLS_PER_USER)
        try:
            codepage = int(request.options.get("WINRS_CODEPAGE", "437"))
        except ValueError:
            codepage = 437
        shell_element = wsman.find(request.body, "Shell")
        profile = request.options.get("WINRS_NOPROFILE", "FALSE").upper() != "TRUE"
        env = self.ctx.process_env(user, profile=profile)
        info = wsman.ShellInfo("", user, client_ip, endpoint)
        idle = wsman.find(shell_element, "IdleTimeOut")
        idle_timeout = DEFAULT_IDLE_TIMEOUT
        if idle is not None and (idle.text or "").strip():
            idle_timeout = wsman.parse_duration(idle.text, DEFAULT_IDLE_TIMEOUT)
            info.idle_timeout = wsman.format_duration(idle_timeout)
        directory = wsman.find(shell_element, "WorkingDirectory")
        if directory is not None and (directory.text or "").strip():
            info.working_directory = directory.text.strip()
            env.working_directory = info.working_directory
        for variable in wsman.find_all(wsman.find(shell_element, "Environment"), "Variable"):
            name, value = variable.get("Name", ""), variable.text or ""
            if name:
                info.environment.append((name, value))
                env.set(name, value)
        inputs, outputs = wsman.find(shell_element, "InputStreams"), wsman.find(shell_element, "OutputStreams")
        if inputs is not None and inputs.text:
            info.input_streams = inputs.text
        if outputs is not None and outputs.text:
            info.output_streams = outputs.text
        self.shells_created += 1
        shell = Shell(wsman.new_id(), user, codepage, env, idle_timeout)
        info.shell_id = shell.shell_id
        # WinRS never gives back the operation quota of a command, so a busy user hits it on some shell;
        # this host makes every other shell start with its quota used up.
        shell.quota_used_up = self.ctx.has_fault(faults.QUOTA_EXCEEDED) and self.shells_created % 2 == 1
        self.shells[shell.shell_id] = shell
        return wsman.create_response(request, info)

    def _delete(self, request: WsmanRequest, shell: Shell) -> bytes:
        del self.shells[shell.shell_id]
        return wsman.delete_response(request)

    def _command(self, request: WsmanRequest, shell: Shell) -> bytes:
        if shell.quota_used_up and shell.commands_started == 0:
            raise wsman.fault_quota_operations()
        if self.ctx.has_fault(faults.COMMAND_ACCESS_DENIED):
            raise wsman.fault_command_access_denied()
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
        if element is None or not element.get("CommandId"):
            # The cmd plug-in's answer to a request that names no command (test_winrs_fail_poll_process.yml).
            raise wsman.fault_invalid_parameter()
        command = shell.commands.get(element.get("CommandId", "").upper())
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
        """Run the process now; lay out when its output is written (faults ``slow``, ``slow_partial``)."""
        codec = _codec(shell.codepage)
        stdin_text = command.stdin.decode(codec, errors="replace").lstrip("\ufeff")
        output: ProcessOutput = commands.run(command.invocation, self.ctx, stdin=stdin_text,
                                             skip_cmd_shell=command.skip_cmd_shell, env=shell.env.copy())
        stdout = output.stdout.encode(codec, errors="replace")
        stderr = output.stderr.encode(codec, errors="replace")
        command.exit_code = output.exit_code
        command.writes, command.ends_at = self._timeline(time.monotonic(), stdout, stderr)

    def _timeline(self, now: float, stdout: bytes, stderr: bytes) -> tuple[list[Write], float]:
        fault = self.ctx.fault
        if fault is not None and fault.kind == faults.SLOW_PARTIAL:
            chunks, delay = int(fault.option("chunks") or 1), float(fault.option("delay") or 0.0)  # type: ignore[arg-type]
            writes = [Write(now + index * delay, "stdout", piece)
                      for index, piece in enumerate(split_output(stdout, chunks)) if piece]
            ends_at = now + (chunks - 1) * delay
            if stderr:
                ends_at = now + chunks * delay
                writes.append(Write(ends_at, "stderr", stderr))
            return writes, ends_at
        at = now + (fault.seconds if fault is not None and fault.kind == faults.SLOW else 0.0)
        writes = [Write(at, name, data) for name, data in (("stdout", stdout), ("stderr", stderr)) if data]
        return writes, at

    async def _receive(self, request: WsmanRequest, shell: Shell) -> bytes:
        command = self._command_for(shell, "DesiredStream", request)
        deadline = time.monotonic() + request.operation_timeout
        if command.ends_at is None:
            try:
                await asyncio.wait_for(command.stdin_closed.wait(), timeout=request.operation_timeout)
            except asyncio.TimeoutError:
                raise wsman.fault_timed_out() from None
        while True:
            now = time.monotonic()
            if command.pending(now) or command.finished(now):
                break
            upcoming = command.next_event()
            if upcoming > deadline:
                await asyncio.sleep(max(deadline - now, 0))
                raise wsman.fault_timed_out()
            await asyncio.sleep(max(upcoming - now, 0))
        budget = min(RECEIVE_CHUNK, max((request.max_envelope_size - _ENVELOPE_OVERHEAD) * 3 // 4, 4096))
        chunks: list[tuple[str, str]] = []
        now = time.monotonic()
        while budget > 0 and command.pending(now):
            write = command.writes[command.sent]
            piece = write.data[command.offset:command.offset + budget]
            for element in stream_elements(piece, command.invocation.is_powershell):
                chunks.append((write.stream, base64.b64encode(element).decode("ascii")))
                self.stats.payload_bytes += len(chunks[-1][1])
            budget -= len(piece)
            command.offset += len(piece)
            if command.offset >= len(write.data):
                command.sent, command.offset = command.sent + 1, 0
        done = command.finished(now)
        return wsman.receive_response(request, command.command_id, chunks, done=done, exit_code=command.exit_code,
                                      ended=("stdout", "stderr") if done else ())
