# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Per-host counters: what the clients asked and how much went over the wire.

Bytes in = request line + headers + body as received; bytes out = status line
+ headers + body as sent. ``requests`` counts HTTP requests; ``actions`` splits
them by WS-Man action (``Create``, ``Command``, ``Receive``, ``Send``,
``Signal``, ``Delete``); requests that carried no SOAP message (401
round trips, the empty POST that sets up encryption) count as ``auth``.
``payload_bytes`` counts what the client's command itself put on the wire, as
carried in the SOAP bodies: the command line, the stdin streams and the
stdout/stderr streams (base64 as sent), without the HTTP and SOAP framing that
every WinRS exchange pays whatever it runs.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class HostStats:
    """Counters of one simulated host."""

    requests: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    commands: int = 0
    payload_bytes: int = 0
    connections: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)

    def record_request(self, action: str, status: int, bytes_in: int, bytes_out: int) -> None:
        self.requests += 1
        self.actions[action] += 1
        self.statuses[str(status)] += 1
        self.bytes_in += bytes_in
        self.bytes_out += bytes_out

    def reset(self) -> None:
        """Zero every counter in place (listeners keep their reference to this object)."""
        fresh = HostStats()
        self.__dict__.update(fresh.__dict__)

    def as_dict(self) -> dict[str, object]:
        return {
            "requests": self.requests, "bytes_in": self.bytes_in, "bytes_out": self.bytes_out,
            "commands": self.commands, "payload_bytes": self.payload_bytes, "connections": self.connections,
            "actions": dict(sorted(self.actions.items())), "statuses": dict(sorted(self.statuses.items())),
            "faults": dict(sorted(self.faults.items())),
        }


class FleetStats:
    """Counters of all hosts, by host name."""

    def __init__(self, names: list[str]) -> None:
        self.hosts = {name: HostStats() for name in names}

    def reset(self) -> None:
        for stats in self.hosts.values():
            stats.reset()

    def for_host(self, name: str) -> HostStats:
        return self.hosts[name]

    def as_dict(self) -> dict[str, object]:
        hosts = {name: stats.as_dict() for name, stats in sorted(self.hosts.items())}
        totals: dict[str, object] = {key: sum(stats.__dict__[key] for stats in self.hosts.values())
                                     for key in ("requests", "bytes_in", "bytes_out", "commands", "payload_bytes", "connections")}
        actions: Counter[str] = Counter()
        for stats in self.hosts.values():
            actions.update(stats.actions)
        totals["actions"] = dict(sorted(actions.items()))
        return {"totals": totals, "hosts": hosts}

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")
