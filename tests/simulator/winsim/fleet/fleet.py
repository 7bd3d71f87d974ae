# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Fleet files: which hosts to simulate, how to reach them, what they hold, how they fail.

A fleet file (YAML) has ``hosts`` (required) and optionally ``defaults`` (any
host field except the per-host ones), ``profiles_dir`` (relative to the file)
and ``first_address`` (where loopback allocation starts, default 127.0.0.2).
Every value is checked; a bad one is refused with a message naming the host
and the field, e.g. ``fleet.yml: hosts[3] (win-004): field 'auth': expected
one of basic, ntlm, got 'kerberos'``. See README.md for the field reference.

:class:`FleetBuilder` builds the same structure from Python (pytest fixtures,
benchmarks) and goes through the same validation.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from winsim.errors import ConfigError
from winsim.fleet import faults
from winsim.fleet.faults import Fault
from winsim.fleet.profiles import CimData, ProfileLibrary, parse_cim_block
from winsim.net import auth, certs
from winsim.net.loopback import NotLoopbackError, allocate_addresses, require_loopback

HTTP, HTTPS = "http", "https"
TRANSPORTS = (HTTP, HTTPS)
LOOPBACK, EPHEMERAL = "loopback", "ephemeral"
LISTEN_MODES = (LOOPBACK, EPHEMERAL)
DEFAULT_PORTS = {HTTP: 5985, HTTPS: 5986}
#: How ansible reaches the host (issue 15): WinRS over WS-Management, PowerShell remoting over WS-Management, OpenSSH.
WINRM, PSRP, SSH = "winrm", "psrp", "ssh"
CONNECTIONS = (WINRM, PSRP, SSH)
#: ssh: authentication (``auth``) and the account's DefaultShell (``default_shell``)
SSH_AUTH_KINDS = ("publickey", "password")
DEFAULT_SHELLS = ("powershell", "cmd")
SSH_PORT = 22
DEFAULT_USERNAME = "simadmin"
DEFAULT_FIRST_ADDRESS = "127.0.0.2"
MAX_COUNT = 10000

_SHARED_FIELDS = ("auth", "transport", "certificate", "username", "password", "listen", "port", "profile", "fault", "fault_options",
                  "connection", "default_shell")
HOST_FIELDS = ("name", "address", "cim", "overrides", "expect", "count", "start", "profiles") + _SHARED_FIELDS
TOP_FIELDS = ("defaults", "hosts", "profiles_dir", "first_address")
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
# Inventory host names, deliberately permissive: tests feed hostile names (HTML, CSV formula
# prefixes, quotes, non-ASCII) through the whole audit. Excluded are control characters, and
# ':', '[', ']' and ',', which Ansible's inventory would read as a port, a range or a list.
_HOST_NAME_EXPECTED = "an inventory host name (1-255 characters, no control characters, ':', '[', ']' or ',', no surrounding spaces)"
_HOST_NAME = re.compile(r"^(?=\S)[^\x00-\x1f\x7f:\[\],]{1,255}(?<=\S)$")


@dataclass
class HostSpec:
    """One simulated host, fully resolved."""

    name: str
    auth: str
    transport: str
    username: str
    password: str
    address: str
    port: int
    cim: CimData
    certificate: str = certs.VALID
    listen: str = LOOPBACK
    profile: str | None = None
    expect: dict[str, object] = field(default_factory=dict)
    fault: Fault | None = None
    #: the schemes the listener offers (winsim.net.auth registry names); ``auth`` is the client
    #: transport of the preferred one (``basic``, ``ntlm``: what the inventory's ansible_winrm_transport says)
    auth_schemes: tuple[str, ...] = ()
    #: winrm | psrp (both served by the host's WS-Management listener) | ssh (an OpenSSH listener instead)
    connection: str = WINRM
    #: ssh only: the OpenSSH DefaultShell, powershell or cmd
    default_shell: str = "powershell"

    def __post_init__(self) -> None:
        if self.connection == SSH:
            self.auth_schemes = ()
        elif not self.auth_schemes:
            self.auth_schemes = auth.LEGACY_SCHEMES.get(self.auth, (self.auth,))

    @property
    def fault_kind(self) -> str | None:
        return self.fault.kind if self.fault else None

    @property
    def listening(self) -> bool:
        return self.fault_kind != faults.NOT_LISTENING


@dataclass
class FleetSpec:
    """A validated fleet."""

    hosts: list[HostSpec]
    source: str = "fleet"
    profiles_dir: Path | None = None

    def host(self, name: str) -> HostSpec:
        for host in self.hosts:
            if host.name == name:
                return host
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [host.name for host in self.hosts]


# ---- field checks ----------------------------------------------------------------------------------------------

def _choice(value: object, choices: tuple[str, ...], where: str, name: str) -> str:
    if value not in choices:
        raise ConfigError(f"{where}: field '{name}': expected one of {', '.join(choices)}, got {value!r}")
    return str(value)


def _string(value: object, where: str, name: str, pattern: re.Pattern[str] | None = None, expected: str = "a string") -> str:
    if not isinstance(value, str) or not value or (pattern is not None and not pattern.match(value)):
        raise ConfigError(f"{where}: field '{name}': expected {expected}, got {value!r}")
    return value


def _integer(value: object, where: str, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{where}: field '{name}': expected an integer in {low}..{high}, got {value!r}")
    return value


def _auth(value: object, where: str) -> tuple[str, tuple[str, ...]]:
    """The ``auth`` field: (client transport of the preferred scheme, the schemes the listener offers).

    ``basic`` / ``ntlm`` (one scheme, as before); a list of scheme names (``[negotiate, basic]``,
    the first listed is the one the inventory tells ansible to use); or a mapping like
    Windows' ``winrm/config/service/auth`` (``{basic: true}``), where what is not given keeps
    Windows' default (Negotiate on, Basic off).
    """
    known = auth.scheme_names()
    if isinstance(value, str) and value in auth.LEGACY_SCHEMES:
        return value, auth.LEGACY_SCHEMES[value]
    if isinstance(value, str) and value in known:
        # One scheme by its name (negotiate, kerberos, credssp, certificate, ...): the listener offers it alone.
        return auth.scheme(value).client_transport, (value,)
    if isinstance(value, str) or value is None:
        words = [*auth.KINDS, *(name for name in known if name not in auth.KINDS)]
        raise ConfigError(f"{where}: field 'auth': expected one of {', '.join(words)}, or a list or mapping of schemes, "
                          f"got {value!r}")
    if isinstance(value, list):
        if not value:
            raise ConfigError(f"{where}: field 'auth': expected at least one scheme name ({', '.join(known)}), got []")
        for index, item in enumerate(value):
            if item not in known:
                raise ConfigError(f"{where}: field 'auth[{index}]': expected a scheme name, one of {', '.join(known)}, got {item!r}")
        if len(set(value)) != len(value):
            raise ConfigError(f"{where}: field 'auth': a scheme is listed twice in {value!r}")
        return auth.scheme(str(value[0])).client_transport, auth.offer_order([str(item) for item in value])
    elif isinstance(value, Mapping):
        enabled = dict.fromkeys(auth.windows_default_schemes(), True)
        for key, flag in value.items():
            if key not in known:
                raise ConfigError(f"{where}: field 'auth.{key}': expected a scheme name, one of {', '.join(known)}")
            if not isinstance(flag, bool):
                raise ConfigError(f"{where}: field 'auth.{key}': expected true or false, got {flag!r}")
            enabled[str(key)] = flag
        names = auth.offer_order([name for name, flag in enabled.items() if flag])
        if not names:
            raise ConfigError(f"{where}: field 'auth': every scheme is turned off; the listener would accept nobody")
    else:
        raise ConfigError(f"{where}: field 'auth': expected basic, ntlm, a list of scheme names or a mapping, "
                          f"got {type(value).__name__}")
    return auth.scheme(names[0]).client_transport, names


def _password(value: object, where: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 127 or any(char in value for char in ":\r\n"):
        shown = "a non-string value" if not isinstance(value, str) else "an empty or unusable value"
        raise ConfigError(f"{where}: field 'password': expected a non-empty string of at most 127 characters without "
                          f"':' or line breaks (the NTLM credential file cannot hold them), got {shown}")
    return value


def _address(value: object, where: str, name: str = "address") -> str:
    try:
        return require_loopback(str(value))
    except NotLoopbackError as exc:
        raise ConfigError(f"{where}: field '{name}': {exc}") from None


def _mapping(value: object, where: str, name: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: field '{name}': expected a mapping, got {type(value).__name__}")
    return value


# ---- parsing ---------------------------------------------------------------------------------------------------

@dataclass
class _Entry:
    """A host entry after defaults were applied, before allocation."""

    name: str
    where: str
    values: dict[str, object]
    profile: object


def _expand(index: int, raw: Mapping[str, object], defaults: Mapping[str, object], source: str) -> list[_Entry]:
    name = raw.get("name")
    where = f"{source}: hosts[{index}] ({name})" if name else f"{source}: hosts[{index}]"
    unknown = [key for key in raw if key not in HOST_FIELDS]
    if unknown:
        raise ConfigError(f"{where}: unknown field {unknown[0]!r}; expected one of {', '.join(HOST_FIELDS)}")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where}: field 'name': expected a host name, got {name!r}")
    values = {**defaults, **raw}
    if "profile" in raw and "profiles" in raw:
        raise ConfigError(f"{where}: field 'profiles': give either 'profile' or 'profiles', not both")
    if "cim" in raw:
        values.pop("profile", None)
    if "count" not in raw:
        for key in ("start", "profiles"):
            if key in raw:
                raise ConfigError(f"{where}: field '{key}': only allowed together with 'count'")
        _string(name, where, "name", _HOST_NAME, _HOST_NAME_EXPECTED)
        return [_Entry(name, where, values, values.get("profile"))]
    count = _integer(raw["count"], where, "count", 1, MAX_COUNT)
    start = _integer(raw.get("start", 1), where, "start", 0, 1_000_000)
    if "address" in raw:
        raise ConfigError(f"{where}: field 'address': not allowed with 'count' (each host gets its own address)")
    if "{n" not in name:
        raise ConfigError(f"{where}: field 'name': with 'count' the name must contain the number field, e.g. 'win-{{n:03d}}'")
    profiles = raw.get("profiles")
    if profiles is not None and (not isinstance(profiles, list) or not profiles
                                 or not all(isinstance(item, str) and item for item in profiles)):
        raise ConfigError(f"{where}: field 'profiles': expected a non-empty list of profile names, got {profiles!r}")
    entries = []
    for offset in range(count):
        try:
            host_name = name.format(n=start + offset)
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(f"{where}: field 'name': cannot format {name!r} with n={start + offset}: {exc}") from None
        _string(host_name, where, "name", _HOST_NAME, _HOST_NAME_EXPECTED)
        profile = profiles[offset % len(profiles)] if profiles else values.get("profile")
        entries.append(_Entry(host_name, where, values, profile))
    return entries


def _ssh_fields(values: Mapping[str, object], where: str) -> tuple[str, str]:
    """``auth`` (publickey | password) and ``default_shell`` of a ``connection: ssh`` host."""
    for name in ("transport", "certificate"):
        if name in values:
            raise ConfigError(f"{where}: field '{name}': not for connection ssh (an OpenSSH listener has no WinRM transport)")
    kind = _choice(values.get("auth", SSH_AUTH_KINDS[0]), SSH_AUTH_KINDS, where, "auth")
    return kind, _choice(values.get("default_shell", DEFAULT_SHELLS[0]), DEFAULT_SHELLS, where, "default_shell")


def _resolve(entry: _Entry, library: ProfileLibrary) -> HostSpec:
    where, values = entry.where, entry.values
    connection = _choice(values.get("connection", WINRM), CONNECTIONS, where, "connection")
    default_shell = DEFAULT_SHELLS[0]
    if connection == SSH:
        transport = HTTP
        auth_kind, auth_schemes = _ssh_fields(values, where)[0], ()
        default_shell = _ssh_fields(values, where)[1]
    else:
        if "default_shell" in values:
            raise ConfigError(f"{where}: field 'default_shell': only for connection ssh (this host uses {connection})")
        transport = _choice(values.get("transport", HTTP), TRANSPORTS, where, "transport")
        auth_kind, auth_schemes = _auth(values.get("auth", auth.BASIC), where)
        if "certificate" in auth_schemes and transport != HTTPS:
            raise ConfigError(f"{where}: field 'auth': certificate authentication needs transport https (this host uses {transport})")
    certificate = certs.VALID
    if "certificate" in values:
        if transport != HTTPS:
            raise ConfigError(f"{where}: field 'certificate': only for transport https (this host uses {transport})")
        certificate = _choice(values["certificate"], certs.KINDS, where, "certificate")
    username = _string(values.get("username", DEFAULT_USERNAME), where, "username", _USERNAME,
                       "a local account name (1-20 letters, digits, '.', '_', '-')")
    password = _password(values["password"], where)
    listen = _choice(values.get("listen", LOOPBACK), LISTEN_MODES, where, "listen")
    port = _integer(values["port"], where, "port", 0, 65535) if "port" in values else -1
    address = _address(values["address"], where) if "address" in values else ""
    fault = faults.parse_fault(values.get("fault"), values.get("fault_options"), where)
    expect: dict[str, object] = {}
    if "cim" in values:
        cim, dummy = parse_cim_block(_mapping(values["cim"], where, "cim"), where, "cim.")
        profile_name = None
    elif entry.profile is not None:
        profile_name = _string(entry.profile, where, "profile", None, "a profile name")
        try:
            profile = library.get(profile_name)
        except ConfigError as exc:
            raise ConfigError(f"{where}: field 'profile': {exc}") from None
        cim, expect = profile.cim.copy(), dict(profile.expect)
    else:
        raise ConfigError(f"{where}: field 'profile': expected a profile name from {library.directory} or a 'cim' block")
    if "overrides" in values:
        block = _mapping(values["overrides"], where, "overrides")
        extra, given = parse_cim_block(block, where, "overrides.")
        cim = cim.merged(extra, given)
    if "expect" in values:
        expect = dict(_mapping(values["expect"], where, "expect"))
    return HostSpec(name=entry.name, auth=auth_kind, transport=transport, username=username, password=password,
                    address=address, port=port, cim=cim, certificate=certificate, listen=listen,
                    profile=profile_name, expect=expect, fault=fault, auth_schemes=auth_schemes, connection=connection,
                    default_shell=default_shell)


def _allocate(hosts: list[HostSpec], wheres: list[str], first_address: str) -> None:
    taken = {host.address for host in hosts if host.address}
    wanted = [host for host in hosts if not host.address and host.listen == LOOPBACK]
    pool = iter(address for address in allocate_addresses(first_address, len(wanted) + len(taken)) if address not in taken)
    for host in hosts:
        if not host.address:
            host.address = next(pool) if host.listen == LOOPBACK else "127.0.0.1"
        if host.port < 0:
            default = SSH_PORT if host.connection == SSH else DEFAULT_PORTS[host.transport]
            host.port = default if host.listen == LOOPBACK else 0
    seen: dict[tuple[str, int], str] = {}
    for host, where in zip(hosts, wheres):
        key = (host.address, host.port)
        if host.port and key in seen:
            raise ConfigError(f"{where}: field 'address': {host.address}:{host.port} is already used by {seen[key]}")
        seen[key] = host.name


def _check_ntlm_credentials(hosts: list[HostSpec], wheres: list[str]) -> None:
    """The NTLM acceptor has one credential store: one password per user name."""
    passwords: dict[str, tuple[str, str]] = {}
    for host, where in zip(hosts, wheres):
        if auth.NEGOTIATE not in host.auth_schemes:
            continue
        known = passwords.setdefault(host.username.lower(), (host.password, host.name))
        if known[0] != host.password:
            raise ConfigError(f"{where}: field 'password': NTLM hosts that share the user name {host.username!r} must share "
                              f"its password (differs from {known[1]})")


def _check_shared_credentials(hosts: list[HostSpec], wheres: list[str]) -> None:
    """The Kerberos realm and CredSSP's inner NTLM also have one password per user name; a realm password has no '"'."""
    for scheme_name, label in (("kerberos", "Kerberos"), ("credssp", "CredSSP")):
        passwords: dict[str, tuple[str, str]] = {}
        for host, where in zip(hosts, wheres):
            if scheme_name not in host.auth_schemes:
                continue
            if scheme_name == "kerberos" and '"' in host.password:
                raise ConfigError(f"{where}: field 'password': a Kerberos user's password cannot hold '\"' (kadmin.local's quoting)")
            known = passwords.setdefault(host.username.lower(), (host.password, host.name))
            if known[0] != host.password:
                raise ConfigError(f"{where}: field 'password': {label} hosts that share the user name {host.username!r} must "
                                  f"share its password (differs from {known[1]})")


def parse_fleet(data: object, source: str = "fleet", *, profiles_dir: str | Path | None = None,
                base_dir: Path | None = None) -> FleetSpec:
    """Validate a fleet document (already loaded from YAML) and resolve every host."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: expected a mapping with 'hosts'")
    unknown = [key for key in data if key not in TOP_FIELDS]
    if unknown:
        raise ConfigError(f"{source}: unknown field {unknown[0]!r}; expected one of {', '.join(TOP_FIELDS)}")
    defaults = dict(_mapping(data.get("defaults") or {}, source, "defaults"))
    bad_default = next((key for key in defaults if key not in _SHARED_FIELDS), None)
    if bad_default:
        raise ConfigError(f"{source}: defaults: unknown field {bad_default!r}; expected one of {', '.join(_SHARED_FIELDS)}")
    # One random password per fleet when none is given: nothing secret is ever written into a fleet file.
    defaults.setdefault("password", "Sim-" + secrets.token_urlsafe(12))
    if profiles_dir is None and data.get("profiles_dir"):
        configured = Path(str(data["profiles_dir"]))
        profiles_dir = configured if configured.is_absolute() or base_dir is None else base_dir / configured
    library = ProfileLibrary(profiles_dir)
    first_address = _address(data.get("first_address", DEFAULT_FIRST_ADDRESS), source, "first_address")
    raw_hosts = data.get("hosts")
    if not isinstance(raw_hosts, list) or not raw_hosts:
        raise ConfigError(f"{source}: field 'hosts': expected a non-empty list of hosts")
    entries: list[_Entry] = []
    for index, raw in enumerate(raw_hosts):
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{source}: hosts[{index}]: expected a mapping, got {type(raw).__name__}")
        entries.extend(_expand(index, raw, defaults, source))
    names: dict[str, str] = {}
    for entry in entries:
        if entry.name in names:
            raise ConfigError(f"{entry.where}: field 'name': duplicate host name {entry.name!r}")
        names[entry.name] = entry.where
    hosts = [_resolve(entry, library) for entry in entries]
    wheres = [entry.where for entry in entries]
    _allocate(hosts, wheres, first_address)
    _check_ntlm_credentials(hosts, wheres)
    _check_shared_credentials(hosts, wheres)
    return FleetSpec(hosts, source, library.directory)


def load_fleet(path: str | Path, *, profiles_dir: str | Path | None = None) -> FleetSpec:
    """Read and validate a fleet file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the fleet file: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path.name}: not valid YAML: {exc}") from None
    return parse_fleet(data, path.name, profiles_dir=profiles_dir, base_dir=path.parent)


class FleetBuilder:
    """Build a fleet from Python; ``build()`` validates it like a fleet file.

    Example::

        fleet = (FleetBuilder(profiles_dir=fixtures, listen="ephemeral")
                 .add("win-basic", profile="digital_license_pro")
                 .add("win-ntlm", profile="kms_client_licensed", auth="ntlm")
                 .add_many(50, profiles=["digital_license_pro"], name="bulk-{n:02d}")
                 .build())
    """

    def __init__(self, *, profiles_dir: str | Path | None = None, first_address: str | None = None, **defaults: object) -> None:
        self.profiles_dir = profiles_dir
        self.first_address = first_address
        self.defaults = defaults
        self.hosts: list[dict[str, object]] = []

    def add(self, name: str, **fields: object) -> FleetBuilder:
        self.hosts.append({"name": name, **fields})
        return self

    def add_many(self, count: int, *, name: str = "win-{n:03d}", **fields: object) -> FleetBuilder:
        self.hosts.append({"name": name, "count": count, **fields})
        return self

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"hosts": self.hosts}
        if self.defaults:
            data["defaults"] = self.defaults
        if self.first_address:
            data["first_address"] = self.first_address
        return data

    def build(self) -> FleetSpec:
        return parse_fleet(self.as_dict(), "FleetBuilder", profiles_dir=self.profiles_dir)
