# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""A throw-away Kerberos realm on loopback: Debian's MIT KDC in a private directory.

``winsim serve`` starts one whenever a host of its fleet authenticates with Kerberos
(:class:`KerberosRealm`). Nothing outside the realm's directory is read or written: its own
``kdc.conf`` (``KRB5_KDC_PROFILE``) and ``krb5.conf`` (``KRB5_CONFIG``), database, stash and
keytab; the KDC (``krb5kdc -n``, in the foreground, ended by PID) listens on 127.0.0.1 only,
on a port picked by the kernel, and ``/etc`` is never touched.

Principals: ``HTTP/<address>`` for every address a Kerberos host listens on (hosts that
differ only by port share one; MIT accepts an IP address as the host part) and one user
principal per Kerberos account of the fleet, with its password. The ``krb5.conf`` sets
``rdns = false`` and ``dns_canonicalize_hostname = false``: otherwise the client turns
``127.0.0.1`` into ``HTTP/localhost`` through /etc/hosts and asks for a ticket the realm
does not have.

What a client needs is :attr:`KerberosRealm.client_env` (``KRB5_CONFIG``); ansible's managed
``kinit`` runs with a stripped environment, so the inventory also sets
``ansible_winrm_kinit_env_vars: [KRB5_CONFIG]``. What the acceptor needs
(:attr:`KerberosRealm.acceptor_env`: the keytab as ``KRB5_KTNAME``, ``KRB5RCACHETYPE=none``
so no replay cache is written under /var/tmp) is set in the simulator's own environment.

Needs Debian's ``krb5-kdc`` (krb5kdc, kdb5_util), ``krb5-admin-server`` (kadmin.local) and
``krb5-user`` (kinit, for the clients); the acceptor side needs ``pyspnego[kerberos]``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from winsim.net.loopback import require_loopback

DEFAULT_REALM = "WINSIM.TEST"
_TOOLS = ("krb5kdc", "kdb5_util", "kadmin.local")
_SBIN = ("/usr/sbin", "/sbin", "/usr/local/sbin")


def _die_with_parent() -> None:
    """In the KDC's child process: SIGTERM when the process that started it dies, even by SIGKILL (Linux)."""
    try:
        import ctypes  # pylint: disable=import-outside-toplevel

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, 15)  # PR_SET_PDEATHSIG, SIGTERM
    except (OSError, AttributeError):
        pass


class KerberosUnavailable(RuntimeError):
    """The MIT KDC tools are not installed (Debian: krb5-kdc krb5-admin-server krb5-user)."""


def find_tool(name: str) -> str:
    """The path of an MIT Kerberos program (also looked for in the sbin directories, often off a user's PATH)."""
    found = shutil.which(name) or next((str(Path(d) / name) for d in _SBIN if (Path(d) / name).is_file()), None)
    if found is None:
        raise KerberosUnavailable(f"{name} not found: install Debian's krb5-kdc krb5-admin-server krb5-user "
                                  "(apt-get install krb5-kdc krb5-admin-server krb5-user)")
    return found


def missing_tools() -> list[str]:
    """The KDC programs that are not installed (empty when a realm can be started)."""
    missing = []
    for tool in _TOOLS:
        try:
            find_tool(tool)
        except KerberosUnavailable:
            missing.append(tool)
    return missing


def _free_port(address: str) -> int:
    """A port free for both TCP and UDP on ``address`` (the KDC listens on both)."""
    for _attempt in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind((address, 0))
            port = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind((address, port))
                except OSError:
                    continue
        return port
    raise OSError("no free port for the KDC")


class KerberosRealm:
    """An MIT KDC with its own realm in ``directory``: start(), principals, stop() (by PID)."""

    def __init__(self, directory: Path | None = None, *, realm: str = DEFAULT_REALM, address: str = "127.0.0.1") -> None:
        self.realm = realm
        self.address = require_loopback(address)
        self._own_directory = directory is None
        self.directory = Path(directory or tempfile.mkdtemp(prefix="winsim-krb5-")).resolve()
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.keytab = self.directory / "http.keytab"
        self.krb5_conf = self.directory / "krb5.conf"
        self.kdc_conf = self.directory / "kdc.conf"
        self.services: list[str] = []
        self.users: dict[str, str] = {}

    # ---- configuration ------------------------------------------------------------------------------------------

    @property
    def client_env(self) -> dict[str, str]:
        """What a client process (ansible-playbook, kinit, pywinrm) needs to find this realm."""
        return {"KRB5_CONFIG": str(self.krb5_conf)}

    @property
    def acceptor_env(self) -> dict[str, str]:
        """What the accepting side (the simulator) needs: the config, the keytab, no replay cache file."""
        return {"KRB5_CONFIG": str(self.krb5_conf), "KRB5_KTNAME": f"FILE:{self.keytab}", "KRB5RCACHETYPE": "none"}

    def principal(self, user: str) -> str:
        return f"{user}@{self.realm}"

    def _write_configs(self) -> None:
        db = self.directory / "principal"
        listen = f"{self.address}:{self.port}"
        self.kdc_conf.write_text(
            "[kdcdefaults]\n"
            f"    kdc_listen = {listen}\n"
            f"    kdc_tcp_listen = {listen}\n"
            "[realms]\n"
            f"    {self.realm} = {{\n"
            f"        database_name = {db}\n"
            f"        key_stash_file = {self.directory / 'stash'}\n"
            f"        acl_file = {self.directory / 'kadm5.acl'}\n"
            "        max_life = 10h 0m 0s\n"
            "        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal\n"
            "    }\n"
            "[logging]\n"
            f"    kdc = FILE:{self.directory / 'kdc.log'}\n",
            encoding="utf-8",
        )
        domain = self.realm.lower()
        self.krb5_conf.write_text(
            "[libdefaults]\n"
            f"    default_realm = {self.realm}\n"
            "    dns_lookup_kdc = false\n"
            "    dns_lookup_realm = false\n"
            "    dns_canonicalize_hostname = false\n"
            "    rdns = false\n"
            "    udp_preference_limit = 1\n"
            "    ignore_acceptor_hostname = true\n"
            "[realms]\n"
            f"    {self.realm} = {{\n"
            f"        kdc = {listen}\n"
            "    }\n"
            "[domain_realm]\n"
            f"    .{domain} = {self.realm}\n"
            f"    {domain} = {self.realm}\n",
            encoding="utf-8",
        )
        (self.directory / "kadm5.acl").write_text("", encoding="utf-8")

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(KRB5_CONFIG=str(self.krb5_conf), KRB5_KDC_PROFILE=str(self.kdc_conf))
        return env

    # ---- life cycle ----------------------------------------------------------------------------------------------

    def start(self, *, services: list[str], users: dict[str, str], timeout: float = 20.0) -> KerberosRealm:
        """Create the database with these service principals (``HTTP/127.0.0.1``) and users; start the KDC."""
        for tool in _TOOLS:
            find_tool(tool)
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        self.port = _free_port(self.address)
        self.services = list(dict.fromkeys(services))
        self.users = dict(users)
        self._write_configs()
        env = self._env()
        master = secrets.token_urlsafe(24)
        subprocess.run([find_tool("kdb5_util"), "create", "-s", "-r", self.realm, "-P", master], env=env, check=True,
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        commands = []
        for user, password in self.users.items():
            # kadmin.local reads its commands from stdin, so no password is on a command line.
            if any(character in password for character in "\"\n\r"):
                raise ValueError(f"the Kerberos password of {user} cannot hold a double quote or a line break")
            commands.append(f'addprinc -pw "{password}" {user}')
        for service in self.services:
            commands.append(f"addprinc -randkey {service}")
            commands.append(f"ktadd -k {self.keytab} {service}")
        result = subprocess.run([find_tool("kadmin.local"), "-r", self.realm], input="\n".join(commands) + "\n", env=env,
                                capture_output=True, text=True, timeout=60, check=False)
        if result.returncode != 0 or not self.keytab.is_file():
            raise RuntimeError(f"kadmin.local failed: {result.stderr.strip()[-2000:]}")
        log = (self.directory / "krb5kdc.out").open("wb")
        try:
            # Stopped by stop(), not by a with block: the KDC outlives this call.
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with
                [find_tool("krb5kdc"), "-n", "-r", self.realm], env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                output = (self.directory / "krb5kdc.out").read_text(errors="replace")
                raise RuntimeError(f"krb5kdc exited with {self.process.returncode}: {output[-2000:]}")
            try:
                with socket.create_connection((self.address, self.port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"krb5kdc did not listen on {self.address}:{self.port} within {timeout} s") from None
                time.sleep(0.02)
        return self

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def kinit(self, user: str, password: str, ccache: Path) -> subprocess.CompletedProcess:
        """Get a ticket into ``ccache`` (tests use it for ``kinit_mode: manual``)."""
        env = dict(os.environ, **self.client_env, KRB5CCNAME=f"FILE:{ccache}")
        return subprocess.run([find_tool("kinit"), self.principal(user)], input=password + "\n", env=env,
                              capture_output=True, text=True, timeout=30, check=False)

    def stop(self) -> None:
        """End the KDC by its PID and remove a directory the realm made itself."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
            self.process = None
        if self._own_directory:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> KerberosRealm:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
