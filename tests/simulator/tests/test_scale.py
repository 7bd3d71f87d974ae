# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Fleet scale: 200 hosts on their own loopback addresses, one ansible run over all of them.

Marked ``slow`` (``pytest -m 'not slow'`` skips them). The Basic fleet uses
127.0.0.2 upwards on port 5985 like a demo fleet, the NTLM fleet the same block
one /24 higher (so pytest-xdist may run both at once); set
WINSIM_SCALE_FIRST_ADDRESS (e.g. 127.0.42.1) when something else already
listens there.
"""

from __future__ import annotations

import ipaddress
import os
import resource
import time

import pytest

from winsim import BackgroundSimulator, FleetBuilder

from sim_helpers import FIXTURE_PROFILES, run_ansible

pytestmark = pytest.mark.slow
HOSTS = 200
FIRST_ADDRESS = os.environ.get("WINSIM_SCALE_FIRST_ADDRESS", "127.0.0.2")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@pytest.mark.parametrize("auth", ["basic", "ntlm"])
def test_200_hosts_start_fast_and_answer_ansible(tmp_path, auth) -> None:
    first_address = str(ipaddress.IPv4Address(FIRST_ADDRESS) + (0 if auth == "basic" else 256))
    fleet = (FleetBuilder(profiles_dir=FIXTURE_PROFILES, first_address=first_address, auth=auth)
             .add_many(HOSTS, name="win-{n:03d}", profiles=["minimal_digital_license_pro", "kms_server_2022", "oem_pro_with_office"])
             .build())
    started = time.monotonic()
    with BackgroundSimulator(fleet) as sim:
        startup = time.monotonic() - started
        assert startup < 5, f"{HOSTS} hosts took {startup:.2f}s to start"
        addresses = {sim.server.address_of(name) for name in fleet.names}
        assert len(addresses) == HOSTS and all(port == 5985 and address.startswith("127.") for address, port in addresses)

        inventory = sim.write_inventory(tmp_path / "inventory.yml")
        cpu_before = cpu_seconds()
        results = run_ansible(inventory, "all", "hostname", tmp_path, "-f", "20", timeout=170)
        simulator_cpu = cpu_seconds() - cpu_before  # this process = the simulator (ansible runs in a child process)

        assert len(results) == HOSTS
        failures = {name: result for name, result in results.items() if result.get("stdout") != f"{name}\r\n"}
        assert not failures, f"{len(failures)} hosts failed, e.g. {next(iter(failures.items()))}"
        totals = sim.stats.as_dict()["totals"]
        assert totals["commands"] == HOSTS
        assert totals["requests"] == HOSTS * (5 if auth == "basic" else 8)
        # Light on CPU: the simulator must leave the cores to ansible-playbook.
        assert simulator_cpu / totals["requests"] < 0.003, f"{simulator_cpu:.2f}s CPU for {totals['requests']} requests"
