# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""HTTP ``CredSSP`` as a WinRM listener with ``Service/Auth/CredSSP = true`` accepts it.

CredSSP (MS-CSSP) tunnels a TLS session inside the HTTP authentication headers: every leg is
``Authorization: CredSSP <b64 TLS records>``, answered with ``401`` +
``WWW-Authenticate: CredSSP <b64>`` until the last, which gets the 200. Inside the TLS
session: a TSRequest carrying SPNEGO (NTLM from ``NTLM_USER_FILE``, or Kerberos from
``KRB5_KTNAME`` when the client has a ticket-granting path), the public-key binding, then
the client's delegated credentials (``TSPasswordCreds``: the user's plain password, which
is the point of CredSSP and the reason to use it only with a trusted server). The acceptor is
pyspnego's (``spnego.server(protocol="credssp")``), which says of itself that it is meant for
testing; the simulator checks that the delegated user and password are the host's.

Message encryption over HTTP uses ``application/HTTP-CredSSP-session-encrypted`` (bodies over
16 KiB, which pywinrm splits into ``multipart/x-multi-encrypted`` parts, are not simulated);
over HTTPS there is none. Registered as the scheme ``credssp`` when imported.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import spnego
import spnego.tls
from spnego.exceptions import SpnegoError

from winsim.net import auth
from winsim.net.negotiate import same_user

CREDSSP = "credssp"
CREDSSP_PROTOCOL = "application/HTTP-CredSSP-session-encrypted"

LOG = logging.getLogger("winsim")
_TLS_CONTEXT: spnego.tls.CredSSPTLSContext | None = None


def tls_context() -> spnego.tls.CredSSPTLSContext:
    """The acceptor's inner TLS context (a self-signed certificate, as Windows' CredSSP uses one of its own)."""
    global _TLS_CONTEXT  # pylint: disable=global-statement
    if _TLS_CONTEXT is None:
        context = spnego.tls.default_tls_context(usage="accept")
        cert_pem, key_pem, public_key = spnego.tls.generate_tls_certificate()
        directory = tempfile.mkdtemp(prefix="winsim-credssp-")
        try:
            path = Path(directory) / "credssp.pem"
            path.touch(mode=0o600)
            path.write_bytes(cert_pem + key_pem)
            context.context.load_cert_chain(str(path))
        finally:
            for child in Path(directory).iterdir():
                child.unlink()
            os.rmdir(directory)
        context.public_key = public_key
        _TLS_CONTEXT = context
    return _TLS_CONTEXT


class CredSSPAcceptor(auth.SpnegoContextAcceptor):
    """CredSSP state of one TCP connection."""

    connection_bound = True

    def __init__(self, host: auth.HostAuth, scheme: auth.Scheme) -> None:
        super().__init__(host, scheme)
        self._context: spnego.ContextProxy | None = None
        self.legs = 0

    @property
    def encryption_protocol(self) -> str | None:
        return CREDSSP_PROTOCOL if self._context is not None and self.user is not None else None

    def accept(self, word: str, token: str) -> auth.AuthResult:
        try:
            raw = base64.b64decode(token, validate=True)
        except binascii.Error:
            return self.deny()
        settings = self.host.settings.get(self.scheme.name, {})
        if settings.get("user_file"):
            # The inner SPNEGO/NTLM exchange reads the NTLM credential file (Kerberos inside CredSSP: the keytab).
            os.environ["NTLM_USER_FILE"] = str(settings["user_file"])
        if self._context is None or self.user is not None:
            self.user = None
            self.legs = 0
            self._context = spnego.server(protocol="credssp", credssp_tls_context=tls_context())
        self.legs += 1
        try:
            reply = self._context.step(raw)
        except SpnegoError as exc:
            LOG.info("credssp authentication failed: %s", exc)
            self._context = None
            return self.deny()
        if not self._context.complete:
            return auth.AuthResult(False, headers=[("WWW-Authenticate", f"CredSSP {base64.b64encode(reply or b'').decode()}")])
        credential = self._context.get_extra_info("client_credential")
        username = str(getattr(credential, "username", "") or "")
        password = str(getattr(credential, "password", "") or "")
        if self.host.refuses(self.scheme.name) or not same_user(username, self.host.username) or password != self.host.password:
            LOG.info("credssp: the delegated credential is not the host's user")
            self._context = None
            return self.deny()
        self.user = self.host.username
        headers = [("WWW-Authenticate", f"CredSSP {base64.b64encode(reply).decode()}")] if reply else []
        return auth.AuthResult(True, self.user, headers)


def _prepare(credentials: Sequence[tuple[str, str]], directory: Path) -> Mapping[str, object]:
    # NTLM inside CredSSP authenticates against the same kind of credential file as Negotiate.
    (directory / "credssp").mkdir(mode=0o700, exist_ok=True)
    return {"user_file": auth.write_user_file(directory / "credssp", credentials)}


SCHEME = auth.register_scheme(auth.Scheme(
    name=CREDSSP, words=("CredSSP",), challenge="CredSSP", acceptor=CredSSPAcceptor, client_transport="credssp",
    offer_order=40, windows_default=False, prepare=_prepare,
))
