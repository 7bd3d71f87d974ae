# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""What a fleet needs beyond its WS-Management listeners, per connection and authentication (issue 15).

:class:`FleetConnections` is owned by the :class:`~winsim.fleet.server.FleetServer`:

* **Kerberos** (a host whose ``auth`` offers ``kerberos``): a throw-away MIT realm
  (:class:`winsim.net.kerberos.KerberosRealm`) in ``STATE/krb5`` with ``HTTP/<address>`` (winrm)
  and ``WSMAN/<address>`` (psrp) for every address of such a host, and each of their accounts
  with its password; its KDC is stopped (by PID) when the fleet stops. The acceptor's
  environment (keytab, no replay cache) is set in this process; :attr:`client_env` is what
  ``ansible-playbook`` needs (``KRB5_CONFIG``), written to the ready file as ``env``.
* **Certificates** (``auth`` offers ``certificate``): one client certificate per account, signed
  by the fleet's CA, in ``STATE/certs`` (key mode 0600), mapped to the account; the HTTPS
  listeners ask for client certificates.
* **ssh** (``connection: ssh``): one client key pair for the fleet in ``STATE/ssh``
  (``id_ed25519``, mode 0600, and ``id_ed25519.pub``), an OpenSSH listener per host
  (:mod:`winsim.ssh.server`, host key generated at start) and ``STATE/ssh/known_hosts`` with
  every host key, so the inventory keeps host key checking on.

All of it is removed when the fleet stops.

:func:`inventory_vars` turns a host into the ``ansible_*`` variables of its connection.
"""

from __future__ import annotations

import logging
import os
import shutil
import ssl
from collections.abc import Mapping
from pathlib import Path

from winsim.fleet.fleet import HTTPS, PSRP, SSH, HostSpec
from winsim.net import clientcert, kerberos

LOG = logging.getLogger("winsim")

KERBEROS_SCHEME = "kerberos"
CERTIFICATE_SCHEME = "certificate"
SSH_DIR, KRB5_DIR, CERTS_DIR = "ssh", "krb5", "certs"
#: psrp's names (pypsrp ``auth``) for the client transport of the host's preferred scheme: NTLM goes as psrp's
#: default ``negotiate`` (SPNEGO-wrapped NTLM, which a Windows Negotiate listener takes like raw NTLM)
_PSRP_AUTH = {"basic": "basic", "ntlm": "negotiate", "kerberos": "kerberos", "credssp": "credssp", "certificate": "certificate"}


class FleetConnections:
    """The realm, client certificates and ssh listeners of one fleet (see the module docstring)."""

    def __init__(self, hosts: list[HostSpec], state_dir: Path) -> None:
        self.hosts = hosts
        self.state_dir = state_dir
        self.realm: kerberos.KerberosRealm | None = None
        self.client_certificates: dict[str, clientcert.ClientCertificate] = {}
        self.ssh_key_file: Path | None = None
        self.known_hosts_file: Path | None = None
        self._ssh_public_key = ""
        self._ssh_listeners: list[object] = []
        self._known_hosts: list[str] = []
        self._saved_env: dict[str, str | None] = {}

    # ---- set-up before the listeners ----------------------------------------------------------------------------

    @property
    def client_env(self) -> dict[str, str]:
        """Environment a client process needs for this fleet (the ready file's ``env``)."""
        return dict(self.realm.client_env) if self.realm is not None else {}

    def prepare(self, settings: dict[str, Mapping[str, object]], ca: object | None) -> None:
        """Start the realm, issue client certificates, make the ssh key; fill the schemes' settings."""
        kerberos_hosts = [host for host in self.hosts if KERBEROS_SCHEME in host.auth_schemes]
        if kerberos_hosts:
            self._start_realm(kerberos_hosts, settings)
        certificate_hosts = [host for host in self.hosts if CERTIFICATE_SCHEME in host.auth_schemes]
        if certificate_hosts and ca is not None:
            mappings: dict[str, str] = {}
            for user in dict.fromkeys(host.username for host in certificate_hosts):
                issued = clientcert.issue_client_certificate(ca, user)  # type: ignore[arg-type]
                clientcert.write_client_certificate(issued, self.state_dir / CERTS_DIR)
                self.client_certificates[user.lower()] = issued
                mappings[issued.fingerprint] = user
            settings[CERTIFICATE_SCHEME] = {**settings.get(CERTIFICATE_SCHEME, {}), "mappings": mappings}
        if any(host.connection == SSH for host in self.hosts):
            self._make_ssh_key()

    def _start_realm(self, hosts: list[HostSpec], settings: dict[str, Mapping[str, object]]) -> None:
        services = []
        for address in dict.fromkeys(host.address for host in hosts):
            services += [f"HTTP/{address}", f"WSMAN/{address}"]
        users = {host.username: host.password for host in hosts}
        self.realm = kerberos.KerberosRealm(self.state_dir / KRB5_DIR).start(services=services, users=users)
        for name, value in self.realm.acceptor_env.items():
            self._saved_env.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        settings[KERBEROS_SCHEME] = {**settings.get(KERBEROS_SCHEME, {}), "env": self.realm.acceptor_env,
                                     "realm": self.realm.realm}
        LOG.info("Kerberos realm %s: KDC pid %s on 127.0.0.1:%s, %d service principals", self.realm.realm,
                 self.realm.pid, self.realm.port, len(services))

    def _make_ssh_key(self) -> None:
        import asyncssh  # test-only dependency, needed only by fleets with ssh hosts

        directory = self.state_dir / SSH_DIR
        directory.mkdir(parents=True, exist_ok=True)
        key = asyncssh.generate_private_key("ssh-ed25519", comment="winsim client key")
        self.ssh_key_file = directory / "id_ed25519"
        self.ssh_key_file.unlink(missing_ok=True)
        descriptor = os.open(self.ssh_key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key.export_private_key("openssh"))
        self._ssh_public_key = key.export_public_key("openssh").decode().strip()
        (directory / "id_ed25519.pub").write_text(self._ssh_public_key + "\n", encoding="utf-8")
        self.known_hosts_file = directory / "known_hosts"
        self.known_hosts_file.write_text("", encoding="utf-8")

    def tls_context(self, context: ssl.SSLContext, ca_pem: bytes) -> None:
        """Let HTTPS listeners ask for client certificates when a host maps one."""
        if any(CERTIFICATE_SCHEME in host.auth_schemes for host in self.hosts):
            clientcert.request_client_certificates(context, ca_pem)

    # ---- ssh listeners -----------------------------------------------------------------------------------------

    async def start_ssh(self, host: object) -> int:
        """Start the OpenSSH listener of a ``connection: ssh`` host (a SimulatedHost); return its port."""
        from winsim.ssh.server import SshAccount, SshListener  # asyncssh: only for fleets with ssh hosts

        spec: HostSpec = host.spec  # type: ignore[attr-defined]
        methods = (spec.auth,)
        account = SshAccount(spec.username, spec.password, [self._ssh_public_key] if spec.auth == "publickey" else [],
                             methods=methods, refuse=spec.fault_kind == "refuse_credentials")
        listener = SshListener(host.context, host.stats, account, default_shell=spec.default_shell)  # type: ignore[attr-defined]
        port = await listener.start(spec.address, spec.port)
        self._ssh_listeners.append(listener)
        self._known_hosts.append(listener.known_hosts_line())
        if self.known_hosts_file is not None:
            self.known_hosts_file.write_text("\n".join(self._known_hosts) + "\n", encoding="utf-8")
        return port

    # ---- shutdown ---------------------------------------------------------------------------------------------

    async def stop(self) -> None:
        """Close the ssh listeners, stop the KDC, remove the keys, keytab and certificates this fleet wrote."""
        for listener in self._ssh_listeners:
            await listener.stop()  # type: ignore[attr-defined]
        self._ssh_listeners.clear()
        self.stop_realm()
        for name in (KRB5_DIR, CERTS_DIR, SSH_DIR):
            shutil.rmtree(self.state_dir / name, ignore_errors=True)

    def stop_realm(self) -> None:
        if self.realm is not None:
            self.realm.stop()
            self.realm = None
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()

    # ---- inventory ---------------------------------------------------------------------------------------------

    def files(self) -> dict[str, object]:
        """What :func:`inventory_vars` needs to know about this fleet's files."""
        return {
            "realm": self.realm.realm if self.realm is not None else None,
            "ssh_key": str(self.ssh_key_file) if self.ssh_key_file else None,
            "known_hosts": str(self.known_hosts_file) if self.known_hosts_file else None,
            "client_certificates": {user: (str(item.cert_file), str(item.key_file))
                                    for user, item in self.client_certificates.items()},
        }


def _user(host: HostSpec, files: Mapping[str, object]) -> str:
    realm = files.get("realm")
    if host.auth == "kerberos" and realm:
        return f"{host.username}@{realm}"
    return host.username


def inventory_vars(host: HostSpec, address: str, port: int, ca_file: Path | None,
                   files: Mapping[str, object] | None = None) -> dict[str, object]:
    """The ``ansible_*`` variables of one host, for its connection and preferred authentication."""
    files = files or {}
    if host.connection == SSH:
        variables: dict[str, object] = {
            "ansible_connection": "ssh",
            "ansible_shell_type": "cmd" if host.default_shell == "cmd" else "powershell",
            "ansible_host": address,
            "ansible_port": port,
            "ansible_user": host.username,
            # Host keys are checked against the fleet's known_hosts; no ControlMaster, so each task authenticates
            # (ControlPersist would reuse a connection for 60 s, hiding a changed password or key).
            "ansible_ssh_host_key_checking": True,
            "ansible_ssh_args": "-o ControlMaster=no",
            "ansible_ssh_common_args": f"-F /dev/null -o UserKnownHostsFile={files.get('known_hosts')} -o StrictHostKeyChecking=yes",
        }
        if host.auth == "publickey":
            variables["ansible_ssh_private_key_file"] = files.get("ssh_key")
        else:
            variables["ansible_password"] = host.password
        return variables
    certificates = dict(files.get("client_certificates") or {})  # type: ignore[call-overload]
    certificate = certificates.get(host.username.lower()) if host.auth == "certificate" else None
    if host.connection == PSRP:
        auth_name = _PSRP_AUTH.get(host.auth, host.auth)
        variables = {
            "ansible_connection": "psrp",
            "ansible_host": address,
            "ansible_port": port,
            "ansible_psrp_protocol": host.transport,
            "ansible_psrp_auth": auth_name,
            "ansible_user": _user(host, files),
        }
        if certificate is None:
            variables["ansible_password"] = host.password
        else:
            variables["ansible_psrp_certificate_pem"], variables["ansible_psrp_certificate_key_pem"] = certificate
        if host.transport == HTTPS:
            variables["ansible_psrp_cert_validation"] = "validate"
            if ca_file is not None:
                variables["ansible_psrp_ca_cert"] = str(ca_file)
        elif auth_name == "basic":
            # pypsrp forces message encryption over http by default, which Basic cannot do.
            variables["ansible_psrp_message_encryption"] = "never"
        if host.auth == "kerberos":
            variables["ansible_psrp_negotiate_service"] = "WSMAN"
        return variables
    variables = {
        "ansible_connection": "winrm",
        "ansible_host": address,
        "ansible_port": port,
        "ansible_winrm_scheme": host.transport,
        "ansible_winrm_transport": host.auth,
        "ansible_user": _user(host, files),
    }
    if certificate is None:
        variables["ansible_password"] = host.password
    else:
        variables["ansible_winrm_cert_pem"], variables["ansible_winrm_cert_key_pem"] = certificate
    if host.transport == HTTPS:
        variables["ansible_winrm_server_cert_validation"] = "validate"
        if ca_file is not None:
            variables["ansible_winrm_ca_trust_path"] = str(ca_file)
    if host.auth == "kerberos":
        # ansible runs kinit with a stripped environment: without this it reads /etc/krb5.conf, not the realm's.
        variables["ansible_winrm_kinit_env_vars"] = ["KRB5_CONFIG"]
    return variables
