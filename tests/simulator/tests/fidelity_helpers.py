# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Helpers of the fidelity tests: real pywinrm requests, the raw answers, and their structure.

The fidelity tests compare the simulator's answers with exchanges recorded from real Windows
Server hosts: the YAML recordings of jborean93/pypsrp, ``tests/tests_pypsrp/responses/<name>.yml``
(public; not copied here). Each test states what the recording shows as facts and names the
recording as the source. Requests are built by pywinrm itself (``Protocol._get_soap_header``,
as its own operations do) and sent with its transport, so authentication and, over NTLM,
message encryption are the real client's; only the parts of a request pywinrm has no
parameter for (a Receive without CommandId) are removed from what it built.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import winrm
import xmltodict
from winrm.exceptions import WinRMTransportError

#: The prefixes the recordings use, for readable facts.
NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
}
_PREFIX = {uri: prefix for prefix, uri in NS.items() if prefix != "p"}
SHELL_URI = NS["rsp"] + "/cmd"
RUNNING = NS["rsp"] + "/CommandState/Running"
DONE = NS["rsp"] + "/CommandState/Done"
FAULT_ACTION = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"


def name(element: ET.Element) -> str:
    """``{uri}Local`` -> ``prefix:Local`` with the recordings' prefixes."""
    uri, dummy, local = element.tag[1:].partition("}")
    return f"{_PREFIX.get(uri, uri)}:{local}"


def children(element: ET.Element | None) -> list[str]:
    return [name(child) for child in element] if element is not None else []


@dataclass
class Answer:
    """One response: HTTP status and the parsed envelope."""

    status: int
    root: ET.Element

    @property
    def action(self) -> str:
        return self.root.findtext("s:Header/a:Action", namespaces=NS) or ""

    @property
    def relates_to(self) -> str:
        return self.root.findtext("s:Header/a:RelatesTo", namespaces=NS) or ""

    @property
    def body(self) -> ET.Element:
        body = self.root.find("s:Body", NS)
        assert body is not None
        return body

    def find(self, path: str) -> ET.Element | None:
        return self.body.find(path, NS)

    def fault(self) -> dict[str, object]:
        """The parts of a SOAP fault the recordings are compared on."""
        fault = self.find("s:Fault")
        assert fault is not None, ET.tostring(self.root)
        wsman_fault = fault.find("s:Detail/f:WSManFault", NS)
        provider = wsman_fault.find("f:Message/f:ProviderFault", NS) if wsman_fault is not None else None
        return {
            "status": self.status, "action": self.action,
            "code": fault.findtext("s:Code/s:Value", namespaces=NS),
            "subcode": fault.findtext("s:Code/s:Subcode/s:Value", namespaces=NS),
            "reason": fault.findtext("s:Reason/s:Text", namespaces=NS),
            "fault_detail": fault.findtext("s:Detail/w:FaultDetail", namespaces=NS),
            "wsman_code": wsman_fault.get("Code") if wsman_fault is not None else None,
            "machine": wsman_fault.get("Machine") if wsman_fault is not None else None,
            "message": "".join(wsman_fault.find("f:Message", NS).itertext()) if wsman_fault is not None else None,
            "provider": (provider.get("provider"), provider.get("path")) if provider is not None else None,
        }

    def streams(self) -> list[tuple[str, bytes, bool]]:
        """Each rsp:Stream element in order: (Name, decoded data, End="true")."""
        return [(stream.get("Name", ""), base64.b64decode(stream.text or ""), stream.get("End") == "true")
                for stream in self.body.iter(f"{{{NS['rsp']}}}Stream")]

    def state(self) -> tuple[str | None, str | None]:
        """(CommandState/@State, ExitCode text)."""
        state = self.body.find(".//rsp:CommandState", NS)
        if state is None:
            return None, None
        return state.get("State"), state.findtext("rsp:ExitCode", namespaces=NS)


def send(proto: winrm.Protocol, message: dict | str) -> Answer:
    """Send a request through pywinrm's transport; a SOAP fault comes back as an Answer too."""
    text = message if isinstance(message, str) else xmltodict.unparse(message)
    try:
        return Answer(200, ET.fromstring(proto.transport.send_message(text)))
    except WinRMTransportError as exc:
        return Answer(exc.code, ET.fromstring(exc.response_text))


def request(proto: winrm.Protocol, action: str, shell_id: str | None = None) -> dict:
    """A request envelope as pywinrm builds it for its own operations."""
    return {"env:Envelope": proto._get_soap_header(resource_uri=SHELL_URI, action=action, shell_id=shell_id)}  # pylint: disable=protected-access


def create(proto: winrm.Protocol, **options: object) -> Answer:
    """pywinrm's open_shell request (its own envelope), answered raw."""
    captured: dict[str, Answer] = {}
    original = proto.send_message

    def capture(message: str) -> bytes:
        answer = send(proto, message)
        captured["answer"] = answer
        return ET.tostring(answer.root)

    proto.send_message = capture  # type: ignore[method-assign]
    try:
        proto.open_shell(**options)  # type: ignore[arg-type]
    except Exception:  # pylint: disable=broad-exception-caught
        if "answer" not in captured:  # a fault answer makes open_shell fail after it was captured
            raise
    finally:
        proto.send_message = original  # type: ignore[method-assign]
    return captured["answer"]


def receive(proto: winrm.Protocol, shell_id: str, command_id: str | None) -> Answer:
    """A Receive of stdout and stderr, as ansible's winrm plugin builds it (``command_id`` None: no CommandId)."""
    message = request(proto, NS["rsp"] + "/Receive", shell_id)
    stream = message["env:Envelope"].setdefault("env:Body", {}).setdefault("rsp:Receive", {}).setdefault("rsp:DesiredStream", {})
    if command_id is not None:
        stream["@CommandId"] = command_id
    stream["#text"] = "stdout stderr"
    return send(proto, message)


def signal(proto: winrm.Protocol, shell_id: str, command_id: str) -> Answer:
    message = request(proto, NS["rsp"] + "/Signal", shell_id)
    message["env:Envelope"].setdefault("env:Body", {})["rsp:Signal"] = {
        "@CommandId": command_id, "rsp:Code": NS["rsp"] + "/signal/ctrl_c"}
    return send(proto, message)


def delete(proto: winrm.Protocol, shell_id: str) -> Answer:
    message = request(proto, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete", shell_id)
    message["env:Envelope"].setdefault("env:Body", {})  # as pywinrm's close_shell does
    return send(proto, message)


def receive_all(proto: winrm.Protocol, shell_id: str, command_id: str, limit: int = 50) -> list[Answer]:
    """Every Receive until CommandState/Done (time-outs included, as clients retry them)."""
    answers = []
    for dummy in range(limit):
        answer = receive(proto, shell_id, command_id)
        answers.append(answer)
        if answer.status == 200 and answer.state()[0] == DONE:
            return answers
    raise AssertionError(f"no CommandState/Done after {limit} Receives")


def sequence(answers: list[Answer]) -> list[str]:
    """``Running``, ``Done`` or the fault subcode of each answer."""
    result = []
    for answer in answers:
        if answer.status != 200:
            result.append(str(answer.fault()["subcode"]))
        else:
            result.append((answer.state()[0] or "").rsplit("/", 1)[-1])
    return result
