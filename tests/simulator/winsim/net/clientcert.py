# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Certificate authentication over HTTPS: a client certificate mapped to a local account.

On Windows an administrator enables ``Service/Auth/Certificate``, trusts the issuing CA and
maps the certificate to a local user (``winrm create winrm/config/service/certmapping``,
by issuer and subject, the user's password stored with the mapping). The client sends its
certificate in the TLS handshake and ``Authorization:
http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual`` on the request.

Here the simulator's CA (:mod:`winsim.net.certs`) issues one client certificate per mapped
user (EKU clientAuth, SAN otherName UPN ``user@localhost`` as Windows' mapping wants it); the
listener asks for a client certificate (``CERT_OPTIONAL``, verified against that CA) and
maps it by the SHA-256 fingerprint of its DER to the user. A request without the header or
without a mapped certificate gets 401 with ``WWW-Authenticate:
http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual``. Registered as the scheme
``certificate`` when imported.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from winsim.net import auth
from winsim.net.certs import CertificateAuthority

CERTIFICATE = "certificate"
MUTUAL = "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual"
_UPN = ObjectIdentifier("1.3.6.1.4.1.311.20.2.3")


@dataclass
class ClientCertificate:
    """A client certificate and its key, written out for the client (``ansible_winrm_cert_pem`` ...)."""

    username: str
    cert_pem: bytes
    key_pem: bytes
    fingerprint: str
    cert_file: Path | None = None
    key_file: Path | None = None


def _der_utf8(text: str) -> bytes:
    data = text.encode("utf-8")
    return b"\x0c" + bytes([len(data)]) + data


def issue_client_certificate(ca: CertificateAuthority, username: str) -> ClientCertificate:
    """A certificate for ``username`` signed by the simulator's CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = _dt.datetime.now(_dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, username)]))
        .issuer_name(ca.name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(days=1)).not_valid_after(now + _dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.OtherName(_UPN, _der_utf8(f"{username}@localhost"))]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return ClientCertificate(username, certificate.public_bytes(serialization.Encoding.PEM), key_pem,
                             hashlib.sha256(der).hexdigest())


def write_client_certificate(certificate: ClientCertificate, directory: Path) -> ClientCertificate:
    """Write ``<user>-cert.pem`` and ``<user>-key.pem`` (mode 0600) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    certificate.cert_file = directory / f"{certificate.username}-cert.pem"
    certificate.key_file = directory / f"{certificate.username}-key.pem"
    certificate.cert_file.write_bytes(certificate.cert_pem)
    descriptor = os.open(certificate.key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(certificate.key_pem)
    return certificate


def request_client_certificates(context: ssl.SSLContext, ca_pem: bytes) -> None:
    """Make a listener's TLS context ask for (not require) a client certificate issued by the CA."""
    context.verify_mode = ssl.CERT_OPTIONAL
    context.load_verify_locations(cadata=ca_pem.decode("ascii"))


class CertificateAcceptor(auth.Acceptor):
    """One TLS connection: the client certificate it presented (``peer_certificate``, set by ConnectionAuth)."""

    connection_bound = False
    peer_certificate: bytes | None = None

    def accept(self, word: str, token: str) -> auth.AuthResult:
        if self.host.refuses(self.scheme.name) or word.strip().lower() != MUTUAL.lower():
            return self.deny()
        if not self.peer_certificate:
            return self.deny()
        mappings = dict(self.host.settings.get(self.scheme.name, {}).get("mappings") or {})
        user = mappings.get(hashlib.sha256(self.peer_certificate).hexdigest())
        if user is None or user.lower() != self.host.username.lower():
            return self.deny()
        self.user = self.host.username
        return auth.AuthResult(True, self.user)


def _prepare(credentials: Sequence[tuple[str, str]], directory: Path) -> Mapping[str, object]:
    # The certificates are issued by the fleet server once its CA exists (winsim.fleet.connections fills "mappings").
    return {"mappings": {}, "users": [user for user, dummy in credentials]}


SCHEME = auth.register_scheme(auth.Scheme(
    name=CERTIFICATE, words=(MUTUAL,), challenge=MUTUAL, acceptor=CertificateAcceptor, client_transport="certificate",
    offer_order=50, windows_default=False, prepare=_prepare, tokenless=True,
))
