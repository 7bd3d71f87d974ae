# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The PowerShell remoting endpoint of one host: RunspacePools and pipelines over WS-Management.

Resource URI ``http://schemas.microsoft.com/powershell/Microsoft.PowerShell`` (MS-PSRP 3.1.4,
the shapes of pypsrp's recordings of Windows Server 2016 and build 26236):

* **Create** with ``creationXml`` (SESSION_CAPABILITY + INIT_RUNSPACEPOOL fragments): the
  CreateResponse carries ``x:ResourceCreated/.../w:Selector Name="ShellId"`` (the client's
  ShellId, as Windows echoes it) and an ``rsp:Shell`` block whose ``rsp:ResourceUri`` the
  client uses from then on.
* **Receive** without CommandId: the pool's messages (SESSION_CAPABILITY,
  APPLICATION_PRIVATE_DATA, RUNSPACEPOOL_STATE Opened), at once (pypsrp does not retry a
  time-out while it opens the pool).
* **Command** (``rsp:CommandLine CommandId=...``, first CREATE_PIPELINE fragment in
  ``rsp:Arguments``), **Send** (further fragments, pipeline input): the pipeline runs once
  CREATE_PIPELINE is whole; its output objects, error records, ``SetShouldExit`` host call
  and PIPELINE_STATE come back in **Receive** with that CommandId, the last one with
  ``rsp:CommandState .../Done`` and ``rsp:ExitCode`` 0 (Windows sends 0 for PSRP whatever
  the script's exit code).
* **Signal** (``powershell/signal/ctrl_c`` or ``.../terminate``) and **Delete** (the pool).

Every response carries ``a:RelatesTo`` = the request's MessageID (pypsrp checks it on all of
them). Faults: unknown ShellId / CommandId (w:InvalidSelectors), a Receive with nothing to
send within OperationTimeout (w:TimedOut, which pypsrp retries for pipelines), fault
``shell_access_denied`` (w:AccessDenied on Create), fault ``not_windows`` (the endpoint does
not exist: w:DestinationUnreachable on Create). Fault ``slow`` delays a pipeline's output.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import time
import uuid
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from psrpcore import ServerPipeline, ServerRunspacePool
from psrpcore._exceptions import PSRPCoreError
from psrpcore._payload import PSRPPayload, StreamType
from psrpcore.types import (
    CommandTypes,
    ErrorCategory,
    ErrorCategoryInfo,
    ErrorRecord,
    HostMethodIdentifier,
    InvocationInfo,
    NETException,
    PSInvocationState,
    SessionStateEntryVisibility,
)
from psrpcore.types._complex import RemoteCommandInfo
from psrpcore._events import CreatePipelineEvent

from winsim.fleet import faults
from winsim.fleet.stats import HostStats
from winsim.psrp import runspace
from winsim.windows.results import HostContext
from winsim.wsman import wsman
from winsim.wsman.wsman import WsmanFault, WsmanRequest

LOG = logging.getLogger("winsim")

RESOURCE_POWERSHELL = "http://schemas.microsoft.com/powershell/Microsoft.PowerShell"
RESOURCE_PREFIX = "http://schemas.microsoft.com/powershell/"
NS_POWERSHELL = "http://schemas.microsoft.com/powershell"
SIGNAL_PS_CTRL_C = "powershell/signal/ctrl_c"
#: Room for the envelope around the streams, taken off MaxEnvelopeSize before base64.
_ENVELOPE_OVERHEAD = 8 * 1024
#: Largest PSRP payload queued as one rsp:Stream (fragments of one pipeline are packed up to this).
_FRAGMENT_BUDGET = 32 * 1024
#: Exception HResult of RuntimeException, used for the terminating errors the simulator raises.
_HRESULT_RUNTIME = -2146233087


def is_powershell_resource(resource_uri: str) -> bool:
    """True for a PowerShell session configuration's resource URI (Microsoft.PowerShell and the like)."""
    return resource_uri.lower().startswith(RESOURCE_PREFIX.lower())


@dataclass
class Pipeline:
    """A pipeline (PowerShell) of a pool: its psrpcore object and when its output may be read."""

    command_id: str
    pipe: ServerPipeline
    ran: bool = False
    ready_at: float = 0.0
    done: bool = False


@dataclass
class Pool:
    """A RunspacePool (the WS-Man shell of the PowerShell resource)."""

    shell_id: str
    owner: str
    pool: ServerRunspacePool
    resource_uri: str
    #: payloads waiting for a Receive, by pipeline (None = the pool itself)
    queues: dict[uuid.UUID | None, list[bytes]] = field(default_factory=dict)
    pipelines: dict[str, Pipeline] = field(default_factory=dict)


# ---- error records ---------------------------------------------------------------------------------------------

class _CategoryInfo(ErrorCategoryInfo):
    """ErrorCategoryInfo whose text is Windows' (``NotSpecified: (:) [Write-Error], WriteErrorException``).

    PowerShell serialises ``ErrorCategory_Message`` with a colon after the category, which
    psrpcore's ``__str__`` leaves out; ansible prints this text as ``+ CategoryInfo``.
    """

    def __str__(self) -> str:
        return (f"{self.Category.name!s}: ({self.TargetName or ''}:{self.TargetType or ''}) "
                f"[{self.Activity or ''}], {self.Reason or ''}")


def _category(name: str) -> ErrorCategory:
    try:
        return ErrorCategory[name]
    except KeyError:
        return ErrorCategory.NotSpecified


def error_record(view: runspace.ErrorView) -> ErrorRecord:
    """A psrpcore ErrorRecord with what ansible's psrp plugin prints: command, message, position, category, id."""
    exception = NETException(Message=view.message, HResult=_HRESULT_RUNTIME)
    category = _CategoryInfo(Category=_category(view.category), Activity=view.activity or None,
                             Reason=view.reason or None, TargetName=view.target_name or None,
                             TargetType=view.target_type or None)
    invocation = None
    if view.command or view.position:
        invocation = InvocationInfo(
            InvocationName=view.command or None, Line=view.script_line, OffsetInLine=view.column,
            ScriptLineNumber=view.line_number, ScriptName="", PositionMessage=view.position or None,
            HistoryId=1, PipelineLength=0, PipelinePosition=0, ExpectingInput=False,
            MyCommand=RemoteCommandInfo(CommandType=CommandTypes.Cmdlet, Name=view.command, Definition=view.command,
                                        Visibility=SessionStateEntryVisibility.Public) if view.command else None,
        )
    record = ErrorRecord(Exception=exception, CategoryInfo=category, FullyQualifiedErrorId=view.error_id or "NotSpecified",
                         InvocationInfo=invocation)
    record.serialize_extended_info = invocation is not None
    return record


def _fault_not_a_powershell_endpoint() -> WsmanFault:
    return WsmanFault("s:Sender", "w:DestinationUnreachable",
                      "The WS-Management service cannot process the request because the resource URI "
                      "http://schemas.microsoft.com/powershell/Microsoft.PowerShell is not registered on this host. ",
                      2150858770, "The WS-Management service cannot process the request. The resource URI "
                      "(http://schemas.microsoft.com/powershell/Microsoft.PowerShell) was not found in the WS-Management "
                      "catalog. ")


class PsrpService:
    """PowerShell remoting for one host; ``handle`` turns a WS-Man request into a response envelope."""

    def __init__(self, ctx: HostContext, stats: HostStats, endpoint: str) -> None:
        self.ctx = ctx
        self.stats = stats
        self.endpoint = endpoint
        self.pools: dict[str, Pool] = {}

    async def handle(self, request: WsmanRequest, user: str, client_ip: str, endpoint: str | None = None) -> bytes:
        """``endpoint``: the URL as the client addressed the host (ResourceCreated/Address); default the listener's."""
        if request.action == wsman.ACTION_CREATE:
            return self._create(request, user, client_ip, endpoint or self.endpoint)
        pool = self.pools.get((request.shell_id or "").upper())
        if pool is None:
            if request.action not in (wsman.ACTION_RECEIVE, wsman.ACTION_COMMAND, wsman.ACTION_SEND,
                                      wsman.ACTION_SIGNAL, wsman.ACTION_DELETE):
                raise wsman.fault_action_not_supported(request.action)
            raise wsman.fault_unknown_shell(request.shell_id or "")
        if request.action == wsman.ACTION_RECEIVE:
            return await self._receive(request, pool)
        if request.action == wsman.ACTION_COMMAND:
            return self._command(request, pool)
        if request.action == wsman.ACTION_SEND:
            return self._send(request, pool)
        if request.action == wsman.ACTION_SIGNAL:
            return self._signal(request, pool)
        if request.action == wsman.ACTION_DELETE:
            del self.pools[pool.shell_id]
            return wsman.delete_response(request)
        raise wsman.fault_action_not_supported(request.action)

    # ---- the pool ----------------------------------------------------------------------------------------------

    def _drain(self, pool: Pool) -> None:
        """Move everything psrpcore has to send into the per-pipeline queues."""
        while True:
            payload = pool.pool.data_to_send(_FRAGMENT_BUDGET)
            if payload is None:
                return
            pool.queues.setdefault(payload.pipeline_id, []).append(payload.data)

    def _feed(self, pool: Pool, data: bytes, pipeline_id: uuid.UUID | None) -> list[object]:
        try:
            pool.pool.receive_data(PSRPPayload(data, StreamType.default, pipeline_id))
            events = []
            while (event := pool.pool.next_event()) is not None:
                events.append(event)
        except PSRPCoreError as exc:
            raise wsman.fault_schema(f"bad PSRP data: {exc}") from None
        return events

    def _create(self, request: WsmanRequest, user: str, client_ip: str, endpoint: str) -> bytes:
        if not runspace.opens_runspace(self.ctx):
            raise _fault_not_a_powershell_endpoint()
        if self.ctx.has_fault(faults.SHELL_ACCESS_DENIED):
            raise wsman.fault_access_denied()
        shell = wsman.find(request.body, "Shell")
        creation = shell.find(f"{{{NS_POWERSHELL}}}creationXml") if shell is not None else None
        if shell is None or creation is None or not (creation.text or "").strip():
            raise wsman.fault_schema("a PowerShell shell needs rsp:Shell with creationXml")
        try:
            data = base64.b64decode(creation.text.strip(), validate=True)
        except binascii.Error:
            raise wsman.fault_schema("creationXml is not base64") from None
        shell_id = (shell.get("ShellId") or wsman.new_id()).upper()
        pool = Pool(shell_id, user, ServerRunspacePool(), request.resource_uri or RESOURCE_POWERSHELL)
        self._feed(pool, data, None)
        self._drain(pool)
        self.pools[shell_id] = pool
        self.stats.payload_bytes += len(creation.text.strip())
        return self._create_response(request, pool, client_ip, endpoint)

    def _create_response(self, request: WsmanRequest, pool: Pool, client_ip: str, endpoint: str) -> bytes:
        uri = escape(pool.resource_uri)
        body = (
            f"<x:ResourceCreated><a:Address>{escape(endpoint)}</a:Address><a:ReferenceParameters>"
            f"<w:ResourceURI>{uri}</w:ResourceURI><w:SelectorSet><w:Selector Name=\"ShellId\">{pool.shell_id}</w:Selector>"
            f"</w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>"
            f'<rsp:Shell xmlns:rsp="{wsman.NS_SHELL}"><rsp:ShellId>{pool.shell_id}</rsp:ShellId>'
            f"<rsp:Name>WinRM1</rsp:Name><rsp:ResourceUri>{uri}</rsp:ResourceUri>"
            f"<rsp:Owner>{escape(pool.owner)}</rsp:Owner><rsp:ClientIP>{escape(client_ip)}</rsp:ClientIP>"
            f"<rsp:ProcessId>4242</rsp:ProcessId><rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut>"
            f"<rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams>"
            f"<rsp:MaxIdleTimeOut>PT2147483.647S</rsp:MaxIdleTimeOut><rsp:Locale>en-US</rsp:Locale>"
            f"<rsp:DataLocale>en-US</rsp:DataLocale><rsp:CompressionMode>XpressCompression</rsp:CompressionMode>"
            f"<rsp:ProfileLoaded>Yes</rsp:ProfileLoaded><rsp:Encoding>UTF8</rsp:Encoding>"
            f"<rsp:BufferMode>Block</rsp:BufferMode><rsp:State>Connected</rsp:State>"
            f"<rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity></rsp:Shell>"
        )
        return wsman.envelope(wsman.ACTION_CREATE + "Response", request.message_id, body)

    # ---- pipelines ---------------------------------------------------------------------------------------------

    def _command(self, request: WsmanRequest, pool: Pool) -> bytes:
        command_line = wsman.find(request.body, "CommandLine")
        arguments = wsman.find(command_line, "Arguments")
        if command_line is None or arguments is None:
            raise wsman.fault_schema("rsp:CommandLine/rsp:Arguments is missing")
        command_id = (command_line.get("CommandId") or wsman.new_id()).upper()
        try:
            pipeline_id = uuid.UUID(command_id)
            data = base64.b64decode((arguments.text or "").strip(), validate=True)
        except (ValueError, binascii.Error):
            raise wsman.fault_schema("bad CommandId or Arguments") from None
        self.stats.payload_bytes += len((arguments.text or "").strip())
        pipeline = Pipeline(command_id, ServerPipeline(pool.pool, pipeline_id))
        pool.pipelines[command_id] = pipeline
        self.stats.commands += 1
        self._handle_events(pool, self._feed(pool, data, pipeline_id))
        body = f"<rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId></rsp:CommandResponse>"
        return wsman.envelope(wsman.ACTION_COMMAND + "Response", request.message_id, body)

    def _send(self, request: WsmanRequest, pool: Pool) -> bytes:
        stream = wsman.find(request.body, "Stream")
        if stream is None:
            raise wsman.fault_schema("rsp:Send/rsp:Stream is missing")
        command_id = (stream.get("CommandId") or "").upper()
        pipeline_id: uuid.UUID | None = None
        if command_id and command_id != "00000000-0000-0000-0000-000000000000":
            if command_id not in pool.pipelines:
                raise wsman.fault_unknown_command()
            pipeline_id = uuid.UUID(command_id)
        try:
            data = base64.b64decode((stream.text or "").strip(), validate=True)
        except binascii.Error:
            raise wsman.fault_schema("stdin is not base64") from None
        self.stats.payload_bytes += len((stream.text or "").strip())
        self._handle_events(pool, self._feed(pool, data, pipeline_id))
        self._drain(pool)
        return wsman.send_response(request)

    def _handle_events(self, pool: Pool, events: list[object]) -> None:
        for event in events:
            if isinstance(event, CreatePipelineEvent):
                pipeline = pool.pipelines.get(str(event.pipeline_id).upper())
                if pipeline is not None and not pipeline.ran:
                    self._run(pool, pipeline)
        self._drain(pool)

    def _run(self, pool: Pool, pipeline: Pipeline) -> None:
        pipe = pipeline.pipe
        pipeline.ran = True
        commands = pipe.metadata.commands if pipe.metadata is not None else []
        script = "\n".join(str(command.command_text) for command in commands)
        # Ansible runs a raw (non-encoded) command as "<cmd>\nexit $LASTEXITCODE": a PowerShell-only line is exit 0.
        script = script[:-len("\nexit $LASTEXITCODE")] if script.endswith("\nexit $LASTEXITCODE") else script
        result = runspace.run_script(script, self.ctx)
        if result.lost_console_text:
            LOG.debug("%s: console text lost over PSRP: %r", self.ctx.name, result.lost_console_text[:200])
        # Windows sends no PIPELINE_STATE Running; psrpcore's start() would.
        pipe._change_state(PSInvocationState.Running, emit=False)  # pylint: disable=protected-access
        for value in result.output:
            pipe.write_output(value)
        for view in result.errors:
            record = error_record(view)
            pipe.write_error(record.Exception, record.CategoryInfo, None, record.FullyQualifiedErrorId,
                             invocation_info=record.InvocationInfo)
        if result.should_exit is not None:
            pipe.host_call(HostMethodIdentifier.SetShouldExit, [result.should_exit])
        if result.failure is not None:
            pipe._change_state(PSInvocationState.Failed, error_record(result.failure))  # pylint: disable=protected-access
        else:
            pipe.complete()
        delay = self.ctx.fault.seconds if self.ctx.has_fault(faults.SLOW) and self.ctx.fault else 0.0
        pipeline.ready_at = time.monotonic() + delay

    def _signal(self, request: WsmanRequest, pool: Pool) -> bytes:
        signal = wsman.find(request.body, "Signal")
        command_id = (signal.get("CommandId", "") if signal is not None else "").upper()
        pipeline = pool.pipelines.pop(command_id, None)
        if pipeline is None:
            raise wsman.fault_unknown_command()
        pool.queues.pop(uuid.UUID(command_id), None)
        return wsman.signal_response(request)

    async def _receive(self, request: WsmanRequest, pool: Pool) -> bytes:
        desired = wsman.find(request.body, "DesiredStream")
        command_id = (desired.get("CommandId", "") if desired is not None else "").upper()
        pipeline: Pipeline | None = None
        key: uuid.UUID | None = None
        if command_id:
            pipeline = pool.pipelines.get(command_id)
            if pipeline is None:
                raise wsman.fault_unknown_command()
            key = uuid.UUID(command_id)
            deadline = time.monotonic() + request.operation_timeout
            if not pipeline.ran or pipeline.ready_at > deadline:
                # Nothing to say within OperationTimeout (a pipeline waiting for input, a slow host): clients retry.
                await asyncio.sleep(max(min(deadline, pipeline.ready_at or deadline) - time.monotonic(), 0))
                raise wsman.fault_timed_out()
            if pipeline.ready_at > time.monotonic():
                await asyncio.sleep(pipeline.ready_at - time.monotonic())
        queue = pool.queues.get(key, [])
        if not queue:
            if pipeline is None:
                await asyncio.sleep(min(request.operation_timeout, 5.0))
            raise wsman.fault_timed_out()
        budget = max((request.max_envelope_size - _ENVELOPE_OVERHEAD) * 3 // 4, 4096)
        chunks: list[str] = []
        while queue and (not chunks or len(queue[0]) <= budget):
            data = queue.pop(0)
            budget -= len(data)
            chunks.append(base64.b64encode(data).decode("ascii"))
        self.stats.payload_bytes += sum(len(chunk) for chunk in chunks)
        attribute = f' CommandId="{command_id}"' if command_id else ""
        parts = [f'<rsp:Stream Name="stdout"{attribute}>{chunk}</rsp:Stream>' for chunk in chunks]
        if pipeline is not None and not queue and pipeline.pipe.state in (
                PSInvocationState.Completed, PSInvocationState.Failed, PSInvocationState.Stopped):
            pipeline.done = True
            parts.append(f'<rsp:CommandState CommandId="{command_id}" State="{wsman.STATE_DONE}">'
                         f"<rsp:ExitCode>0</rsp:ExitCode></rsp:CommandState>")
        elif pipeline is not None:
            parts.append(f'<rsp:CommandState CommandId="{command_id}" State="{wsman.STATE_RUNNING}"/>')
        body = "<rsp:ReceiveResponse>" + "".join(parts) + "</rsp:ReceiveResponse>"
        return wsman.envelope(wsman.ACTION_RECEIVE + "Response", request.message_id, body)
