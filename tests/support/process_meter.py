# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a command and measure what its process tree cost on this machine (Linux, /proc).

The one process meter of the harness: the system tests (tests/system) bound the memory
and the wall time of an audit with it, and the benchmark (benchmarks/) publishes its
figures from it. :func:`run_measured` returns a :class:`MeasuredRun`:

* wall time: ``time.perf_counter()`` around the process;
* CPU: user+sys from ``os.wait4()``, which on Linux includes every descendant the
  process waited for - ansible-playbook reaps its forked workers, so this is the tree;
* memory of the tree: the sum of **PSS** over the process and its descendants, sampled,
  peak kept (``peak_pss_mib``); beside it the peak RSS of the root process alone
  (``peak_rss_main_mib``: ansible-playbook holds the inventory, the variables and every
  result) and the largest RSS any single process of the tree reached (``max_rss_single_mib``,
  exact, from ``os.wait4()``);
* which processes the tree had (``seen``: (pid, start time)), so that a test can tell
  whether any of them outlived the run.

PSS, not RSS. ansible-playbook forks one worker per host in flight, and the workers share
most of their pages copy-on-write with the parent. Summing RSS counts those pages once per
worker: measured here with 50 forked ~190 MB Python processes, the RSS sum was 9.2 GB
where PSS (each shared page divided among the processes that share it) was 0.5 GB. The
RSS sum grows with the fork count whatever the audit does, so it can neither bound a
fork-heavy run (the fault-fleet test's 2 GiB ceiling at 25 forks) nor compare fork counts
in the benchmark; PSS is what the tree really costs the machine. The benchmark publishes
it as ``peak_pss_tree_mb``; its ``peak_rss_main_mb`` and ``max_rss_single_mb`` keep their
meaning (results from before this meter, in benchmarks/results/, have
``peak_rss_tree_mb``: the RSS sum, not comparable).

PSS costs more to read than RSS: the kernel walks the page tables of the process for
/proc/PID/smaps_rollup, about 3 ms for an ansible worker (RSS from /proc/PID/statm costs
microseconds). So that the meter does not slow the run it measures, the sampler keeps
its own duty cycle under :data:`MAX_DUTY_CYCLE` of one CPU: after a sample that took
``d`` seconds it waits at least ``d * (1 / MAX_DUTY_CYCLE - 1)`` (with 50 workers, a
sample every 1.4 s instead of every 0.1 s). Peaks shorter than that can be missed; the
memory of an audit moves over seconds (a worker lives for its host's task).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
# Seconds between samples, at least; see MAX_DUTY_CYCLE.
SAMPLE_INTERVAL = 0.1
# Share of one CPU the sampler may use: it waits longer between samples when they take long.
MAX_DUTY_CYCLE = 0.1


# --- /proc ---------------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name, or None once the process is gone."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    return stat[stat.rfind(")") + 2:].split()


def parent_map() -> dict[int, int]:
    """pid -> parent pid of every process we can see."""
    parents = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    return parents


def _children(pid: int) -> list[int] | None:
    """Children of ``pid`` from /proc/PID/task/*/children; None where the kernel has no such file."""
    try:
        threads = os.listdir(PROC / str(pid) / "task")
    except OSError:
        return []
    found: list[int] = []
    for thread in threads:
        try:
            found += [int(child) for child in (PROC / str(pid) / "task" / thread / "children").read_text().split()]
        except FileNotFoundError:
            if not (PROC / str(pid) / "task" / thread).exists():
                continue  # the thread ended meanwhile
            return None  # a kernel without CONFIG_PROC_CHILDREN
        except OSError:
            continue
    return found


def descendants(root: int, parents: dict[int, int] | None = None) -> set[int]:
    """Every process below ``root`` (not ``root`` itself)."""
    if parents is None:
        found, stack = set(), [root]
        while stack:
            children = _children(stack.pop())
            if children is None:  # no children files: fall back to the parent of every process
                return descendants(root, parent_map())
            for child in children:
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return found
    by_parent: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        by_parent.setdefault(parent, []).append(pid)
    found, stack = set(), [root]
    while stack:
        for child in by_parent.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def start_time(pid: int) -> int | None:
    """When ``pid`` started (clock ticks since boot), or None once it is gone.

    Together with the pid it names one process even after the kernel hands the same pid to
    another one, which happens soon on machines whose pid_max is 32768.
    """
    fields = _stat_fields(pid)
    return int(fields[19]) if fields is not None else None


def command_line(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def memory_kib(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in KiB, from /proc/PID/smaps_rollup; (0, 0) once it is gone."""
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


def alive(processes: set[tuple[int, int]]) -> set[int]:
    """The pids of those (pid, start time) processes that still run (zombies do not count)."""
    living = set()
    for pid, started in processes:
        fields = _stat_fields(pid)
        if fields is not None and fields[0] != "Z" and int(fields[19]) == started:
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


def cpu_seconds(pid: int) -> float:
    """user+sys CPU seconds a running process has used so far (its own, not its children's)."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- sampling ------------------------------------------------------------------------------


@dataclass
class TreeSampler:
    """Samples the memory of ``root`` and its descendants until stopped (a context manager)."""

    root: int
    interval: float = SAMPLE_INTERVAL
    peak_pss_kib: int = 0
    peak_rss_main_kib: int = 0
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
            pss, rss = memory_kib(pid)
            total += pss
            if pid == self.root:
                self.peak_rss_main_kib = max(self.peak_rss_main_kib, rss)
        self.peak_pss_kib = max(self.peak_pss_kib, total)
        self.peak_processes = max(self.peak_processes, len(pids))
        self.samples += 1

    def _loop(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            self.sample()
            took = time.perf_counter() - started
            self._stop.wait(max(self.interval, took * (1 / MAX_DUTY_CYCLE - 1)))

    def __enter__(self) -> TreeSampler:
        self._thread = threading.Thread(target=self._loop, name="tree-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()


# --- a measured run ------------------------------------------------------------------------


@dataclass
class MeasuredRun:
    """A command run to completion (or killed at its timeout) under the sampler."""

    returncode: int  # -9 when killed at the timeout
    wall_seconds: float
    cpu_seconds: float  # user+sys of the process and every descendant it reaped
    stdout: str
    stderr: str  # "" with merge_stderr
    stdout_file: Path
    stderr_file: Path | None  # None with merge_stderr
    peak_pss_mib: float  # the process tree, sum of PSS
    peak_rss_main_mib: float  # the root process alone
    max_rss_single_mib: float  # the largest RSS of any one process of the tree (os.wait4)
    peak_processes: int
    seen: set[tuple[int, int]]  # (pid, start time) of every process of the tree the sampler saw
    timed_out: bool = False


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_measured(command: list[str], env: dict, output_dir: Path, timeout: float, name: str = "run", *,
                 cwd: Path | None = None, merge_stderr: bool = False, kill_leftovers: bool = False,
                 interval: float = SAMPLE_INTERVAL) -> MeasuredRun:
    """Run ``command``, sample its tree, kill it (with everything it forked) after ``timeout`` seconds.

    Output goes to files, never to a pipe that could fill up: ``output_dir/NAME.stdout`` and
    ``NAME.stderr``, or with ``merge_stderr`` both streams in ``NAME.log``. The command gets a
    session of its own, so that a run that hangs, or a meter that is interrupted, takes all of
    it down. After a normal exit nothing is killed unless ``kill_leftovers`` is set (then
    whatever is left of the session is): the system tests look for leftovers themselves.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    if merge_stderr:
        out_path, err_path = output_dir / f"{name}.log", None
    else:
        out_path, err_path = output_dir / f"{name}.stdout", output_dir / f"{name}.stderr"
    with open(out_path, "wb") as out, open(err_path or os.devnull, "wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out,  # pylint: disable=consider-using-with
                                   stderr=subprocess.STDOUT if merge_stderr else err, start_new_session=True)
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            _kill_group(process.pid)

        killer = threading.Timer(timeout, expire)
        try:
            with TreeSampler(process.pid, interval=interval) as sampler:
                killer.start()
                _pid, status, usage = os.wait4(process.pid, 0)
                wall = time.perf_counter() - started
        except BaseException:
            _kill_group(process.pid)
            process.wait()
            raise
        finally:
            killer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)  # wait4 reaped it; keep Popen consistent
        if kill_leftovers:
            _kill_group(process.pid)
    return MeasuredRun(
        returncode=-9 if timed_out.is_set() else process.returncode,
        wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        stdout=out_path.read_text(encoding="utf-8", errors="replace"),
        stderr=err_path.read_text(encoding="utf-8", errors="replace") if err_path else "",
        stdout_file=out_path,
        stderr_file=err_path,
        peak_pss_mib=sampler.peak_pss_kib / 1024,
        peak_rss_main_mib=sampler.peak_rss_main_kib / 1024,
        max_rss_single_mib=usage.ru_maxrss / 1024,
        peak_processes=sampler.peak_processes,
        seen=sampler.seen,
        timed_out=timed_out.is_set(),
    )
