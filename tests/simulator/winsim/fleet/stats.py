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

``work`` (:class:`HostWork`, ``host_work`` in the JSON) is what the host itself had to compute for
the commands it answered, counted, never timed: per CIM class, the instances the provider
enumerated to evaluate a query (every instance of the class: a ``WHERE`` clause filters after
enumeration), the instances it returned and the properties it filled in them (returned instances
times the selected properties; ``SELECT *`` selects every property of the class as
:mod:`winsim.windows.cim_schema` lists it); the PowerShell processes started (one per
``powershell.exe`` a command line starts) and the runspaces opened (one per process, plus any a
program opens itself, such as ansible's module wrapper); the compiler processes started (``csc.exe``,
which Windows PowerShell 5.1 runs to compile C#); and the bytes of source text the host had to parse:
decoded scripts, the scripts a program loads from its input, C# source included (``csharp_bytes``
counts that part again on its own). ``programs`` counts the runs of each program that answered
(a registered handler, or ``powershell`` for the small interpreter).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ClassWork:
    """What the queries on one CIM class cost the host."""

    queries: int = 0
    enumerated: int = 0
    returned: int = 0
    properties_returned: int = 0


_WORK_COUNTS = ("powershell_processes", "runspaces", "compiler_processes", "script_bytes", "csharp_bytes")


@dataclass
class HostWork:
    """What one host computed for the commands it answered (see the module docstring)."""

    cim: dict[str, ClassWork] = field(default_factory=dict)
    powershell_processes: int = 0
    runspaces: int = 0
    compiler_processes: int = 0
    script_bytes: int = 0
    csharp_bytes: int = 0
    programs: Counter[str] = field(default_factory=Counter)

    def cim_query(self, class_name: str, *, enumerated: int, returned: int, properties_returned: int) -> None:
        """One query evaluated on ``class_name``."""
        work = self.cim.setdefault(class_name, ClassWork())
        work.queries += 1
        work.enumerated += enumerated
        work.returned += returned
        work.properties_returned += properties_returned

    def parsed(self, text: str, *, csharp: bool = False) -> None:
        """Source text the host parses (PowerShell) or compiles (C#), counted in UTF-8 bytes."""
        size = len(text.encode("utf-8", "surrogatepass"))
        self.script_bytes += size
        if csharp:
            self.csharp_bytes += size

    def process_started(self, program: str, script: str) -> None:
        """A powershell.exe started to run ``script`` (its decoded text) with ``program`` answering."""
        self.powershell_processes += 1
        self.runspaces += 1
        self.programs[program] += 1
        self.parsed(script)

    def pipeline_run(self, program: str, script: str) -> None:
        """``script`` ran in a runspace that was already open (a PowerShell remoting pipeline): no new process."""
        self.programs[program] += 1
        self.parsed(script)

    def reset(self) -> None:
        """Zero every counter in place (the host's CIM model keeps its reference to this object)."""
        self.__dict__.update(HostWork().__dict__)

    def as_dict(self) -> dict[str, object]:
        return {
            "cim": {name: dict(vars(work)) for name, work in sorted(self.cim.items())},
            **{key: getattr(self, key) for key in _WORK_COUNTS},
            "programs": dict(sorted(self.programs.items())),
        }

    @staticmethod
    def total(works: list[HostWork]) -> dict[str, object]:
        """The sum of several hosts' work, in the shape of :meth:`as_dict`."""
        summed = HostWork()
        for work in works:
            for name, counts in work.cim.items():
                target = summed.cim.setdefault(name, ClassWork())
                for key, value in vars(counts).items():
                    setattr(target, key, getattr(target, key) + value)
            for key in _WORK_COUNTS:
                setattr(summed, key, getattr(summed, key) + getattr(work, key))
            summed.programs.update(work.programs)
        return summed.as_dict()


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
    #: what the host computed (winsim.fleet.host hands this object to the host's CIM model)
    work: HostWork = field(default_factory=HostWork)

    def record_request(self, action: str, status: int, bytes_in: int, bytes_out: int) -> None:
        self.requests += 1
        self.actions[action] += 1
        self.statuses[str(status)] += 1
        self.bytes_in += bytes_in
        self.bytes_out += bytes_out

    def reset(self) -> None:
        """Zero every counter in place (listeners keep their reference to this object, the CIM model to ``work``)."""
        work = self.work
        work.reset()
        self.__dict__.update(HostStats().__dict__)
        self.work = work

    def as_dict(self) -> dict[str, object]:
        return {
            "requests": self.requests, "bytes_in": self.bytes_in, "bytes_out": self.bytes_out,
            "commands": self.commands, "payload_bytes": self.payload_bytes, "connections": self.connections,
            "actions": dict(sorted(self.actions.items())), "statuses": dict(sorted(self.statuses.items())),
            "faults": dict(sorted(self.faults.items())), "host_work": self.work.as_dict(),
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
        totals["host_work"] = HostWork.total([stats.work for stats in self.hosts.values()])
        return {"totals": totals, "hosts": hosts}

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")
