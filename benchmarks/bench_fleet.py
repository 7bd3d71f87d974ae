# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A simulated fleet for the benchmark: one `winsim serve` process per fleet size.

The fleet is generated with `winsim fleet` from every library profile a healthy host can
have (profiles whose expected outcome is an error, or where a WMI query fails, are left out,
so that every variant can audit every host), Basic over HTTP, no faults. Hosts listen on ephemeral ports of 127.0.0.1: that
never collides with `make demo` (127.0.0.2+:5985), with the simulator's scale tests
(127.0.0.2-201:5985) or with a second benchmark, and the winsim prototype measured no
difference between distinct addresses and distinct ports (docs/performance.md).

The simulator is started with winsim's own launcher (winsim.launch.ServedFleet) and the
benchmark's handler for ansible.windows.win_product_facts (winsim_handlers/peer_module.py),
which answers the peer variant's module the way the module would on a real host.

Every fleet holds at least one host of HOST_WORK_PROFILE, the library's realistic Windows 11 Pro
desktop (the keyless SKU rows every client carries, and Office): when the shuffled deal leaves it
out, the last host gets it. The "Host work" table of results.md reports those hosts.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import yaml
from process_meter import cpu_seconds
from winsim.launch import ServedFleet

FLEET_SEED = 1
# The profile library `winsim profiles` lists (winsim's default: $WINSIM_PROFILES_DIR, else tests/profiles).
PROFILES_DIR = Path(os.environ.get("WINSIM_PROFILES_DIR") or Path(__file__).resolve().parent.parent / "tests" / "profiles")
READY_TIMEOUT = 120.0
# winsim serve --handlers: the peer's module, emulated (see that file).
PEER_HANDLERS = Path(__file__).resolve().parent / "winsim_handlers" / "peer_module.py"
# The profile whose hosts the "Host work" table reports (tests/profiles/<name>.yml).
HOST_WORK_PROFILE = "windows11_pro_with_office_realistic"


def _failing_queries(name: str) -> set[str]:
    """The WMI classes whose query fails on a host of profile ``name`` (its `failures`, the registry read left out)."""
    path = PROFILES_DIR / f"{name}.yml"
    if not path.is_file():
        return set()
    failures = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("failures") or {}
    return {source for source in failures if source != "Registry"}


def with_profile(document: dict, profile: str) -> dict:
    """The generated fleet document, its last host given ``profile`` if no host has it."""
    hosts = document["hosts"]
    if hosts and not any(host.get("profile") == profile for host in hosts):
        hosts[-1]["profile"] = profile
    return document


def healthy_profiles(winsim: Path) -> list[str]:
    """Library profiles a healthy host can have: every variant must be able to audit every host of the fleet.

    Left out: profiles whose `expect` block names an error_code (ours reports them unknown), and
    profiles where a WMI query fails (``failures: {Win32_OperatingSystem: ...}``): ours still
    judges those, with a warning, but the peer's module stops at the failed query. A failed
    registry read (EditionID) stops neither.
    """
    listing = subprocess.run([str(winsim), "profiles", "--json"], check=True, capture_output=True, text=True).stdout
    profiles = json.loads(listing)
    return sorted(name for name, entry in profiles.items()
                  if "error_code" not in (entry.get("expect") or {}) and not _failing_queries(name))


class BenchFleet:
    """A running `winsim serve` with ``size`` hosts; use as a context manager."""

    def __init__(self, winsim: Path, size: int, state: Path, profiles: list[str]) -> None:
        self.winsim = winsim
        self.size = size
        self.state = state
        self.profiles = profiles
        self.served: ServedFleet | None = None
        #: host name -> profile name, as the fleet file deals them
        self.profile_of: dict[str, str] = {}

    @property
    def inventory(self) -> Path:
        assert self.served is not None
        return self.served.inventory

    @property
    def control_url(self) -> str:
        return self.served.control_url if self.served is not None else ""

    def __enter__(self) -> BenchFleet:
        self.state.mkdir(parents=True, exist_ok=True)
        fleet_file = self.state / "fleet.yml"
        command = [str(self.winsim), "fleet", "--count", str(self.size), "--seed", str(FLEET_SEED), "--auth", "basic",
                   "--transport", "http", "--listen", "ephemeral"]
        for profile in self.profiles:
            command += ["--profile", profile]
        document = yaml.safe_load(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        if HOST_WORK_PROFILE in self.profiles:
            document = with_profile(document, HOST_WORK_PROFILE)
        self.profile_of = {str(host["name"]): str(host["profile"]) for host in document["hosts"]}
        fleet_file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        self.served = ServedFleet.start(fleet_file, self.state / "sim", extra_args=["--handlers", str(PEER_HANDLERS)],
                                        timeout=READY_TIMEOUT)
        try:
            if self.served.ready["listening"] != self.size:
                raise RuntimeError(f"winsim serve: {self.served.ready['listening']} of {self.size} hosts listening")
        except BaseException:
            self.served.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.served is not None:
            self.served.stop()

    def reset_stats(self) -> None:
        request = urllib.request.Request(self.control_url + "/reset", method="POST")
        with urllib.request.urlopen(request, timeout=60):  # 127.0.0.1 control endpoint
            pass

    def stats(self) -> dict:
        assert self.served is not None
        return self.served.stats()

    def cpu_seconds(self) -> float:
        """CPU the simulator has used so far (it shares the machine with the controller)."""
        return cpu_seconds(self.served.pid) if self.served is not None else 0.0
