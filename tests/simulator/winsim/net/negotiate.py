# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The ``kerberos`` scheme: HTTP Negotiate on a domain member's WinRM listener, answered with Kerberos.

Registered in :mod:`winsim.net.auth`'s scheme registry when imported. The acceptor is pyspnego's
``spnego.server(protocol="negotiate")`` with the keytab of the simulator's realm
(:mod:`winsim.net.kerberos`, ``KRB5_KTNAME``): it takes a raw Kerberos token (pykerberos, i.e.
pywinrm ``transport=kerberos``, which sends it pre-emptively on the first request of every
connection and insists on the AP-REP in ``WWW-Authenticate`` of the 200) and a SPNEGO-wrapped
one (pypsrp ``auth=kerberos`` / ``negotiate``). It accepts any service principal of the keytab
(``HTTP/<address>`` for winrm, ``WSMAN/<address>`` for psrp). NTLM tokens are refused: a host
whose ``auth`` is ``kerberos`` proves that Kerberos was used (offer ``negotiate`` beside it for
a listener that also takes NTLM, as a real domain member does).

Message encryption over HTTP: the body's protocol label is the one the client sent (pywinrm
labels Kerberos-sealed bodies ``application/HTTP-SPNEGO-session-encrypted``, pypsrp
``application/HTTP-Kerberos-session-encrypted``); the header is the 60-byte GSS wrap token
(``unwrap_winrm`` / ``wrap_winrm``).
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import spnego
from spnego.channel_bindings import GssChannelBindings
from spnego.exceptions import SpnegoError

from winsim.net import auth

LOG = logging.getLogger("winsim")

KERBEROS = "kerberos"
SPNEGO_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
KERBEROS_PROTOCOL = "application/HTTP-Kerberos-session-encrypted"
_NTLM_OID = b"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"


def same_user(principal: str, expected: str) -> bool:
    """``DOMAIN\\user``, ``user@REALM`` and ``user`` all name the local account ``user``."""
    name = principal.replace("/", "\\").rsplit("\\", 1)[-1].split("@", 1)[0]
    return name.lower() == expected.lower()


def is_ntlm(raw: bytes) -> bool:
    """A raw NTLM message, or SPNEGO whose token or first mechanism is NTLM."""
    return raw.startswith(b"NTLMSSP\x00") or b"NTLMSSP\x00" in raw or _NTLM_OID in raw[:40]


class KerberosAcceptor(auth.SpnegoContextAcceptor):
    """Negotiate answered by Kerberos; one security context per TCP connection."""

    connection_bound = True
    #: labels of encrypted bodies this acceptor opens (ConnectionAuth answers with the client's)
    encryption_protocols = (SPNEGO_PROTOCOL, KERBEROS_PROTOCOL)
    #: environment the acceptor needs (KRB5_KTNAME, KRB5_CONFIG, KRB5RCACHETYPE), set by the realm's prepare
    env_key = "env"

    def __init__(self, host: auth.HostAuth, scheme: auth.Scheme) -> None:
        super().__init__(host, scheme)
        self._context: spnego.ContextProxy | None = None

    @property
    def encryption_protocol(self) -> str | None:
        return SPNEGO_PROTOCOL if self._context is not None and self.user is not None else None

    def _environment(self) -> None:
        for name, value in dict(self.host.settings.get(self.scheme.name, {}).get(self.env_key) or {}).items():
            os.environ[name] = str(value)

    def accept(self, word: str, token: str) -> auth.AuthResult:
        try:
            raw = base64.b64decode(token, validate=True)
        except binascii.Error:
            return self.deny()
        if is_ntlm(raw):
            LOG.info("kerberos: refused an NTLM token (this listener takes Kerberos only)")
            return self.deny()
        self._environment()
        # Every token starts a new context here: Kerberos completes in one leg, and pywinrm sends a fresh
        # AP-REQ on each new connection (and pypsrp may re-authenticate on a kept one).
        self.user = None
        bindings = GssChannelBindings(application_data=self.host.channel_binding) if self.host.channel_binding else None
        self._context = spnego.server(protocol="negotiate", channel_bindings=bindings)
        try:
            reply = self._context.step(raw)
        except SpnegoError as exc:
            LOG.info("kerberos authentication failed: %s", exc)
            self._context = None
            return self.deny()
        if not self._context.complete:
            return auth.AuthResult(False, headers=[("WWW-Authenticate", f"{word} {base64.b64encode(reply or b'').decode()}")])
        principal = str(self._context.client_principal or "")
        if self.host.refuses(self.scheme.name) or not same_user(principal, self.host.username):
            LOG.info("kerberos: %r is not the host's user", principal)
            self._context = None
            return self.deny()
        self.user = self.host.username
        # The AP-REP: pywinrm's mutual authentication fails without it on the 200.
        headers = [("WWW-Authenticate", f"{word} {base64.b64encode(reply).decode()}")] if reply else []
        return auth.AuthResult(True, self.user, headers)


def _prepare(credentials: Sequence[tuple[str, str]], directory: Path) -> Mapping[str, object]:
    # The realm itself is started by the fleet server (winsim.fleet.connections), which fills in "env".
    return {"env": {}, "users": dict(credentials)}


SCHEME = auth.register_scheme(auth.Scheme(
    name=KERBEROS, words=("Negotiate", "Kerberos"), challenge="Negotiate", acceptor=KerberosAcceptor,
    client_transport="kerberos", offer_order=20, windows_default=False, prepare=_prepare,
))
