# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Licensing facts in Ansible's fact cache, and inventory groups built from them.

One ansible invocation collects the facts with fact caching on (jsonfile); a second one,
which contacts no host, groups the hosts by activation method and digital license with the
constructed inventory plugin, using the example file that docs/inventories.md shows.
"""

from __future__ import annotations

import json
import re
import subprocess

import yaml
from collection_build import BIN, ROOT
from conftest import ansible_env

EXAMPLE = ROOT / "docs" / "examples" / "inventory" / "license_groups.yml"
PROFILES = ROOT / "tests" / "profiles"

# A key-shaped string a host echoes back in a text field; the controller must mask it.
ECHOED_KEY = "FAKE9-FAKE8-FAKE7-FAKE6-Q7W3R"
KEY_SHAPES = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z0-9]{5}-){4}[A-Za-z0-9]{5}|(?<![A-Za-z0-9])[A-Za-z0-9]{25}(?![A-Za-z0-9])")

FLEET = {
    "defaults": {"listen": "ephemeral"},
    "hosts": [
        {"name": "ws-01", "profile": "digital_license_pro"},
        {"name": "ws-02", "profile": "retail_key"},
        {"name": "ws-03", "profile": "kms_client"},
        {"name": "ws-04", "profile": "oem_firmware_key",
         "overrides": {"service": {"OA3xOriginalProductKeyDescription": f"[4.0] Professional OEM:DM {ECHOED_KEY}"}}},
        {"name": "ws-05", "profile": "oem_firmware_key_different_key"},
        {"name": "ws-06", "profile": "not_activated"},
        {"name": "srv-01", "profile": "server_2022_retail", "auth": "ntlm"},
        {"name": "down-01", "profile": "digital_license_pro", "fault": "not_listening"},
    ],
}


def full_keys_in_profiles() -> set[str]:
    """The fake full firmware keys the simulated hosts hold (the collector must cut them on the host)."""
    keys = set()
    for entry in FLEET["hosts"]:
        profile = yaml.safe_load((PROFILES / f"{entry['profile']}.yml").read_text(encoding="utf-8"))
        key = (profile.get("service") or {}).get("OA3xOriginalProductKey")
        if key:
            keys.add(key)
    return keys


def test_cached_facts_group_hosts_by_activation_without_contacting_them(fleet_factory, collections_path, tmp_path):
    fleet = fleet_factory(FLEET)
    inventory = yaml.safe_load(fleet.inventory.read_text(encoding="utf-8"))["all"]["children"]["windows"]["hosts"]
    cache = tmp_path / "fact-cache"
    cached = {"ANSIBLE_CACHE_PLUGIN": "jsonfile", "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(cache)}

    # 1. Collect and judge, exactly as docs/inventories.md shows (ad hoc). The unreachable host fails (rc 4).
    collect = subprocess.run(
        [str(BIN / "ansible"), "windows", "-i", str(fleet.inventory), "-m", "licensing.windows.license_facts",
         "-a", '{"policy": {}}'],
        env=ansible_env(collections_path, **cached), cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )
    assert collect.returncode == 4, collect.stdout[-3000:] + collect.stderr[-3000:]
    assert re.findall(r"^(\S+) \| UNREACHABLE", collect.stdout, re.MULTILINE) == ["down-01"]

    # The cache holds the facts of every reached host, and never a full product key.
    cache_text = {path.name: path.read_text(encoding="utf-8") for path in cache.iterdir()}
    assert len(cache_text) == len(inventory) - 1
    everything = "\n".join(cache_text.values())
    assert "windows_license" in everything
    secrets = full_keys_in_profiles() | {ECHOED_KEY}
    assert len(secrets) >= 3
    assert not [key for key in secrets if key in everything]
    assert not KEY_SHAPES.findall(everything)
    assert "Q7W3R" in everything  # the echoed key's last five characters survive, masked

    # 2. A second invocation groups the hosts from the cache alone: the fleet is stopped first
    #    (winsim removes its inventory when it stops, so keep a copy).
    hosts_file = tmp_path / "hosts.yml"
    hosts_file.write_text(fleet.inventory.read_text(encoding="utf-8"), encoding="utf-8")
    fleet.stop()
    groups_run = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(hosts_file), "-i", str(EXAMPLE), "--list"],
        env=ansible_env(collections_path, **cached), cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert groups_run.returncode == 0, groups_run.stderr
    listing = json.loads(groups_run.stdout)

    def members(group):
        return set(listing.get(group, {}).get("hosts", []))

    reached = {name for name, host in inventory.items() if host.get("winsim_fault") is None}
    for name in reached:
        expect = inventory[name]["winsim_expect"]
        assert name in members(f"activation_{expect['method']}"), (name, expect)
        composed = listing["_meta"]["hostvars"][name]["license_method"]
        # ansible-inventory marks values that came from a host as unsafe (not to be templated).
        assert (composed.get("__ansible_unsafe") if isinstance(composed, dict) else composed) == expect["method"]
        assert (name in members("digital_license"), name in members("no_digital_license")) == (
            expect["digital_license"] is True, expect["digital_license"] is False), (name, expect)
    assert members("license_facts_missing") == {"down-01"}
    # The verdicts were cached with the facts: each reached host is in the one audit_<status>
    # group its cached verdict names.
    audit_groups = {status: members(f"audit_{status}") for status in ("compliant", "noncompliant", "unknown")}
    for name in reached:
        verdict = listing["_meta"]["hostvars"][name]["license_verdict"]
        verdict = verdict.get("__ansible_unsafe") if isinstance(verdict, dict) else verdict
        assert [status for status, hosts in audit_groups.items() if name in hosts] == [verdict], name
    assert {"ws-01", "srv-01"} <= audit_groups["compliant"]  # digital license; Server with any activation
    assert {"ws-02", "ws-06"} <= audit_groups["noncompliant"]  # retail key; not activated
    assert "down-01" not in set().union(*audit_groups.values())
    assert members("digital_license") | members("no_digital_license") | members("digital_license_unknown") == reached
    methods = {inventory[name]["winsim_expect"]["method"] for name in reached}
    assert len(methods) >= 4  # the fleet really spans several activation methods

    # Without the cache the same inventory has no licensing groups: they came from the cache.
    uncached = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(hosts_file), "-i", str(EXAMPLE), "--list"],
        env=ansible_env(collections_path, ANSIBLE_CACHE_PLUGIN="memory"), cwd=tmp_path, capture_output=True, text=True,
        timeout=120, check=False,
    )
    assert uncached.returncode == 0, uncached.stderr
    assert not [group for group in json.loads(uncached.stdout) if group.startswith(("activation_", "digital_license"))]


def test_docs_show_the_tested_inventory_file():
    page = (ROOT / "docs" / "inventories.md").read_text(encoding="utf-8")
    assert "examples/inventory/license_groups.yml" in page
    blocks = [block.strip() for block in re.findall(r"^```yaml\n(.*?)^```", page, re.MULTILINE | re.DOTALL)]
    assert EXAMPLE.read_text(encoding="utf-8").strip() in blocks, "docs/inventories.md must show the example file as it is"
