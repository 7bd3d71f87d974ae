# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""HTTP authentication and WS-Man message encryption, as a Windows WinRM listener does them.

* ``basic``: every request carries ``Authorization: Basic``; a missing or wrong
  one gets 401 with ``WWW-Authenticate: Basic realm="WSMAN"`` and an empty body.
* ``ntlm``: connection-oriented Negotiate/NTLM with pyspnego's acceptor
  (``spnego.server(protocol="ntlm")``), which reads the credentials from the
  file named by ``NTLM_USER_FILE``; the authenticated user must be the host's
  user. Over HTTPS the channel binding (CBT) of the listener's certificate is
  required. Over HTTP the client may then encrypt every message
  (``multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted"``,
  MS-WSMV 2.2.9.1.1) and gets encrypted answers; unencrypted bodies are also
  accepted (``message_encryption=never``, as with AllowUnencrypted=true).
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

import spnego
from spnego.channel_bindings import GssChannelBindings
from spnego.exceptions import SpnegoError

BASIC = "basic"
NTLM = "ntlm"
KINDS = (BASIC, NTLM)

ENCRYPTED_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
ENCRYPTED_CONTENT_TYPE = f'multipart/encrypted;protocol="{ENCRYPTED_PROTOCOL}";boundary="Encrypted Boundary"'
_BOUNDARY = b"--Encrypted Boundary"

Headers = list[tuple[str, str]]


class EncryptionError(ValueError):
    """An encrypted body that cannot be opened (HTTP 400, as Windows answers)."""


def write_user_file(directory: Path, credentials: list[tuple[str, str]]) -> Path:
    """Write the NTLM acceptor's credential file (``:USER:PASSWORD`` lines, mode 0600) and return its path."""
    path = directory / "ntlm-users"
    path.touch(mode=0o600)
    lines = [f":{user}:{password}" for user, password in dict.fromkeys(credentials)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class HostAuth:
    """Authentication settings of one simulated host."""

    kind: str
    username: str
    password: str
    user_file: Path | None = None
    refuse: bool = False
    channel_binding: bytes | None = None

    def challenge_headers(self) -> Headers:
        """The WWW-Authenticate headers of a 401 from this host."""
        if self.kind == BASIC:
            return [("WWW-Authenticate", 'Basic realm="WSMAN"')]
        return [("WWW-Authenticate", "Negotiate")]

    def connection(self) -> ConnectionAuth:
        return ConnectionAuth(self)


@dataclass
class AuthResult:
    """``ok`` with the user, or a 401 with ``headers``."""

    ok: bool
    user: str | None = None
    headers: Headers = field(default_factory=list)


def _same_user(principal: str, expected: str) -> bool:
    name = principal.replace("/", "\\").rsplit("\\", 1)[-1].split("@", 1)[0]
    return name.lower() == expected.lower()


class ConnectionAuth:
    """Authentication state of one TCP connection."""

    def __init__(self, host: HostAuth) -> None:
        self.host = host
        self.user: str | None = None
        self._context: spnego.ContextProxy | None = None

    @property
    def can_encrypt(self) -> bool:
        return self._context is not None and self.user is not None

    def authenticate(self, authorization: str | None) -> AuthResult:
        if self.host.kind == BASIC:
            return self._basic(authorization)
        return self._negotiate(authorization)

    def _deny(self) -> AuthResult:
        return AuthResult(False, headers=self.host.challenge_headers())

    def _basic(self, authorization: str | None) -> AuthResult:
        scheme, dummy, token = (authorization or "").partition(" ")
        if scheme.lower() != "basic" or self.host.refuse:
            return self._deny()
        try:
            user, dummy, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return self._deny()
        if user.lower() != self.host.username.lower() or password != self.host.password:
            return self._deny()
        return AuthResult(True, self.host.username)

    def _negotiate(self, authorization: str | None) -> AuthResult:
        scheme, dummy, token = (authorization or "").partition(" ")
        if scheme.lower() not in ("negotiate", "ntlm") or not token.strip():
            return AuthResult(True, self.user) if self.user else self._deny()
        try:
            raw = base64.b64decode(token.strip(), validate=True)
        except binascii.Error:
            return self._deny()
        if self.host.user_file is not None:
            # pyspnego's acceptor reads the variable when created and at each step; several fleets may share a process.
            os.environ["NTLM_USER_FILE"] = str(self.host.user_file)
        # A NEGOTIATE message (type 1) always starts a new handshake on this connection.
        if self._context is None or raw[8:12] == b"\x01\x00\x00\x00":
            self.user = None
            bindings = GssChannelBindings(application_data=self.host.channel_binding) if self.host.channel_binding else None
            self._context = spnego.server(protocol="ntlm", channel_bindings=bindings)
        try:
            reply = self._context.step(raw)
        except SpnegoError:
            self._context = None
            return self._deny()
        if not self._context.complete:
            return AuthResult(False, headers=[("WWW-Authenticate", f"{scheme} {base64.b64encode(reply or b'').decode()}")])
        principal = str(self._context.client_principal or "")
        if self.host.refuse or not _same_user(principal, self.host.username):
            self._context = None
            return self._deny()
        self.user = self.host.username
        return AuthResult(True, self.user)

    # ---- message encryption (MS-WSMV 2.2.9.1.1) ---------------------------------------------------------------

    def unwrap(self, body: bytes) -> bytes:
        """Decrypt a ``multipart/encrypted`` request body."""
        if not self.can_encrypt or self._context is None:
            raise EncryptionError("encrypted message on a connection without an NTLM security context")
        parts = [part for part in body.split(_BOUNDARY + b"\r\n") if part]
        if len(parts) < 2:
            raise EncryptionError("expected two MIME parts")
        header, payload = parts[0], parts[1]
        if ENCRYPTED_PROTOCOL.encode() not in header or b"Length=" not in header:
            raise EncryptionError("first MIME part is not application/HTTP-SPNEGO-session-encrypted")
        try:
            expected = int(header.split(b"Length=")[1].strip())
        except ValueError:
            raise EncryptionError("bad OriginalContent Length") from None
        if payload.endswith(_BOUNDARY + b"--\r\n"):
            payload = payload[:-len(_BOUNDARY + b"--\r\n")]
        payload = payload.replace(b"\tContent-Type: application/octet-stream\r\n", b"", 1)
        if len(payload) < 4:
            raise EncryptionError("truncated encrypted payload")
        if struct.unpack("<i", payload[:4])[0] != 16:
            raise EncryptionError("an NTLM signature is 16 bytes")
        try:
            # The acceptor's unwrap takes the 16-byte signature followed by the sealed message, as sent.
            plain = self._context.unwrap(payload[4:]).data
        except SpnegoError as exc:
            raise EncryptionError(f"cannot decrypt: {exc}") from None
        if len(plain) != expected:
            raise EncryptionError("decrypted length does not match OriginalContent Length")
        return plain

    def wrap(self, plain: bytes) -> bytes:
        """Encrypt a response body in the same MIME framing."""
        if self._context is None:
            raise EncryptionError("no security context")
        sealed = self._context.wrap(plain, encrypt=True).data
        return (
            _BOUNDARY + b"\r\n"
            b"\tContent-Type: " + ENCRYPTED_PROTOCOL.encode() + b"\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + str(len(plain)).encode() + b"\r\n"
            + _BOUNDARY + b"\r\n"
            b"\tContent-Type: application/octet-stream\r\n"
            + struct.pack("<i", 16) + sealed + _BOUNDARY + b"--\r\n"
        )
