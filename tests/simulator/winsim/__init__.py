# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""winsim: a simulated fleet of Windows hosts that real WinRM clients (pywinrm, ansible) talk to.

Layers, bottom up (README.md "Layout"): :mod:`winsim.net` (HTTP, authentication, TLS,
loopback), :mod:`winsim.windows` (cmd/PowerShell, CIM, WQL, output formats, the handler
registry), :mod:`winsim.wsman` (WS-Management envelopes, the WinRS shell service),
:mod:`winsim.personalities` (programs on the host: the collector) and :mod:`winsim.fleet`
(fleet files, profiles, faults, hosts, the server). At the top: :mod:`winsim.cli` (the
``winsim`` command), :mod:`winsim.launch` (start ``winsim serve`` as a process and wait
until it is ready), :mod:`winsim.collection` (the collection's own names) and
:mod:`winsim.errors`.

Python API::

    from winsim import FleetBuilder, BackgroundSimulator, load_fleet

    fleet = FleetBuilder(profiles_dir="profiles", listen="ephemeral").add("win-001", profile="digital_license_pro").build()
    with BackgroundSimulator(fleet) as sim:
        sim.endpoint("win-001")          # http://127.0.0.1:<port>/wsman
        sim.write_inventory(path)        # an Ansible inventory for the running fleet
        sim.stats.as_dict()              # per-host counters

    from winsim.launch import serve_fleet   # the same fleet as a `winsim serve` process
"""

from __future__ import annotations

__version__ = "0.1.0"

from winsim.errors import ConfigError  # noqa: E402
from winsim.fleet.fleet import FleetBuilder, FleetSpec, HostSpec, load_fleet, parse_fleet  # noqa: E402
from winsim.fleet.server import BackgroundSimulator, FleetServer  # noqa: E402
from winsim.launch import ServedFleet, serve_fleet  # noqa: E402
import winsim.personalities  # noqa: E402,F401  (registers the built-in personalities' handlers)

__all__ = ["BackgroundSimulator", "ConfigError", "FleetBuilder", "FleetServer", "FleetSpec", "HostSpec", "ServedFleet",
           "load_fleet", "parse_fleet", "serve_fleet", "__version__"]
