# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""HTTP authentication of a WinRM listener: a registry of schemes, and WS-Man message encryption.

A listener offers a *set* of schemes, as Windows' ``winrm/config/service/auth`` does (a
default listener: Negotiate on, Basic off; Kerberos, CredSSP and Certificate where
configured). A 401 carries one ``WWW-Authenticate`` header per offered scheme, in Windows'
order (``Negotiate``, ``Kerberos``, ``Basic realm="WSMAN"``, ``CredSSP``), and an empty body.
The ``Authorization`` header's first word picks the scheme that answers the request.

**The scheme registry.** Each scheme is a :class:`Scheme` registered by name with
:func:`register_scheme`; a listener names the schemes it offers (the fleet file's ``auth``).
A scheme is:

* ``name`` (the fleet-file name), ``words`` (the ``Authorization`` words it answers),
  ``challenge`` (its ``WWW-Authenticate`` value), ``offer_order`` (where that header goes),
  ``client_transport`` (pywinrm's / ``ansible_winrm_transport``'s name for it),
  ``windows_default`` (on in a default Windows listener);
* ``acceptor``: a factory ``(HostAuth, Scheme) -> Acceptor``, one per TCP connection. An
  :class:`Acceptor` answers each token with an :class:`AuthResult` (``ok`` and the user, or
  a 401 with continuation headers), says whether an authenticated connection needs no
  further ``Authorization`` (``connection_bound``), and, where it has a security context,
  seals and unseals message bodies (``encryption_protocol``, :meth:`Acceptor.seal`,
  :meth:`Acceptor.unseal`; the MIME framing of MS-WSMV 2.2.9.1.1 is done here, once);
* ``prepare`` (optional): called once per fleet with every ``(user, password)`` of the
  hosts that offer the scheme and a private directory; what it returns is handed to those
  hosts' acceptors as ``HostAuth.settings[name]`` (NTLM writes its credential file there).

A new scheme (Kerberos, CredSSP, certificates ...) lives in its own module that calls
:func:`register_scheme` when imported; nothing here needs editing.

Built in:

* ``basic``: every request carries ``Authorization: Basic``; a missing or wrong one gets
  the 401.
* ``negotiate``: connection-oriented Negotiate/NTLM with pyspnego's acceptor
  (``spnego.server(protocol="ntlm")``), which reads the credentials from the file named by
  ``NTLM_USER_FILE``; the authenticated user must be the host's user. Over HTTPS the
  channel binding (CBT) of the listener's certificate is required. Over HTTP the client may
  then encrypt every message (``multipart/encrypted;protocol="application/HTTP-SPNEGO-
  session-encrypted"``) and gets encrypted answers; unencrypted bodies are also accepted
  (``message_encryption=never``, as with AllowUnencrypted=true).

The fleet file's old one-word ``auth`` values are :data:`KINDS`: ``basic`` offers Basic
alone, ``ntlm`` offers Negotiate alone (:data:`LEGACY_SCHEMES`).
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import spnego
from spnego.channel_bindings import GssChannelBindings
from spnego.exceptions import SpnegoError

#: The fleet file's one-word ``auth`` values (kept as they were) and the schemes each offers.
BASIC = "basic"
NTLM = "ntlm"
KINDS = (BASIC, NTLM)
NEGOTIATE = "negotiate"
LEGACY_SCHEMES: dict[str, tuple[str, ...]] = {BASIC: (BASIC,), NTLM: (NEGOTIATE,)}

SPNEGO_ENCRYPTED = "application/HTTP-SPNEGO-session-encrypted"
ENCRYPTED_PROTOCOL = SPNEGO_ENCRYPTED
ENCRYPTED_CONTENT_TYPE = f'multipart/encrypted;protocol="{SPNEGO_ENCRYPTED}";boundary="Encrypted Boundary"'
_BOUNDARY = b"--Encrypted Boundary"

Headers = list[tuple[str, str]]


class EncryptionError(ValueError):
    """An encrypted body that cannot be opened (HTTP 400, as Windows answers)."""


def encrypted_content_type(protocol: str) -> str:
    """The Content-Type of an encrypted WS-Man message of ``protocol``."""
    return f'multipart/encrypted;protocol="{protocol}";boundary="Encrypted Boundary"'


# ---- the registry -------------------------------------------------------------------------------------------------

@dataclass
class AuthResult:
    """``ok`` with the user, or a 401 with ``headers`` (continuation tokens; empty: the listener's challenges)."""

    ok: bool
    user: str | None = None
    headers: Headers = field(default_factory=list)


@dataclass(frozen=True)
class Scheme:
    """One HTTP authentication scheme a listener can offer (see the module docstring)."""

    name: str
    words: tuple[str, ...]
    challenge: str
    acceptor: Callable[[HostAuth, Scheme], Acceptor]
    client_transport: str
    offer_order: int = 50
    windows_default: bool = False
    prepare: Callable[[Sequence[tuple[str, str]], Path], Mapping[str, object]] | None = None
    #: the Authorization header is the word alone, no token (certificate: ".../secprofile/https/mutual")
    tokenless: bool = False

    def answers(self, word: str) -> bool:
        return word.lower() in (candidate.lower() for candidate in self.words)


_SCHEMES: dict[str, Scheme] = {}


def register_scheme(scheme: Scheme) -> Scheme:
    """Add (or replace, by name) a scheme; fleet files may name it from then on."""
    _SCHEMES[scheme.name] = scheme
    return scheme


def unregister_scheme(name: str) -> None:
    _SCHEMES.pop(name, None)


def scheme(name: str) -> Scheme:
    """The registered scheme of that name (KeyError if none)."""
    return _SCHEMES[name]


def scheme_names() -> tuple[str, ...]:
    """Registered scheme names, in the order a listener offers them."""
    return tuple(item.name for item in sorted(_SCHEMES.values(), key=lambda item: (item.offer_order, item.name)))


def windows_default_schemes() -> tuple[str, ...]:
    """What a default Windows listener offers (today: Negotiate)."""
    return tuple(name for name in scheme_names() if _SCHEMES[name].windows_default)


def offer_order(names: Sequence[str]) -> tuple[str, ...]:
    """``names`` sorted the way a listener lists its WWW-Authenticate headers."""
    return tuple(sorted(dict.fromkeys(names), key=lambda name: (_SCHEMES[name].offer_order, name)))


def prepare_fleet(hosts: Sequence[tuple[Sequence[str], str, str]], directory: Path) -> dict[str, Mapping[str, object]]:
    """Run each scheme's ``prepare`` once for the hosts (schemes, user, password) that offer it."""
    settings: dict[str, Mapping[str, object]] = {}
    for name in scheme_names():
        item = _SCHEMES[name]
        credentials = [(user, password) for names, user, password in hosts if name in names]
        if item.prepare is not None and credentials:
            settings[name] = item.prepare(credentials, directory)
    return settings


# ---- a host's settings and one connection's state -----------------------------------------------------------------

@dataclass
class HostAuth:
    """Authentication settings of one simulated host's listener."""

    schemes: tuple[str, ...]
    username: str
    password: str
    #: fault refuse_credentials: 401 after every authentication, whatever the scheme
    refuse: bool = False
    #: schemes whose successful authentication still gets 401 (a local non-administrator over Basic)
    refuse_schemes: frozenset[str] = frozenset()
    #: the listener certificate's channel binding (tls-server-end-point) over HTTPS
    channel_binding: bytes | None = None
    #: per scheme, what its ``prepare`` returned for this fleet
    settings: dict[str, Mapping[str, object]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = [name for name in self.schemes if name not in _SCHEMES]
        if unknown or not self.schemes:
            raise ValueError(f"unknown authentication scheme(s) {unknown}; registered: {', '.join(scheme_names())}")
        self.schemes = offer_order(self.schemes)

    def offered(self) -> list[Scheme]:
        return [_SCHEMES[name] for name in self.schemes]

    def challenge_headers(self) -> Headers:
        """The WWW-Authenticate headers of a 401 from this listener, one per offered scheme."""
        return [("WWW-Authenticate", item.challenge) for item in self.offered()]

    def refuses(self, scheme_name: str) -> bool:
        return self.refuse or scheme_name in self.refuse_schemes

    def connection(self, peer_certificate: bytes | None = None) -> ConnectionAuth:
        """``peer_certificate``: the DER client certificate of an HTTPS connection, if the client sent one."""
        return ConnectionAuth(self, peer_certificate)


class Acceptor:
    """Per-connection state of one scheme. Subclasses implement :meth:`accept` (and sealing, if any)."""

    #: once authenticated, later requests on the same connection need no Authorization header
    connection_bound = False

    def __init__(self, host: HostAuth, scheme: Scheme) -> None:
        self.host = host
        self.scheme = scheme
        self.user: str | None = None

    def accept(self, word: str, token: str) -> AuthResult:
        raise NotImplementedError

    def deny(self) -> AuthResult:
        self.user = None
        return AuthResult(False)

    # Message encryption; None: this scheme has no security context to seal with.
    @property
    def encryption_protocol(self) -> str | None:
        return None

    def seal(self, plain: bytes) -> tuple[bytes, bytes]:
        """(signature header, sealed data) of a response body."""
        raise EncryptionError(f"{self.scheme.name} does not encrypt messages")

    def unseal(self, header: bytes, data: bytes) -> bytes:
        raise EncryptionError(f"{self.scheme.name} does not encrypt messages")


def _same_user(principal: str, expected: str) -> bool:
    name = principal.replace("/", "\\").rsplit("\\", 1)[-1].split("@", 1)[0]
    return name.lower() == expected.lower()


class ConnectionAuth:
    """Authentication state of one TCP connection: the offered schemes' acceptors, and the one that succeeded."""

    def __init__(self, host: HostAuth, peer_certificate: bytes | None = None) -> None:
        self.host = host
        self.user: str | None = None
        self.active: Acceptor | None = None
        self.peer_certificate = peer_certificate
        self._acceptors: dict[str, Acceptor] = {}
        #: the encrypted-body label the client used last (answers carry the same one)
        self._label: str | None = None

    @property
    def can_encrypt(self) -> bool:
        return self.active is not None and self.active.user is not None and self.active.encryption_protocol is not None

    @property
    def encrypted_content_type(self) -> str:
        protocol = self._label or (self.active.encryption_protocol if self.active is not None else None)
        return encrypted_content_type(protocol or SPNEGO_ENCRYPTED)

    def _deny(self) -> AuthResult:
        return AuthResult(False, headers=self.host.challenge_headers())

    def authenticate(self, authorization: str | None) -> AuthResult:
        word, dummy, token = (authorization or "").strip().partition(" ")
        tokenless = next((item for item in self.host.offered() if item.tokenless and item.answers(word)), None) if word else None
        if not word or (not token.strip() and tokenless is None):
            if self.active is not None and self.active.connection_bound and self.active.user:
                return AuthResult(True, self.active.user)
            return self._deny()
        chosen = next((item for item in self.host.offered() if item.answers(word)), None)
        if chosen is None:
            return self._deny()
        acceptor = self._acceptors.get(chosen.name)
        if acceptor is None:
            acceptor = self._acceptors[chosen.name] = chosen.acceptor(self.host, chosen)
            acceptor.peer_certificate = self.peer_certificate  # type: ignore[attr-defined]
        result = acceptor.accept(word, token.strip())
        if result.ok:
            self.active, self.user = acceptor, result.user
            return result
        if self.active is acceptor:
            self.active, self.user = None, None
        return result if result.headers else self._deny()

    # ---- message encryption (MS-WSMV 2.2.9.1.1) ---------------------------------------------------------------

    def unwrap(self, body: bytes) -> bytes:
        """Decrypt a ``multipart/encrypted`` request body."""
        if not self.can_encrypt or self.active is None:
            raise EncryptionError("encrypted message on a connection without a security context")
        protocol = str(self.active.encryption_protocol)
        parts = [part for part in body.split(_BOUNDARY + b"\r\n") if part]
        if len(parts) < 2:
            raise EncryptionError("expected two MIME parts")
        header, payload = parts[0], parts[1]
        # The label is the client's choice among what the scheme opens (Kerberos: pywinrm says SPNEGO, pypsrp Kerberos).
        labels = (protocol, *getattr(self.active, "encryption_protocols", ()))
        label = next((candidate for candidate in labels if candidate.encode() in header), None)
        if label is None or b"Length=" not in header:
            raise EncryptionError(f"first MIME part is not {protocol}")
        self._label = label
        try:
            expected = int(header.split(b"Length=")[1].strip())
        except ValueError:
            raise EncryptionError("bad OriginalContent Length") from None
        if payload.endswith(_BOUNDARY + b"--\r\n"):
            payload = payload[:-len(_BOUNDARY + b"--\r\n")]
        payload = payload.replace(b"\tContent-Type: application/octet-stream\r\n", b"", 1)
        if len(payload) < 4:
            raise EncryptionError("truncated encrypted payload")
        signature_length = struct.unpack("<i", payload[:4])[0]
        if signature_length <= 0 or signature_length > len(payload) - 4:
            raise EncryptionError("bad signature length")
        plain = self.active.unseal(payload[4:4 + signature_length], payload[4 + signature_length:])
        if len(plain) != expected:
            raise EncryptionError("decrypted length does not match OriginalContent Length")
        return plain

    def wrap(self, plain: bytes) -> bytes:
        """Encrypt a response body in the same MIME framing."""
        if self.active is None or self.active.encryption_protocol is None:
            raise EncryptionError("no security context")
        protocol = (self._label or self.active.encryption_protocol).encode()
        header, sealed = self.active.seal(plain)
        return (
            _BOUNDARY + b"\r\n"
            b"\tContent-Type: " + protocol + b"\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + str(len(plain)).encode() + b"\r\n"
            + _BOUNDARY + b"\r\n"
            b"\tContent-Type: application/octet-stream\r\n"
            + struct.pack("<i", len(header)) + header + sealed + _BOUNDARY + b"--\r\n"
        )


# ---- basic ------------------------------------------------------------------------------------------------------

class BasicAcceptor(Acceptor):
    """``Authorization: Basic`` on every request."""

    def accept(self, word: str, token: str) -> AuthResult:
        try:
            user, dummy, password = base64.b64decode(token, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return self.deny()
        if self.host.refuses(self.scheme.name):
            return self.deny()
        if not _same_user(user, self.host.username) or password != self.host.password:
            return self.deny()
        self.user = self.host.username
        return AuthResult(True, self.user)


# ---- negotiate (NTLM) -------------------------------------------------------------------------------------------

def write_user_file(directory: Path, credentials: Sequence[tuple[str, str]]) -> Path:
    """Write the NTLM acceptor's credential file (``:USER:PASSWORD`` lines, mode 0600) and return its path."""
    path = directory / "ntlm-users"
    path.touch(mode=0o600)
    lines = [f":{user}:{password}" for user, password in dict.fromkeys(credentials)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _prepare_ntlm(credentials: Sequence[tuple[str, str]], directory: Path) -> Mapping[str, object]:
    return {"user_file": write_user_file(directory, credentials)}


class SpnegoContextAcceptor(Acceptor):
    """An acceptor whose pyspnego context (``self._context``) seals and unseals the messages (MS-WSMV 2.2.9.1)."""

    _context = None

    def seal(self, plain: bytes) -> tuple[bytes, bytes]:
        if self._context is None:
            raise EncryptionError("no security context")
        wrapped = self._context.wrap_winrm(plain)
        return wrapped.header, wrapped.data

    def unseal(self, header: bytes, data: bytes) -> bytes:
        if self._context is None:
            raise EncryptionError("no security context")
        try:
            return self._context.unwrap_winrm(header, data)
        except SpnegoError as exc:
            raise EncryptionError(f"cannot decrypt: {exc}") from None


class NegotiateAcceptor(SpnegoContextAcceptor):
    """Negotiate/NTLM over HTTP: a handshake of several round trips, then the connection stays authenticated."""

    connection_bound = True

    def __init__(self, host: HostAuth, scheme: Scheme) -> None:
        super().__init__(host, scheme)
        self._context: spnego.ContextProxy | None = None

    @property
    def encryption_protocol(self) -> str | None:
        return SPNEGO_ENCRYPTED if self._context is not None and self.user is not None else None

    def accept(self, word: str, token: str) -> AuthResult:
        try:
            raw = base64.b64decode(token, validate=True)
        except binascii.Error:
            return self.deny()
        user_file = self.host.settings.get(self.scheme.name, {}).get("user_file")
        if user_file is not None:
            # pyspnego's acceptor reads the variable when created and at each step; several fleets may share a process.
            os.environ["NTLM_USER_FILE"] = str(user_file)
        # A NEGOTIATE message (type 1), or any token after a finished handshake, starts a new one on this connection.
        if self._context is None or self._context.complete or raw[8:12] == b"\x01\x00\x00\x00":
            self.user = None
            bindings = GssChannelBindings(application_data=self.host.channel_binding) if self.host.channel_binding else None
            # Raw NTLM (requests-ntlm, pypsrp auth=ntlm) gets the NTLM acceptor; SPNEGO (pypsrp's default negotiate,
            # which wraps NTLM) the Negotiate one, which answers in SPNEGO as Windows does.
            protocol = "ntlm" if raw.startswith(b"NTLMSSP\x00") else "negotiate"
            self._context = spnego.server(protocol=protocol, channel_bindings=bindings)
        try:
            reply = self._context.step(raw)
        except SpnegoError:
            self._context = None
            return self.deny()
        if not self._context.complete:
            return AuthResult(False, headers=[("WWW-Authenticate", f"{word} {base64.b64encode(reply or b'').decode()}")])
        principal = str(self._context.client_principal or "")
        if self.host.refuses(self.scheme.name) or not _same_user(principal, self.host.username):
            self._context = None
            return self.deny()
        self.user = self.host.username
        # SPNEGO ends with the acceptor's accept-completed token (and mechListMIC): the client's context is
        # incomplete without it (pypsrp's default negotiate); raw NTLM has no final token.
        return AuthResult(True, self.user, [("WWW-Authenticate", f"{word} {base64.b64encode(reply).decode()}")] if reply else [])


register_scheme(Scheme(name=NEGOTIATE, words=("Negotiate", "NTLM"), challenge="Negotiate", acceptor=NegotiateAcceptor,
                       client_transport="ntlm", offer_order=10, windows_default=True, prepare=_prepare_ntlm))
register_scheme(Scheme(name=BASIC, words=("Basic",), challenge='Basic realm="WSMAN"', acceptor=BasicAcceptor,
                       client_transport="basic", offer_order=30, windows_default=False))
