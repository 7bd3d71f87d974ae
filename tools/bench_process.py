# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one ansible-playbook and measure what it cost on the controller.

* wall time: perf_counter around the process;
* CPU: user+sys from os.wait4(), which on Linux includes every descendant the process
  waited for - ansible-playbook reaps its forked workers, so this is the whole tree;
* memory: the RSS of the process tree summed every ~100 ms, peak kept. Forked workers share
  copy-on-write pages with the parent, so the sum counts those pages once per worker and
  grows with the fork count; the peak RSS of the ansible-playbook process itself (which
  holds the inventory, the variables and every result) is kept beside it. PSS would avoid
  the double counting, but reading /proc/PID/smaps_rollup for every worker ten times a
  second costs milliseconds per process and would slow the runs being measured.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_INTERVAL = 0.1


@dataclass
class ProcessCost:
    """What one run cost."""

    returncode: int
    wall_seconds: float
    cpu_seconds: float
    peak_rss_tree_mb: float
    peak_rss_main_mb: float
    max_rss_single_mb: float


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for thread in threads:
        try:
            found += [int(child) for child in Path(f"/proc/{pid}/task/{thread}/children").read_text(encoding="ascii").split()]
        except OSError:
            continue
    return found


def _rss_bytes(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text(encoding="ascii").split()[1]) * _PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss_bytes(root: int) -> int:
    """Sum of the RSS of ``root`` and all its descendants."""
    total, pending, seen = 0, [root], set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _rss_bytes(pid)
        pending += _children(pid)
    return total


class _PeakSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.peak_main = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self.peak_main = max(self.peak_main, _rss_bytes(self.pid))
            self.stop.wait(SAMPLE_INTERVAL)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_measured(command: list[str], *, env: dict[str, str], cwd: Path, log: Path, timeout: float) -> ProcessCost:
    """Run ``command`` with stdout+stderr to ``log``; measure wall, CPU of the tree, peak tree RSS."""
    with log.open("wb") as output:
        started = time.perf_counter()
        # Its own process group, so that a run that hangs or is interrupted goes with all its workers.
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT,  # pylint: disable=consider-using-with
                                   start_new_session=True)
        sampler = _PeakSampler(process.pid)
        sampler.start()
        killer = threading.Timer(timeout, _kill_group, (process.pid,))
        killer.start()
        try:
            _pid, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - started
        except BaseException:
            _kill_group(process.pid)
            process.wait()
            raise
        finally:
            killer.cancel()
            sampler.stop.set()
        sampler.join()
        _kill_group(process.pid)  # nothing of the run may outlive it (normally a no-op)
        process.returncode = os.waitstatus_to_exitcode(status)  # wait4 reaped it; keep Popen consistent
    return ProcessCost(
        returncode=process.returncode,
        wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_tree_mb=sampler.peak / 1048576,
        peak_rss_main_mb=sampler.peak_main / 1048576,
        max_rss_single_mb=usage.ru_maxrss / 1024,
    )
