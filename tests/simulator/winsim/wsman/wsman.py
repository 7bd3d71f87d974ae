# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""WS-Management envelopes: parse requests, build responses and SOAP faults as Windows does.

Shapes follow replies recorded from real Windows hosts (pypsrp's test
responses, MS-WSMV examples): real namespaces and prefixes, the real Action
URIs, ``a:RelatesTo`` = the request's MessageID (pywinrm asserts it for Signal
and Delete), and a CreateResponse carrying both
``x:ResourceCreated/a:ReferenceParameters/w:SelectorSet/w:Selector
Name="ShellId"`` (what pywinrm looks for) and an ``rsp:Shell`` block.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

NS_SOAP = "http://www.w3.org/2003/05/soap-envelope"
NS_ADDRESSING = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
NS_TRANSFER = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
NS_WSMAN = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
NS_WSMAN_MS = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
NS_SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
NS_WSMANFAULT = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
NS_WMIERROR = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError"

ACTION_CREATE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
ACTION_DELETE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
ACTION_COMMAND = NS_SHELL + "/Command"
ACTION_SEND = NS_SHELL + "/Send"
ACTION_RECEIVE = NS_SHELL + "/Receive"
ACTION_SIGNAL = NS_SHELL + "/Signal"
ACTION_FAULT = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"

RESOURCE_CMD = NS_SHELL + "/cmd"
STATE_RUNNING = NS_SHELL + "/CommandState/Running"
STATE_DONE = NS_SHELL + "/CommandState/Done"
SIGNAL_TERMINATE = NS_SHELL + "/signal/terminate"
SIGNAL_CTRL_C = NS_SHELL + "/signal/ctrl_c"
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"

#: WSManFault codes (wsmerror.h) the simulator sends.
CODE_ACCESS_DENIED = 5
CODE_TIMED_OUT = 2150858793  # 0x80338029 ERROR_WSMAN_OPERATION_TIMEDOUT
CODE_INVALID_SELECTORS = 2150858843  # 0x8033805B ERROR_WSMAN_INVALID_SELECTORS / shell not found
CODE_QUOTA_MAX_SHELLS = 2150859173  # 0x803381A5
CODE_QUOTA_MAX_OPERATIONS = 2150859174  # 0x803381A6
CODE_ACTION_NOT_SUPPORTED = 2150858774  # 0x80338016
CODE_SCHEMA_VALIDATION = 2150858817  # 0x80338041
CODE_INVALID_PARAMETER = 87  # ERROR_INVALID_PARAMETER
CODE_E_ACCESSDENIED = 2147942405  # 0x80070005 as an HRESULT
#: The WinRS cmd plug-in, as it names itself in f:ProviderFault (test_winrs_fail_poll_process.yml).
SHELL_CMD_PLUGIN = ("Shell cmd plugin", r"%systemroot%\system32\winrscmd.dll")

_DURATION = re.compile(r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")


def short_action(action: str) -> str:
    """``Create``, ``Command``, ``Receive`` ... for counters and logs."""
    return action.rstrip("/").rsplit("/", 1)[-1] or "unknown"


def parse_duration(text: str | None, default: float) -> float:
    """Seconds in an xs:duration such as ``PT20S`` or ``PT60.000S``; ``default`` when absent or malformed."""
    match = _DURATION.match((text or "").strip())
    if not match or not any(match.groupdict().values()):
        return default
    parts = {key: float(value or 0) for key, value in match.groupdict().items()}
    return parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]


def new_id() -> str:
    """An upper-case GUID, the way Windows writes ShellId / CommandId / MessageID."""
    return str(uuid.uuid4()).upper()


# ---- faults ---------------------------------------------------------------------------------------------------

@dataclass
class WsmanFault(Exception):
    """A SOAP fault to send back (HTTP 500)."""

    code: str
    subcode: str
    reason: str
    wsman_code: int | None = None
    message: str | None = None
    fault_detail: str | None = None
    wmi_error_code: int | None = None
    machine: str = "localhost"
    #: (provider, path) of the WinRS plug-in that raised it: the message is wrapped in f:ProviderFault
    provider: tuple[str, str] | None = None

    def __str__(self) -> str:
        return f"{self.subcode}: {self.reason.strip()}"


def fault_unknown_shell(shell_id: str) -> WsmanFault:
    text = (f"The request for the Windows Remote Shell with ShellId {shell_id} failed because the shell was not found on "
            "the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the "
            "server. Provide the correct ShellId or create a new shell and retry the operation. ")
    return WsmanFault("s:Sender", "w:InvalidSelectors",
                      "The WS-Management service cannot process the request because the request contained invalid "
                      "selectors for the resource. ", CODE_INVALID_SELECTORS, text,
                      "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors")


def fault_unknown_command() -> WsmanFault:
    return WsmanFault("s:Sender", "w:InvalidSelectors",
                      "The WS-Management service cannot process the request because the request contained invalid "
                      "selectors for the resource. ", CODE_INVALID_SELECTORS,
                      "The Windows Remote Shell received a request to perform an operation on a command identifier that "
                      "does not exist. Either the command has completed execution or the client specified an invalid "
                      "command identifier. ",
                      "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors")


def fault_timed_out() -> WsmanFault:
    text = "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  "
    return WsmanFault("s:Receiver", "w:TimedOut", text, CODE_TIMED_OUT, text)


def fault_access_denied() -> WsmanFault:
    return WsmanFault("s:Sender", "w:AccessDenied", "Access is denied. ", CODE_ACCESS_DENIED, "Access is denied. ")


def fault_invalid_parameter() -> WsmanFault:
    """A Receive (or Signal, Send) that names no CommandId: the cmd plug-in's ERROR_INVALID_PARAMETER."""
    return WsmanFault("s:Sender", "w:InvalidParameter", "The parameter is incorrect. ", CODE_INVALID_PARAMETER,
                      "The parameter is incorrect. ", "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/InvalidValue",
                      provider=SHELL_CMD_PLUGIN)


def fault_command_access_denied() -> WsmanFault:
    """The cmd plug-in could not start the process: E_ACCESSDENIED as w:InternalError."""
    return WsmanFault("s:Receiver", "w:InternalError", "Access is denied. ", CODE_E_ACCESSDENIED, "Access is denied. ",
                      provider=SHELL_CMD_PLUGIN)


def fault_quota_operations(limit: int = 1500) -> WsmanFault:
    text = (f"The WS-Management service cannot process the request. This user is allowed a maximum number of {limit} "
            "concurrent operations, which has been exceeded. Close existing operations for this user, or raise the "
            "quota for this user. ")
    return WsmanFault("s:Receiver", "w:InternalError", text, None, None, None, CODE_QUOTA_MAX_OPERATIONS)


def fault_quota_shells(limit: int) -> WsmanFault:
    text = (f"The WS-Management service cannot process the request. This user is allowed a maximum number of {limit} "
            "concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user. ")
    return WsmanFault("s:Sender", "w:QuotaLimit",
                      "The WS-Management service cannot process the request. The maximum number of concurrent shells "
                      "for this user has been exceeded. Close existing shells or raise the quota for this user. ",
                      CODE_QUOTA_MAX_SHELLS, text)


def fault_action_not_supported(action: str) -> WsmanFault:
    return WsmanFault("s:Sender", "a:ActionNotSupported",
                      "The action is not supported by the service. ", CODE_ACTION_NOT_SUPPORTED,
                      f"The WS-Management service cannot process a {short_action(action)} request for this resource. ",
                      "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/ActionMismatch")


def fault_schema(detail: str) -> WsmanFault:
    return WsmanFault("s:Sender", "w:SchemaValidationError",
                      "The SOAP XML in the message does not match the corresponding XML schema definition. Change the XML "
                      "and retry. ", CODE_SCHEMA_VALIDATION, f"The WS-Management service cannot process the request: {detail} ")


# ---- requests -------------------------------------------------------------------------------------------------

@dataclass
class WsmanRequest:
    """The parts of a WS-Man request the shell service needs."""

    action: str
    message_id: str
    resource_uri: str = ""
    to: str = ""
    shell_id: str | None = None
    operation_timeout: float = 60.0
    max_envelope_size: int = 153600
    options: dict[str, str] = field(default_factory=dict)
    body: ET.Element | None = None

    @property
    def name(self) -> str:
        return short_action(self.action)


def _tag(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


def parse_request(data: bytes) -> WsmanRequest:
    """Parse a SOAP request; raise :class:`WsmanFault` (schema validation) when it is not one."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise fault_schema(f"the body is not well-formed XML ({exc})") from None
    header = root.find(_tag(NS_SOAP, "Header"))
    body = root.find(_tag(NS_SOAP, "Body"))
    if root.tag != _tag(NS_SOAP, "Envelope") or header is None or body is None:
        raise fault_schema("expected a SOAP 1.2 Envelope with Header and Body")
    action = (header.findtext(_tag(NS_ADDRESSING, "Action")) or "").strip()
    message_id = (header.findtext(_tag(NS_ADDRESSING, "MessageID")) or "").strip()
    if not action or not message_id:
        raise fault_schema("the header lacks a:Action or a:MessageID")
    request = WsmanRequest(action=action, message_id=message_id)
    request.resource_uri = (header.findtext(_tag(NS_WSMAN, "ResourceURI")) or "").strip()
    request.to = (header.findtext(_tag(NS_ADDRESSING, "To")) or "").strip()
    request.operation_timeout = parse_duration(header.findtext(_tag(NS_WSMAN, "OperationTimeout")), 60.0)
    try:
        request.max_envelope_size = int((header.findtext(_tag(NS_WSMAN, "MaxEnvelopeSize")) or "153600").strip())
    except ValueError:
        raise fault_schema("w:MaxEnvelopeSize is not a number") from None
    for selector in header.iter(_tag(NS_WSMAN, "Selector")):
        if selector.get("Name") == "ShellId":
            request.shell_id = (selector.text or "").strip()
    for option in header.iter(_tag(NS_WSMAN, "Option")):
        request.options[option.get("Name", "")] = (option.text or "").strip()
    request.body = next(iter(body), None)
    return request


# ---- responses ------------------------------------------------------------------------------------------------

_ENVELOPE_OPEN = (
    '<s:Envelope xml:lang="en-US" xmlns:s="{s}" xmlns:a="{a}" xmlns:x="{x}" xmlns:w="{w}" xmlns:rsp="{rsp}" xmlns:p="{p}">'
).format(s=NS_SOAP, a=NS_ADDRESSING, x=NS_TRANSFER, w=NS_WSMAN, rsp=NS_SHELL, p=NS_WSMAN_MS)


def envelope(action: str, relates_to: str, body: str) -> bytes:
    """A complete response envelope (UTF-8 bytes)."""
    return (
        f"{_ENVELOPE_OPEN}<s:Header><a:Action>{escape(action)}</a:Action><a:MessageID>uuid:{new_id()}</a:MessageID>"
        f"<a:To>{ANONYMOUS}</a:To><a:RelatesTo>{escape(relates_to)}</a:RelatesTo></s:Header>"
        f"<s:Body>{body}</s:Body></s:Envelope>"
    ).encode("utf-8")


def fault_envelope(fault: WsmanFault, relates_to: str | None) -> bytes:
    """The response body of a SOAP fault."""
    detail = ""
    if fault.fault_detail:
        detail += f"<w:FaultDetail>{escape(fault.fault_detail)}</w:FaultDetail>"
    if fault.wsman_code is not None:
        message = escape(fault.message or fault.reason)
        if fault.provider is not None:
            message = f"<f:ProviderFault provider={quoteattr(fault.provider[0])} path={quoteattr(fault.provider[1])}>{message}</f:ProviderFault>"
        detail += (f'<f:WSManFault xmlns:f="{NS_WSMANFAULT}" Code="{fault.wsman_code}" Machine={quoteattr(fault.machine)}>'
                   f"<f:Message>{message}</f:Message></f:WSManFault>")
    if fault.wmi_error_code is not None:
        detail += (
            f'<p:MSFT_WmiError b:IsCIM_Error="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xmlns:b="http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd" xmlns:p="{NS_WMIERROR}" '
            f'xmlns:cim="http://schemas.dmtf.org/wbem/wscim/1/common" xsi:type="p:MSFT_WmiError_Type">'
            f'<p:CIMStatusCode xsi:type="cim:cimUnsignedInt">27</p:CIMStatusCode>'
            f'<p:Message xsi:type="cim:cimString">{escape(fault.reason)}</p:Message>'
            f'<p:MessageID xsi:type="cim:cimString">HRESULT 0x{fault.wmi_error_code:08x}</p:MessageID>'
            f'<p:error_Category xsi:type="cim:cimUnsignedInt">30</p:error_Category>'
            f'<p:error_Code xsi:type="cim:cimUnsignedInt">{fault.wmi_error_code}</p:error_Code>'
            f'<p:error_Type xsi:type="cim:cimString">HRESULT</p:error_Type>'
            f'<p:error_WindowsErrorMessage xsi:type="cim:cimString">{escape(fault.reason)}</p:error_WindowsErrorMessage>'
            f"</p:MSFT_WmiError>"
        )
    body = (
        f"<s:Fault><s:Code><s:Value>{fault.code}</s:Value><s:Subcode><s:Value>{fault.subcode}</s:Value></s:Subcode></s:Code>"
        f'<s:Reason><s:Text xml:lang="en-US">{escape(fault.reason)}</s:Text></s:Reason>'
        f"<s:Detail>{detail}</s:Detail></s:Fault>"
    )
    return envelope(ACTION_FAULT, relates_to or f"uuid:{new_id()}", body)


@dataclass
class ShellInfo:
    """What a CreateResponse reports about a new shell."""

    shell_id: str
    owner: str
    client_ip: str
    endpoint: str
    idle_timeout: str = "PT7200.000S"
    input_streams: str = "stdin"
    output_streams: str = "stdout stderr"
    #: rsp:Environment as requested (name, value); echoed with backslashes dropped from the names, as Windows does
    environment: list[tuple[str, str]] = field(default_factory=list)
    working_directory: str | None = None


def create_response(request: WsmanRequest, shell: ShellInfo) -> bytes:
    body = (
        f"<x:ResourceCreated><a:Address>{escape(shell.endpoint)}</a:Address><a:ReferenceParameters>"
        f"<w:ResourceURI>{RESOURCE_CMD}</w:ResourceURI><w:SelectorSet><w:Selector Name=\"ShellId\">{shell.shell_id}</w:Selector>"
        f"</w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>"
        f'<rsp:Shell xmlns:rsp="{NS_SHELL}"><rsp:ShellId>{shell.shell_id}</rsp:ShellId>'
        f"<rsp:ResourceUri>{RESOURCE_CMD}</rsp:ResourceUri><rsp:Owner>{escape(shell.owner)}</rsp:Owner>"
        f"<rsp:ClientIP>{escape(shell.client_ip)}</rsp:ClientIP>{_shell_options(shell)}<rsp:IdleTimeOut>{shell.idle_timeout}</rsp:IdleTimeOut>"
        f"<rsp:InputStreams>{escape(shell.input_streams)}</rsp:InputStreams>"
        f"<rsp:OutputStreams>{escape(shell.output_streams)}</rsp:OutputStreams>"
        f"<rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity></rsp:Shell>"
    )
    return envelope(ACTION_CREATE + "Response", request.message_id, body)


def _shell_options(shell: ShellInfo) -> str:
    text = ""
    if shell.environment:
        variables = "".join(f'<rsp:Variable Name={quoteattr(name.replace(chr(92), ""), {chr(34): "&quot;"})}>'
                            f'{escape(value, {chr(34): "&quot;"})}</rsp:Variable>' for name, value in shell.environment)
        text += f"<rsp:Environment>{variables}</rsp:Environment>"
    if shell.working_directory is not None:
        text += f"<rsp:WorkingDirectory>{escape(shell.working_directory)}</rsp:WorkingDirectory>"
    return text


def format_duration(seconds: float) -> str:
    """An xs:duration the way Windows echoes IdleTimeOut: ``PT60.000S``."""
    return f"PT{seconds:.3f}S"


def command_response(request: WsmanRequest, command_id: str) -> bytes:
    body = f"<rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId></rsp:CommandResponse>"
    return envelope(ACTION_COMMAND + "Response", request.message_id, body)


def send_response(request: WsmanRequest) -> bytes:
    return envelope(ACTION_SEND + "Response", request.message_id, "<rsp:SendResponse/>")


def signal_response(request: WsmanRequest) -> bytes:
    return envelope(ACTION_SIGNAL + "Response", request.message_id, "<rsp:SignalResponse/>")


def delete_response(request: WsmanRequest) -> bytes:
    return envelope(ACTION_DELETE + "Response", request.message_id, "")


def receive_response(request: WsmanRequest, command_id: str, chunks: list[tuple[str, str]], *,
                     done: bool, exit_code: int, ended: tuple[str, ...] = ()) -> bytes:
    """``chunks``: (stream name, base64 text) pairs; ``ended``: streams to close with End="true"."""
    parts = [f'<rsp:Stream Name="{name}" CommandId="{command_id}">{data}</rsp:Stream>' for name, data in chunks]
    parts += [f'<rsp:Stream Name="{name}" CommandId="{command_id}" End="true"></rsp:Stream>' for name in ended]
    if done:
        parts.append(f'<rsp:CommandState CommandId="{command_id}" State="{STATE_DONE}">'
                     f"<rsp:ExitCode>{exit_code}</rsp:ExitCode></rsp:CommandState>")
    else:
        parts.append(f'<rsp:CommandState CommandId="{command_id}" State="{STATE_RUNNING}"></rsp:CommandState>')
    body = "<rsp:ReceiveResponse>" + "".join(parts) + "</rsp:ReceiveResponse>"
    return envelope(ACTION_RECEIVE + "Response", request.message_id, body)


def find(element: ET.Element | None, local: str, namespace: str = NS_SHELL) -> ET.Element | None:
    """First descendant-or-self named ``{namespace}local``."""
    if element is None:
        return None
    if element.tag == _tag(namespace, local):
        return element
    return element.find(f".//{_tag(namespace, local)}")


def find_all(element: ET.Element | None, local: str, namespace: str = NS_SHELL) -> list[ET.Element]:
    if element is None:
        return []
    found = [element] if element.tag == _tag(namespace, local) else []
    return found + element.findall(f".//{_tag(namespace, local)}")
