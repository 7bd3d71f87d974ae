# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Generate large fleet files with a realistic mix of configurations and faults.

``winsim fleet --count 300 --faulty 0.25 --seed 1 > fleet.yml``: profiles are
dealt from the library in a shuffled, repeating order; a ``faulty`` share of
the hosts gets a fault, weighted towards what is common in a real estate
(unreachable hosts, rejected credentials, WMI trouble) over the exotic ones.
The same seed gives the same file. No password is written: ``winsim serve``
makes one up for the run and puts it in the inventory only.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from winsim.errors import ConfigError
from winsim.fleet import faults
from winsim.fleet.fleet import EPHEMERAL, HTTP, HTTPS, LISTEN_MODES, MAX_COUNT
from winsim.net import auth

MIXED = "mixed"

#: fault kind -> relative weight in a generated fleet
FAULT_WEIGHTS: dict[str, int] = {
    faults.NOT_LISTENING: 4, faults.REFUSE_CREDENTIALS: 3, faults.ACCESS_DENIED: 3, faults.WMI_ERROR: 2,
    faults.SERVICE_DISABLED: 2, faults.SHELL_ACCESS_DENIED: 1, faults.SLOW: 1, faults.QUOTA_EXCEEDED: 2,
    faults.NOT_JSON: 1, faults.TRUNCATED: 1, faults.LARGE_OUTPUT: 1, faults.NOT_WINDOWS: 1, faults.OLD_POWERSHELL: 1,
}


def generate(count: int, *, profiles: Sequence[str], faulty: float = 0.0, seed: int = 0, auth_kind: str = auth.BASIC,
             transport: str = HTTP, listen: str = "loopback", slow_seconds: float = 25.0,
             large_output_bytes: int = 1_000_000, name_format: str = "win-{n:03d}") -> dict[str, object]:
    """A fleet document (ready for ``yaml.safe_dump``) with ``count`` hosts."""
    if not 1 <= count <= MAX_COUNT:
        raise ConfigError(f"--count: expected 1..{MAX_COUNT}, got {count}")
    if not 0.0 <= faulty <= 1.0:
        raise ConfigError(f"--faulty: expected a fraction between 0 and 1, got {faulty}")
    if not profiles:
        raise ConfigError("no profiles to choose from: the profile library is empty (see --profiles-dir)")
    if auth_kind not in (*auth.KINDS, MIXED):
        raise ConfigError(f"--auth: expected one of basic, ntlm, mixed, got {auth_kind!r}")
    if transport not in (HTTP, HTTPS, MIXED):
        raise ConfigError(f"--transport: expected one of http, https, mixed, got {transport!r}")
    if listen not in LISTEN_MODES:
        raise ConfigError(f"--listen: expected one of {', '.join(LISTEN_MODES)}, got {listen!r}")
    rng = random.Random(seed)
    deck = list(profiles)
    rng.shuffle(deck)
    faulty_hosts = set(rng.sample(range(count), round(count * faulty)))
    kinds, weights = zip(*FAULT_WEIGHTS.items())
    hosts: list[dict[str, object]] = []
    for index in range(count):
        host: dict[str, object] = {"name": name_format.format(n=index + 1), "profile": deck[index % len(deck)]}
        if auth_kind == MIXED:
            host["auth"] = rng.choice([auth.NTLM, auth.NTLM, auth.BASIC])
        if transport == MIXED:
            host["transport"] = rng.choice([HTTP, HTTP, HTTPS])
        if index in faulty_hosts:
            kind = rng.choices(kinds, weights)[0]
            host["fault"] = kind
            if kind == faults.SLOW:
                host["fault_options"] = {"seconds": slow_seconds}
            elif kind == faults.LARGE_OUTPUT:
                host["fault_options"] = {"bytes": large_output_bytes}
        hosts.append(host)
    defaults: dict[str, object] = {"listen": listen}
    if auth_kind != MIXED:
        defaults["auth"] = auth_kind
    if transport != MIXED:
        defaults["transport"] = transport
    if listen == EPHEMERAL:
        defaults["listen"] = EPHEMERAL
    return {"defaults": defaults, "hosts": hosts}
