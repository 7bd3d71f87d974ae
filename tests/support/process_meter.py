# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Watch a process and its descendants through /proc (Linux): memory, and who is still alive.

ansible-playbook forks one worker per host in flight, and forked workers share most of
their pages with the parent, so adding up RSS would count the same memory many times.
The sampler adds up PSS (proportional set size: each shared page divided among the
processes that share it), which is what the tree really costs the machine; the largest
single RSS is kept as well.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")


def parent_map() -> dict[int, int]:
    """pid -> parent pid of every process we can see."""
    parents = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
        fields = stat[stat.rfind(")") + 2:].split()
        parents[int(entry.name)] = int(fields[1])
    return parents


def descendants(root: int, parents: dict[int, int] | None = None) -> set[int]:
    """Every process below ``root`` (not ``root`` itself)."""
    parents = parent_map() if parents is None else parents
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found, stack = set(), [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def start_time(pid: int) -> int | None:
    """When ``pid`` started (clock ticks since boot), or None once it is gone.

    Together with the pid it names one process even after the kernel hands the same pid to
    another one, which happens soon on machines whose pid_max is 32768.
    """
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rfind(")") + 2:].split()[19])


def command_line(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _memory_kib(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in KiB; (0, 0) once it is gone."""
    pss = rss = 0
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
    except (OSError, ValueError):
        return 0, 0
    return pss, rss


@dataclass
class TreeSampler:
    """Samples the memory of ``root`` and its descendants every ``interval`` seconds until stopped."""

    root: int
    interval: float = 0.2
    peak_pss_kib: int = 0
    peak_single_rss_kib: int = 0
    peak_processes: int = 0
    seen: set[tuple[int, int]] = field(default_factory=set)  # (pid, start time) of every process sampled
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        pids = {self.root} | descendants(self.root)
        self.seen |= {(pid, started) for pid in pids if (started := start_time(pid)) is not None}
        total = 0
        for pid in pids:
            pss, rss = _memory_kib(pid)
            total += pss
            self.peak_single_rss_kib = max(self.peak_single_rss_kib, rss)
        self.peak_pss_kib = max(self.peak_pss_kib, total)
        self.peak_processes = max(self.peak_processes, len(pids))
        self.samples += 1

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        self._thread = threading.Thread(target=self._loop, name="tree-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()


@dataclass
class MeasuredRun:
    """An ansible-playbook (or any) process run to completion under the sampler."""

    returncode: int
    wall_seconds: float
    stdout: str
    stderr: str
    peak_pss_mib: float
    peak_single_rss_mib: float
    peak_processes: int
    seen: set[tuple[int, int]]  # (pid, start time)


def run_measured(command: list[str], env: dict, output_dir: Path, timeout: float, name: str = "run") -> MeasuredRun:
    """Run ``command`` with stdout/stderr to files (no pipe to fill up), sample its tree, kill it after ``timeout``."""
    output_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = output_dir / f"{name}.stdout", output_dir / f"{name}.stderr"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.monotonic()
        # A session of its own, so that a hung run can be killed with everything it forked.
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, start_new_session=True)  # pylint: disable=consider-using-with
        with TreeSampler(process.pid) as sampler:
            try:
                returncode = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()
                returncode = -9
        wall = time.monotonic() - started
    return MeasuredRun(
        returncode=returncode,
        wall_seconds=wall,
        stdout=out_path.read_text(encoding="utf-8", errors="replace"),
        stderr=err_path.read_text(encoding="utf-8", errors="replace"),
        peak_pss_mib=sampler.peak_pss_kib / 1024,
        peak_single_rss_mib=sampler.peak_single_rss_kib / 1024,
        peak_processes=sampler.peak_processes,
        seen=sampler.seen,
    )


def alive(processes: set[tuple[int, int]]) -> set[int]:
    """The pids of those (pid, start time) processes that still run (zombies do not count)."""
    living = set()
    for pid, started in processes:
        try:
            stat = (PROC / str(pid) / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if fields[0] != "Z" and int(fields[19]) == started:
            living.add(pid)
    return living


def listening_ports() -> set[tuple[str, int]]:
    """(address, port) of every TCP socket in LISTEN state, IPv4 and IPv6, from /proc/net/tcp*."""
    found = set()
    for name in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local, state = parts[1], parts[3]
            if state != "0A":  # TCP_LISTEN
                continue
            address, port = local.rsplit(":", 1)
            found.add((address, int(port, 16)))
    return found
