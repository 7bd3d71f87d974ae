# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The fleet, the top layer: which hosts exist, what each one holds and how it fails, and running them.

Fleet files and the builder (:mod:`~winsim.fleet.fleet`), generated fleets
(:mod:`~winsim.fleet.fleetgen`), the profile library of CIM values
(:mod:`~winsim.fleet.profiles`, default directory ``tests/profiles``), fault kinds
(:mod:`~winsim.fleet.faults`), the Ansible inventory (:mod:`~winsim.fleet.inventory`) and
the per-host counters (:mod:`~winsim.fleet.stats`); then one simulated host assembled from
the layers below (:mod:`~winsim.fleet.host`) and the event loop serving every host's
listener plus the control endpoint (:mod:`~winsim.fleet.server`). The lower layers use the
modules that describe a host (faults, profiles' ``CimData``, stats) but never those that
assemble or serve hosts (fleet, fleetgen, inventory, host, server).
"""
