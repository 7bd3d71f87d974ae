# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The audit_report inventory plugin, parsing real configuration files into ansible-core's InventoryData."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone

import pytest
import yaml
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader

from ansible_collections.licensing.windows.plugins.inventory import audit_report
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.verdict import verdicts
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.waivers import normalize_waivers
from ansible_collections.licensing.windows.plugins.plugin_utils._report.model import build_report, load_report
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_json import render_json
from ansible_collections.licensing.windows.tests.unit.plugins.plugin_utils._report.sample_results import registered_facts as facts

NAME = "licensing.windows.audit_report"
GENERATED = datetime(2026, 11, 21, 10, 30, tzinfo=timezone.utc)
BASELINE_GENERATED = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
DAY = 1440
STATUS_GROUPS = ("license_compliant", "license_noncompliant", "license_unknown")
OWN_GROUPS = (*STATUS_GROUPS, "license_waived", "license_regressed")


RESULTS = {
    "win-ok": facts(),
    "win-sub": facts("subscription", True),
    "win-key": facts("product_key", False),  # regressed: it had a digital license in the baseline
    "win-grace": facts("not_activated", False, status="oob_grace", grace_remaining_minutes=5 * DAY,
                       grace_expires_at="2026-11-26T10:00:00Z"),
    "win-lab": facts("product_key", False),  # waived
    "win-lost": {"unreachable": True, "msg": "connection refused"},
    "win-denied": {"failed": True, "msg": "Access is denied.", "error_code": "access_denied"},
}
BASELINE_RESULTS = {**{name: result for name, result in RESULTS.items() if name != "win-sub"},
                    "win-key": facts(), "win-old": facts()}
WAIVERS = [{"id": "lab-keys", "hosts": ["win-lab"], "justification": "lab machines keep retail keys",
            "expires": "2027-06-30"}]


def fleet_report() -> dict:
    baseline = build_report(verdicts(list(BASELINE_RESULTS), BASELINE_RESULTS, {}), {}, BASELINE_GENERATED, "g")
    return build_report(verdicts(list(RESULTS), RESULTS, {}), {}, GENERATED, "licensing.windows 0.1.0",
                        baseline=load_report(render_json(baseline)), waivers=normalize_waivers(WAIVERS))


@pytest.fixture
def plugin():
    """The plugin set up as ansible-core's plugin loader sets it up (its options read from DOCUMENTATION).

    Loading it by name needs the collection finder installed before anything imported the
    collection, which a plain pytest run of tests/unit does not do.
    """
    # pylint: disable=protected-access
    inventory_loader._load_config_defs(NAME, audit_report, audit_report.__file__)
    module = audit_report.InventoryModule()
    inventory_loader._update_object(obj=module, name=NAME, path=audit_report.__file__, redirected_names=[NAME], resolved=NAME)
    return module


def write_config(directory, options: dict, name: str = "fleet.audit_report.yml"):
    path = directory / name
    path.write_text(yaml.safe_dump({"plugin": NAME, **options}, sort_keys=False), encoding="utf-8")
    return path


def write_report(path, report=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_json(fleet_report() if report is None else report), encoding="utf-8")
    return path


def parse(plugin, config, inventory=None) -> InventoryData:
    inventory = InventoryData() if inventory is None else inventory
    plugin.parse(inventory, DataLoader(), str(config), cache=False)
    return inventory


def members(inventory: InventoryData, group: str) -> list[str]:
    return sorted(host.name for host in inventory.groups[group].get_hosts())


@pytest.fixture
def fleet(tmp_path, plugin):
    """The fleet report parsed through a configuration with a relative path."""
    write_report(tmp_path / "reports" / "license-audit.json")
    return parse(plugin, write_config(tmp_path, {"path": "reports/license-audit.json"}))


# ---------------------------------------------------------------------------------------
# verify_file
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, accepted",
    [
        ("fleet.audit_report.yml", True),
        ("fleet.audit_report.yaml", True),
        ("audit_report.yml", True),
        ("fleet-audit_report.yml", True),
        ("fleet.yml", False),
        ("audit_report.json", False),
        ("audit_report.yml.bak", False),
        ("license-audit.json", False),
    ],
)
def test_verify_file_accepts_only_audit_report_configs(tmp_path, plugin, name, accepted):
    path = tmp_path / name
    path.write_text(f"plugin: {NAME}\npath: x\n", encoding="utf-8")
    assert plugin.verify_file(str(path)) is accepted


def test_verify_file_rejects_a_file_that_does_not_exist(tmp_path, plugin):
    assert plugin.verify_file(str(tmp_path / "fleet.audit_report.yml")) is False


# ---------------------------------------------------------------------------------------
# Hosts, groups and variables
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "group, hosts",
    [
        ("license_compliant", ["win-ok", "win-sub"]),
        ("license_noncompliant", ["win-grace", "win-key", "win-lab"]),
        ("license_unknown", ["win-denied", "win-lost"]),
        ("license_waived", ["win-lab"]),
        ("license_regressed", ["win-key"]),
    ],
)
def test_hosts_are_grouped_by_their_verdicts(fleet, group, hosts):
    assert members(fleet, group) == hosts


def test_every_host_of_the_report_and_no_gone_host(fleet):
    assert sorted(fleet.hosts) == sorted(RESULTS)
    assert "win-old" not in fleet.hosts  # gone since the baseline
    assert not any(name == "win-old" for group in fleet.groups.values() for name in group.host_names)


def test_each_host_holds_its_record_as_license_audit(tmp_path, fleet):
    report = load_report(tmp_path / "reports" / "license-audit.json")
    for record in report["hosts"]:
        host_vars = fleet.get_host(record["host"]).get_vars()
        assert host_vars["license_audit"] == record
        assert host_vars["license_audit_report"] == {
            "path": str(tmp_path / "reports" / "license-audit.json"),
            "generated_at": "2026-11-21T10:30:00Z",
            "generator": "licensing.windows 0.1.0",
            "policy": report["policy"],
        }
        assert "ansible_host" not in host_vars  # the report records no address


def test_the_record_fields_the_groups_come_from(fleet):
    assert fleet.get_host("win-lab").get_vars()["license_audit"]["waiver"]["state"] == "active"
    assert fleet.get_host("win-key").get_vars()["license_audit"]["change"] == "regressed"
    assert fleet.get_host("win-key").get_vars()["license_audit"]["baseline_status"] == "compliant"
    assert fleet.get_host("win-sub").get_vars()["license_audit"]["change"] == "new"


def test_an_expired_waiver_is_not_license_waived(tmp_path, plugin):
    report = fleet_report()
    record = next(host for host in report["hosts"] if host["host"] == "win-lab")
    record["waiver"]["state"] = "expired"
    write_report(tmp_path / "license-audit.json", report)
    inventory = parse(plugin, write_config(tmp_path, {"path": "license-audit.json"}))
    assert members(inventory, "license_waived") == []
    assert "win-lab" in members(inventory, "license_noncompliant")


def test_a_report_without_baseline_or_waivers_still_creates_every_group(tmp_path, plugin):
    report = build_report(verdicts(["win-ok"], {"win-ok": facts()}, {}), {}, GENERATED, "g")
    write_report(tmp_path / "license-audit.json", report)
    inventory = parse(plugin, write_config(tmp_path, {"path": "license-audit.json"}))
    assert {group: members(inventory, group) for group in OWN_GROUPS} == {
        "license_compliant": ["win-ok"], "license_noncompliant": [], "license_unknown": [],
        "license_waived": [], "license_regressed": [],
    }


def test_an_empty_report_adds_no_host(tmp_path, plugin):
    write_report(tmp_path / "license-audit.json", build_report([], {}, GENERATED, "g"))
    inventory = parse(plugin, write_config(tmp_path, {"path": "license-audit.json"}))
    assert not inventory.hosts
    assert set(OWN_GROUPS) <= set(inventory.groups)


def test_a_schema_1_report_still_loads(tmp_path, plugin):
    document = json.loads(render_json(fleet_report()))
    document["schema"] = "licensing.windows.license_audit/1"
    for key in ("baseline", "waivers"):
        del document[key]
    for record in document["hosts"]:
        for key in ("change", "baseline_status", "waiver"):
            del record[key]
    (tmp_path / "license-audit.json").write_text(json.dumps(document), encoding="utf-8")
    inventory = parse(plugin, write_config(tmp_path, {"path": "license-audit.json"}))
    assert members(inventory, "license_noncompliant") == ["win-grace", "win-key", "win-lab"]
    assert members(inventory, "license_waived") == members(inventory, "license_regressed") == []
    assert inventory.get_host("win-key").get_vars()["license_audit"]["change"] is None


def test_hosts_of_an_earlier_source_keep_their_variables(tmp_path, plugin):
    """Combined with the normal inventory (-i inventory/ -i fleet.audit_report.yml): same host, more variables."""
    inventory = InventoryData()
    inventory.add_group("windows")
    inventory.add_host("win-key", group="windows")
    inventory.set_variable("win-key", "ansible_host", "192.0.2.10")
    write_report(tmp_path / "license-audit.json")
    config = write_config(tmp_path, {"path": "license-audit.json", "compose": {"fix_address": "ansible_host"}})
    parse(plugin, config, inventory)
    host_vars = inventory.get_host("win-key").get_vars()
    assert host_vars["ansible_host"] == "192.0.2.10"
    assert host_vars["fix_address"] == "192.0.2.10"
    assert host_vars["license_audit"]["status"] == "noncompliant"
    assert members(inventory, "windows") == ["win-key"]
    assert "win-key" in members(inventory, "license_noncompliant")


# ---------------------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "configured, report_at",
    [
        ("license-audit.json", "config/license-audit.json"),
        ("../reports/license-audit.json", "reports/license-audit.json"),
        ("./nested/dir/license-audit.json", "config/nested/dir/license-audit.json"),
    ],
)
def test_a_relative_path_is_relative_to_the_configuration_file(tmp_path, plugin, monkeypatch, configured, report_at):
    write_report(tmp_path / report_at)
    (tmp_path / "config").mkdir(exist_ok=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the current directory plays no part
    inventory = parse(plugin, write_config(tmp_path / "config", {"path": configured}))
    assert len(inventory.hosts) == len(RESULTS)
    assert inventory.get_host("win-ok").get_vars()["license_audit_report"]["path"] == str(tmp_path / report_at)


def test_an_absolute_path_and_the_home_directory(tmp_path, plugin, monkeypatch):
    report = write_report(tmp_path / "home" / "reports" / "license-audit.json")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for configured in (str(report), "~/reports/license-audit.json", "$HOME/reports/license-audit.json"):
        inventory = parse(plugin, write_config(tmp_path, {"path": configured}))
        assert inventory.get_host("win-ok").get_vars()["license_audit_report"]["path"] == str(report)


# ---------------------------------------------------------------------------------------
# Constructed: compose, groups, keyed_groups, strict
# ---------------------------------------------------------------------------------------


def test_keyed_groups_by_method_and_by_reason(tmp_path, plugin):
    write_report(tmp_path / "license-audit.json")
    config = write_config(tmp_path, {
        "path": "license-audit.json",
        "keyed_groups": [
            {"prefix": "license_method", "key": "license_audit.facts.method", "default_value": "not_collected"},
            {"prefix": "license_reason", "key": "license_audit.reasons"},
        ],
    })
    inventory = parse(plugin, config)
    assert members(inventory, "license_method_digital_license") == ["win-ok"]
    assert members(inventory, "license_method_product_key") == ["win-key", "win-lab"]
    assert members(inventory, "license_method_not_activated") == ["win-grace"]
    assert members(inventory, "license_method_not_collected") == ["win-denied", "win-lost"]
    assert members(inventory, "license_reason_not_digital_entitlement") == ["win-key", "win-lab"]
    assert members(inventory, "license_reason_unreachable") == ["win-lost"]


def test_compose_and_conditional_groups(tmp_path, plugin):
    write_report(tmp_path / "license-audit.json")
    config = write_config(tmp_path, {
        "path": "license-audit.json",
        "compose": {"license_status": "license_audit.status", "audited_at": "license_audit_report.generated_at"},
        "groups": {
            "license_grace_ending": "license_audit.facts.grace_expires_at is not none "
                                    "and license_audit.facts.grace_days_remaining < 14",
            "license_to_fix": "license_audit.status == 'noncompliant' and license_audit.waiver is none",
        },
    })
    inventory = parse(plugin, config)
    assert inventory.get_host("win-lost").get_vars()["license_status"] == "unknown"
    assert inventory.get_host("win-ok").get_vars()["audited_at"] == "2026-11-21T10:30:00Z"
    assert members(inventory, "license_grace_ending") == ["win-grace"]
    assert members(inventory, "license_to_fix") == ["win-grace", "win-key"]


def test_a_bad_expression_is_skipped_unless_strict(tmp_path, plugin):
    write_report(tmp_path / "license-audit.json")
    options = {"path": "license-audit.json", "compose": {"owner": "license_audit.waiver.owner.upper()"}}
    inventory = parse(plugin, write_config(tmp_path, options))
    assert "owner" not in inventory.get_host("win-ok").get_vars()  # no waiver: the expression failed, quietly
    with pytest.raises(AnsibleError, match="Could not set owner for host"):
        parse(plugin, write_config(tmp_path, {**options, "strict": True}))


def test_values_from_the_report_are_never_templated(tmp_path, plugin):
    report = fleet_report()
    record = next(host for host in report["hosts"] if host["host"] == "win-key")
    record["summary"] = "{{ lookup('env', 'HOME') }}"
    write_report(tmp_path / "license-audit.json", report)
    config = write_config(tmp_path, {"path": "license-audit.json", "compose": {"said": "license_audit.summary"}})
    inventory = parse(plugin, config)
    assert inventory.get_host("win-key").get_vars()["said"] == "{{ lookup('env', 'HOME') }}"


# ---------------------------------------------------------------------------------------
# Bad input: each one a clear error naming the file and the field
# ---------------------------------------------------------------------------------------


def _report_text(change) -> str:
    document = json.loads(render_json(fleet_report()))
    change(document)
    return json.dumps(document)


BAD_REPORTS = [
    ("missing", None, "cannot read the report: No such file or directory"),
    ("not JSON", "this is not json", "not valid JSON (line 1, column 1"),
    ("another JSON document", '{"hosts": []}', "not a license audit report: the 'schema' field is missing"),
    ("a JSON list", "[1, 2]", "expected a JSON object (a license-audit.json report), got a list"),
    ("an unknown schema version", _report_text(lambda d: d.update(schema="licensing.windows.license_audit/9")),
     "schema: expected one of 'licensing.windows.license_audit/2', 'licensing.windows.license_audit/1', "
     "got 'licensing.windows.license_audit/9'"),
    ("a bad status", _report_text(lambda d: d["hosts"][0].update(status="fine")),
     "hosts[0].status: expected one of compliant, noncompliant, unknown, got a string 'fine'"),
    ("a record without facts", _report_text(lambda d: d["hosts"][1].pop("facts")), "hosts[1].facts: missing; expected an object"),
    ("a host twice", _report_text(lambda d: d["hosts"].append(copy.deepcopy(d["hosts"][0]))), "appears more than once"),
]


@pytest.mark.parametrize("content, fragment", [row[1:] for row in BAD_REPORTS], ids=[row[0] for row in BAD_REPORTS])
def test_a_bad_report_is_a_parser_error_naming_the_file_and_the_field(tmp_path, plugin, content, fragment):
    report = tmp_path / "license-audit.json"
    if content is not None:
        report.write_text(content, encoding="utf-8")
    with pytest.raises(AnsibleParserError) as caught:
        parse(plugin, write_config(tmp_path, {"path": "license-audit.json"}))
    message = str(caught.value)
    assert message.startswith(f"{report}: "), message
    assert message.count(fragment) == 1, message  # said once, not repeated by a chained cause


BAD_CONFIGS = [
    ("no path", {"plugin": NAME}, AnsibleError, "Required config 'path' for 'licensing.windows.audit_report' inventory plugin"),
    ("an empty path", {"plugin": NAME, "path": "  "}, AnsibleParserError, "path: expected the path of a license-audit.json report"),
    ("another plugin's file", {"plugin": "ansible.builtin.constructed", "path": "x"}, AnsibleParserError,
     "Incorrect plugin name in file: ansible.builtin.constructed"),
    ("a misspelt option", {"plugin": NAME, "path": "x", "keyed_group": []}, AnsibleParserError,
     "fleet.audit_report.yml: unknown option 'keyed_group'; expected some of compose, groups, keyed_groups, "
     "leading_separator, path, plugin, strict, use_extra_vars"),
]


@pytest.mark.parametrize("config, error, fragment", [row[1:] for row in BAD_CONFIGS], ids=[row[0] for row in BAD_CONFIGS])
def test_a_bad_configuration_is_an_error(tmp_path, plugin, config, error, fragment):
    path = tmp_path / "fleet.audit_report.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    with pytest.raises(error) as caught:
        parse(plugin, path)
    assert fragment in str(caught.value)
