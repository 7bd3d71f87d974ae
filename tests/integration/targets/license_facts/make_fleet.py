#!/usr/bin/env python
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print the fleet of this target: every profile of the library once per auth mode, plus faults."""

from __future__ import annotations

import os
import sys

import yaml

PROFILES = os.path.join(os.environ["COLLECTION_ROOT"], "tests", "profiles")

# Auth modes the facts must come through unchanged.
MODES = [
    ("basic", {"auth": "basic", "transport": "http"}),
    ("ntlm", {"auth": "ntlm", "transport": "http"}),
    ("https", {"auth": "basic", "transport": "https", "certificate": "valid"}),
]

# Host faults that reach the collector, each on a healthy profile.
FAULTS = ["wmi_error", "service_disabled", "access_denied", "not_json", "truncated", "large_output", "not_windows", "old_powershell"]


def main() -> int:
    profiles = sorted(name[:-4] for name in os.listdir(PROFILES) if name.endswith(".yml"))
    hosts = []
    for mode, settings in MODES:
        for profile in profiles:
            hosts.append({"name": f"{mode}-{profile}".replace("_", "-"), "profile": profile, **settings})
    for fault in FAULTS:
        entry = {"name": f"fault-{fault}".replace("_", "-"), "profile": "digital_license_pro", "fault": fault}
        if fault == "large_output":
            entry["fault_options"] = {"bytes": 3_000_000}
        hosts.append(entry)
    fleet = {
        "defaults": {"username": "auditor", "password": "Integration-Passw0rd!", "listen": "ephemeral"},
        "hosts": hosts,
    }
    yaml.safe_dump(fleet, sys.stdout, sort_keys=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
