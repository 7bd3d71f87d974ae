# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A simulated fleet for the benchmark: one `winsim serve` process per fleet size.

The fleet is generated with `winsim fleet` from every library profile a healthy host can
have (profiles whose expected outcome is an error are left out, so every host can be
audited), Basic over HTTP, no faults. Hosts listen on ephemeral ports of 127.0.0.1: that
never collides with `make demo` (127.0.0.2+:5985), with the simulator's scale tests
(127.0.0.2-201:5985) or with a second benchmark, and the winsim prototype measured no
difference between distinct addresses and distinct ports (docs/performance.md).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

FLEET_SEED = 1


def healthy_profiles(winsim: Path) -> list[str]:
    """Library profiles whose `expect` block names no error_code."""
    listing = subprocess.run([str(winsim), "profiles", "--json"], check=True, capture_output=True, text=True).stdout
    profiles = json.loads(listing)
    return sorted(name for name, entry in profiles.items() if "error_code" not in (entry.get("expect") or {}))


def _cpu_seconds(pid: int) -> float:
    """user+sys CPU seconds of a running process (from /proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BenchFleet:
    """A running `winsim serve` with ``size`` hosts; use as a context manager."""

    def __init__(self, winsim: Path, size: int, state: Path, profiles: list[str]) -> None:
        self.winsim = winsim
        self.size = size
        self.state = state
        self.profiles = profiles
        self.inventory = state / "inventory.yml"
        self.process: subprocess.Popen | None = None
        self.control_url = ""
        self._log = None

    def __enter__(self) -> BenchFleet:
        self.state.mkdir(parents=True, exist_ok=True)
        fleet_file = self.state / "fleet.yml"
        command = [str(self.winsim), "fleet", "--count", str(self.size), "--seed", str(FLEET_SEED), "--auth", "basic",
                   "--transport", "http", "--listen", "ephemeral"]
        for profile in self.profiles:
            command += ["--profile", profile]
        fleet_file.write_text(subprocess.run(command, check=True, capture_output=True, text=True).stdout, encoding="utf-8")
        ready = self.state / "ready.json"
        # Both live as long as the fleet; __exit__ stops the process and closes the log.
        self._log = (self.state / "winsim.log").open("wb")  # pylint: disable=consider-using-with
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            [str(self.winsim), "serve", "--fleet", str(fleet_file), "--inventory", str(self.inventory),
             "--state-dir", str(self.state / "sim"), "--ready-file", str(ready)],
            stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while not (ready.is_file() and ready.stat().st_size):
            if self.process.poll() is not None:
                raise RuntimeError(f"winsim serve exited with {self.process.returncode}: "
                                   f"{(self.state / 'winsim.log').read_text(errors='replace')[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("winsim serve was not ready after 120 s")
            time.sleep(0.05)
        document = json.loads(ready.read_text(encoding="utf-8"))
        if document["listening"] != self.size:
            raise RuntimeError(f"winsim serve: {document['listening']} of {self.size} hosts listening")
        self.control_url = document["control_url"]
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()

    def _control(self, method: str, path: str) -> dict:
        request = urllib.request.Request(self.control_url + path, method=method)
        with urllib.request.urlopen(request, timeout=60) as response:  # 127.0.0.1 control endpoint
            return json.load(response)

    def reset_stats(self) -> None:
        self._control("POST", "/reset")

    def stats(self) -> dict:
        return self._control("GET", "/stats")

    def cpu_seconds(self) -> float:
        """CPU the simulator has used so far (it shares the machine with the controller)."""
        return _cpu_seconds(self.process.pid) if self.process is not None else 0.0
