# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""winsim: a simulated fleet of Windows hosts that real WinRM clients (pywinrm, ansible) talk to.

Python API::

    from winsim import FleetBuilder, BackgroundSimulator, load_fleet

    fleet = FleetBuilder(profiles_dir="profiles", listen="ephemeral").add("win-001", profile="digital_license_pro").build()
    with BackgroundSimulator(fleet) as sim:
        sim.endpoint("win-001")          # http://127.0.0.1:<port>/wsman
        sim.write_inventory(path)        # an Ansible inventory for the running fleet
        sim.stats.as_dict()              # per-host counters
"""

from __future__ import annotations

__version__ = "0.1.0"

from winsim.errors import ConfigError  # noqa: E402
from winsim.fleet import FleetBuilder, FleetSpec, HostSpec, load_fleet, parse_fleet  # noqa: E402
from winsim.server import BackgroundSimulator, FleetServer  # noqa: E402

__all__ = ["BackgroundSimulator", "ConfigError", "FleetBuilder", "FleetServer", "FleetSpec", "HostSpec", "load_fleet",
           "parse_fleet", "__version__"]
