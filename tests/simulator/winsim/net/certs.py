# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Certificates for the HTTPS listeners, generated at start.

* a CA, written out so clients can validate (``ansible_winrm_ca_trust_path``);
* a server certificate signed by it, with a SAN for every simulated address
  and for ``localhost`` - it passes ``server_cert_validation: validate``;
* for fault tests: ``untrusted`` (same SANs, signed by a second CA that is
  never written out) and ``wrong_name`` (signed by the real CA, but its only
  name is ``wrong-name.winsim.invalid``).

Keys are RSA 2048 with SHA-256 signatures, as a Windows listener certificate
usually is; NTLM channel binding hashes the server certificate with SHA-256.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID = "valid"
UNTRUSTED = "untrusted"
WRONG_NAME = "wrong_name"
KINDS = (VALID, UNTRUSTED, WRONG_NAME)


@dataclass
class ServerCertificate:
    """A certificate with its key, as PEM, plus the NTLM channel-binding value."""

    cert_pem: bytes
    key_pem: bytes
    cert_der: bytes

    @property
    def channel_binding(self) -> bytes:
        """``tls-server-end-point:`` + hash of the DER certificate (RFC 5929; SHA-256 for SHA-256 signatures)."""
        digest = hashes.Hash(hashes.SHA256())
        digest.update(self.cert_der)
        return b"tls-server-end-point:" + digest.finalize()

    def ssl_context(self, directory: Path, name: str) -> ssl.SSLContext:
        """A server-side SSLContext (the key is written to ``directory`` because ssl wants files)."""
        cert_file = directory / f"{name}.crt"
        key_file = directory / f"{name}.key"
        cert_file.write_bytes(self.cert_pem)
        key_file.touch(mode=0o600)
        key_file.write_bytes(self.key_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert_file, key_file)
        return context


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "winsim"), x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


class CertificateAuthority:
    """A self-signed CA that issues server certificates."""

    def __init__(self, common_name: str) -> None:
        self.key = _key()
        now = _dt.datetime.now(_dt.timezone.utc)
        self.name = _name(common_name)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(self.name).issuer_name(self.name).public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _dt.timedelta(days=1)).not_valid_after(now + _dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def issue(self, common_name: str, dns_names: list[str], ip_addresses: list[str], key: rsa.RSAPrivateKey) -> ServerCertificate:
        now = _dt.datetime.now(_dt.timezone.utc)
        alternative_names: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
        alternative_names += [x509.IPAddress(ipaddress.ip_address(address)) for address in ip_addresses]
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name)).issuer_name(self.name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _dt.timedelta(days=1)).not_valid_after(now + _dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption())
        return ServerCertificate(certificate.public_bytes(serialization.Encoding.PEM), key_pem,
                                 certificate.public_bytes(serialization.Encoding.DER))


class CertificateSet:
    """The CA and the server certificates one fleet needs, created lazily per kind."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = sorted(set(addresses) | {"127.0.0.1"})
        self.ca = CertificateAuthority("winsim test CA")
        self._server_key = _key()
        self._issued: dict[str, ServerCertificate] = {}

    def certificate(self, kind: str) -> ServerCertificate:
        if kind not in self._issued:
            if kind == VALID:
                issued = self.ca.issue("winsim", ["localhost"], self.addresses, self._server_key)
            elif kind == UNTRUSTED:
                issued = CertificateAuthority("winsim unpublished CA").issue("winsim", ["localhost"], self.addresses, self._server_key)
            elif kind == WRONG_NAME:
                issued = self.ca.issue("wrong-name.winsim.invalid", ["wrong-name.winsim.invalid"], [], self._server_key)
            else:
                raise ValueError(f"unknown certificate kind {kind!r}; expected one of {', '.join(KINDS)}")
            self._issued[kind] = issued
        return self._issued[kind]
