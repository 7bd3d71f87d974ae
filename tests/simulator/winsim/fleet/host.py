# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""One simulated Windows host: from an HTTP request on its listener to the HTTP response.

Order of checks, as on a WinRM listener: URL (``/wsman``) and method (POST),
then authentication (401 with the host's WWW-Authenticate headers and an empty
body), then message decryption, then the SOAP message itself. An empty body
after a successful authentication is the encryption set-up POST and gets an
empty 200.

The host as the client addressed it, from the request's ``Host`` header (else ``wsa:To``,
else the listener's address), is what Windows reports: in every fault's
``WSManFault/@Machine`` and in a CreateResponse's ``ResourceCreated/Address`` (pypsrp's
recordings ``test_winrs_no_cmd_shell``, ``test_winrs_fail_poll_process``: a host reached as
``server2008r2.domain.local`` or through a forwarded ``127.0.0.1:55986`` names itself so).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from winsim.fleet import faults
from winsim.fleet.fleet import HTTPS, HostSpec
from winsim.fleet.stats import HostStats
from winsim.net import auth
from winsim.net.certs import ServerCertificate
from winsim.net.httpio import HttpRequest
from winsim.personalities import collector
from winsim.windows.cim import HostCim
from winsim.windows.results import HostContext
from winsim.wsman import wsman
from winsim.wsman.winrs import WinRSService
from winsim.psrp import router as psrp_router
from winsim.psrp.service import PsrpService

LOG = logging.getLogger("winsim")
SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8"


@dataclass
class HttpAnswer:
    """What to send back, and how to count the request."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    action: str


class SimulatedHost:
    """Everything one host serves."""

    def __init__(self, spec: HostSpec, stats: HostStats, *, scheme_settings: Mapping[str, Mapping[str, object]] | None = None,
                 certificate: ServerCertificate | None = None) -> None:
        self.spec = spec
        self.stats = stats
        self.certificate = certificate
        namespace_failure, provider_failure = collector.cim_failures(spec.fault)
        cim = HostCim(spec.name, spec.cim, namespace_failure=namespace_failure, provider_failure=provider_failure, work=stats.work)
        self.context = HostContext(spec.name, spec.username, cim, spec.fault)
        # An ssh host (connection: ssh) has no WS-Management listener: winsim.ssh authenticates it.
        self.auth = None if not spec.auth_schemes else auth.HostAuth(
            schemes=spec.auth_schemes, username=spec.username, password=spec.password,
            refuse=spec.fault_kind == faults.REFUSE_CREDENTIALS,
            # A local account outside Administrators: WinRM's Basic authentication refuses it with 401.
            refuse_schemes=frozenset({auth.BASIC}) if spec.fault_kind == faults.NOT_ADMINISTRATOR else frozenset(),
            channel_binding=certificate.channel_binding if certificate is not None and spec.transport == HTTPS else None,
            settings={name: value for name, value in (scheme_settings or {}).items() if name in spec.auth_schemes},
        )
        self.address = spec.address
        self.port = spec.port
        # The listener serves WinRS (connection winrm) and PowerShell remoting (connection psrp) side by side.
        self.winrs = psrp_router.ShellRouter(WinRSService(self.context, stats, self.endpoint),
                                             PsrpService(self.context, stats, self.endpoint))

    @property
    def endpoint(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.spec.transport}://{host}:{self.port}/wsman"

    def bound(self, port: int) -> None:
        """Record the port the listener really got (port 0 = ephemeral)."""
        self.port = port
        self.winrs.endpoint = self.endpoint

    async def handle(self, request: HttpRequest, connection: auth.ConnectionAuth, client_ip: str) -> HttpAnswer:
        if request.path.rstrip("/").lower() != "/wsman":
            return HttpAnswer(404, [], b"", "not_found")
        if request.method != "POST":
            return HttpAnswer(405, [("Allow", "POST")], b"", "not_allowed")
        result = connection.authenticate(request.header("authorization"))
        if not result.ok:
            return HttpAnswer(401, result.headers, b"", "auth")
        encrypted = (request.header("content-type") or "").lower().startswith("multipart/encrypted")
        body = request.body
        if encrypted:
            try:
                body = connection.unwrap(body)
            except auth.EncryptionError as exc:
                LOG.info("%s: rejected an encrypted message: %s", self.spec.name, exc)
                return HttpAnswer(400, [], b"", "bad_request")
        if not body.strip():
            return HttpAnswer(200, result.headers, b"", "auth")
        status, payload, action = await self._soap(body, result.user or self.spec.username, client_ip, request)
        # A scheme's final token (Kerberos' AP-REP) goes on the answer itself: pywinrm's mutual authentication needs it.
        if encrypted:
            return HttpAnswer(status, [*result.headers, ("Content-Type", connection.encrypted_content_type)],
                              connection.wrap(payload), action)
        return HttpAnswer(status, [*result.headers, ("Content-Type", SOAP_CONTENT_TYPE)], payload, action)

    def addressed(self, http: HttpRequest, to: str = "") -> tuple[str, str]:
        """(endpoint URL, machine) as the client addressed this host: its Host header, else wsa:To, else the listener."""
        host_header = (http.header("host") or "").strip()
        if host_header:
            machine = urlsplit(f"//{host_header}").hostname or host_header
            return f"{self.spec.transport}://{host_header}{http.path}", machine
        if to:
            machine = urlsplit(to).hostname
            if machine:
                return to, machine
        return self.endpoint, self.address

    async def _soap(self, body: bytes, user: str, client_ip: str, http: HttpRequest) -> tuple[int, bytes, str]:
        request: wsman.WsmanRequest | None = None
        try:
            request = wsman.parse_request(body)
            endpoint, dummy = self.addressed(http, request.to)
            return 200, await self.winrs.handle(request, user, client_ip, endpoint), request.name
        except wsman.WsmanFault as fault:
            fault.machine = self.addressed(http, request.to if request else "")[1]
            self.stats.faults[fault.subcode] += 1
            return 500, wsman.fault_envelope(fault, request.message_id if request else None), request.name if request else "invalid"
