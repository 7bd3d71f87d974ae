# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""One WS-Management listener, two shell resources: WinRS (``.../windows/shell/cmd``) and PowerShell.

A Windows WinRM listener serves both on the same ``/wsman`` URL; the request's ResourceURI
picks the plug-in. :class:`ShellRouter` stands where a host's WinRS service stands
(``SimulatedHost.winrs``) and hands each request to WinRS or to the host's
:class:`~winsim.psrp.service.PsrpService`; both share the host's context (profile, fault)
and counters.
"""

from __future__ import annotations

from typing import Protocol

from winsim.psrp.service import PsrpService, is_powershell_resource
from winsim.wsman.wsman import WsmanRequest


class _Shell(Protocol):
    endpoint: str

    async def handle(self, request: WsmanRequest, user: str, client_ip: str, *args: str) -> bytes: ...


class ShellRouter:
    """Route by ResourceURI: PowerShell session configurations to PSRP, everything else to WinRS."""

    def __init__(self, winrs: _Shell, psrp: PsrpService) -> None:
        self.winrs = winrs
        self.psrp = psrp

    @property
    def endpoint(self) -> str:
        return self.winrs.endpoint

    @endpoint.setter
    def endpoint(self, value: str) -> None:
        self.winrs.endpoint = value
        self.psrp.endpoint = value

    def __getattr__(self, name: str) -> object:
        # Anything else (shells, counters of the WinRS service) is the WinRS service's.
        return getattr(self.winrs, name)

    async def handle(self, request: WsmanRequest, user: str, client_ip: str, *args: str) -> bytes:
        """``args``: what the host passes on after the client IP (the endpoint as the client addressed it)."""
        if is_powershell_resource(request.resource_uri):
            return await self.psrp.handle(request, user, client_ip, *args)
        return await self.winrs.handle(request, user, client_ip, *args)
