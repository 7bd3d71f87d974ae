# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The Ansible inventory of a running fleet: ``ansible-playbook -i <it>`` works with no editing.

All hosts are in group ``windows``; hosts with no fault are also in
``winsim_healthy``, the others in ``winsim_faulty`` and ``winsim_fault_<kind>``.
Each host carries its connection variables (``ansible_winrm_transport``: the client
transport of the host's preferred scheme) and, for tests, ``winsim_profile``,
``winsim_fault``, ``winsim_expect`` (the profile's ``expect`` block) and ``winsim_auth``
(every scheme its listener offers). The variables per connection and
authentication (winrm, psrp, ssh; Kerberos, CredSSP, certificates) are :func:`winsim.fleet.connections.inventory_vars`'s.
The file holds the hosts' passwords, so it is written with mode 0600.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import yaml

from winsim.fleet import connections
from winsim.fleet.fleet import HostSpec


def host_vars(host: HostSpec, address: str, port: int, ca_file: Path | None,
              files: Mapping[str, object] | None = None) -> dict[str, object]:
    """Connection and test variables of one host (``files``: the fleet's realm, ssh key, known_hosts, client certificates)."""
    variables = connections.inventory_vars(host, address, port, ca_file, files)
    variables["winsim_profile"] = host.profile
    variables["winsim_fault"] = host.fault_kind
    variables["winsim_expect"] = host.expect
    variables["winsim_auth"] = list(host.auth_schemes) if host.auth_schemes else [host.auth]
    return variables


def build(hosts: list[tuple[HostSpec, str, int]], ca_file: Path | None,
          files: Mapping[str, object] | None = None) -> dict[str, object]:
    """Inventory document for (host, bound address, bound port) triples."""
    windows: dict[str, object] = {}
    healthy: dict[str, object] = {}
    faulty: dict[str, object] = {}
    by_fault: dict[str, dict[str, object]] = {}
    for host, address, port in hosts:
        windows[host.name] = host_vars(host, address, port, ca_file, files)
        if host.fault_kind is None:
            healthy[host.name] = None
        else:
            faulty[host.name] = None
            by_fault.setdefault(f"winsim_fault_{host.fault_kind}", {})[host.name] = None
    children: dict[str, object] = {"windows": {"hosts": windows}}
    children["winsim_healthy"] = {"hosts": healthy}
    children["winsim_faulty"] = {"hosts": faulty}
    for group, members in sorted(by_fault.items()):
        children[group] = {"hosts": members}
    return {"all": {"children": children}}


def write(path: Path, document: dict[str, object]) -> None:
    """Write the inventory with mode 0600 (it holds passwords), replacing any older file atomically."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("# Written by winsim serve; removed when it stops. Holds the simulated hosts' passwords.\n")
        yaml.safe_dump(document, handle, sort_keys=False, default_flow_style=False)
    os.replace(temporary, path)
