# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The loopback-only rule: every socket the simulator binds is on 127.0.0.0/8 or ::1.

The simulator pretends to be many Windows hosts. It must never answer on a real
network interface, so every address passes through :func:`require_loopback`
before anything is bound, and the fleet file is checked with the same function.
"""

from __future__ import annotations

import ipaddress


class NotLoopbackError(ValueError):
    """An address outside 127.0.0.0/8 and ::1 was asked for."""


def require_loopback(address: str) -> str:
    """Return ``address`` normalised, or raise :class:`NotLoopbackError`.

    Host names are refused too (even ``localhost``): a name can resolve to a
    routable address, a literal cannot.
    """
    try:
        parsed = ipaddress.ip_address(str(address).strip().strip("[]"))
    except ValueError:
        raise NotLoopbackError(
            f"refusing to bind {address!r}: expected a loopback IP literal (127.0.0.0/8 or ::1), not a host name"
        ) from None
    if not parsed.is_loopback:
        raise NotLoopbackError(f"refusing to bind {address}: the simulator only listens on 127.0.0.0/8 or ::1")
    return str(parsed)


def allocate_addresses(first: str, count: int) -> list[str]:
    """Return ``count`` consecutive usable loopback addresses starting at ``first``.

    Addresses whose last octet is 0 or 255 are skipped: they are legal on Linux
    loopback but look like network/broadcast addresses to people and tools.
    """
    current = ipaddress.IPv4Address(require_loopback(first))
    result: list[str] = []
    while len(result) < count:
        if current not in ipaddress.IPv4Network("127.0.0.0/8"):
            raise NotLoopbackError(f"cannot allocate {count} addresses from {first}: the range leaves 127.0.0.0/8")
        if int(current) & 0xFF not in (0, 255):
            result.append(str(current))
        current += 1
    return result
