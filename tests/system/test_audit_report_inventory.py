# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit_report inventory plugin through the real commands: ansible-inventory and ansible-playbook.

A report of a handful of hosts (every status, one waived, one regressed since its baseline,
one gone) is built with the collection's report model and written as license-audit.json; the
tests then read it the way docs/inventories.md tells a user to: ansible-inventory --graph,
--list and --host, and a remediation playbook limited to license_noncompliant, alone and
together with the inventory that knows the hosts' addresses.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest
import yaml
from conftest import BIN, ROOT, ansible_env
from conftest import registered_facts as facts

GENERATED = "2026-11-21T10:30:00Z"
BASELINE_GENERATED = "2026-11-20T10:00:00Z"
DAY = 1440


# What the hosts' license_facts tasks returned tonight.
RESULTS = {
    "pc-digital": facts(),
    "pc-subscription": facts("subscription", True),
    "pc-retail": facts("product_key", False),  # had its digital license last night: regressed
    "pc-grace": facts("not_activated", False, status="oob_grace", grace_remaining_minutes=5 * DAY,
                      grace_expires_at="2026-11-26T10:00:00Z"),
    "lab-retail": facts("product_key", False),  # waived
    "pc-offline": {"unreachable": True, "msg": "connection refused"},
    "pc-denied": {"failed": True, "msg": "Access is denied.", "error_code": "access_denied"},
}
# Last night's audit, the baseline: pc-subscription was not audited yet, pc-retired still was.
BASELINE_RESULTS = {**{name: result for name, result in RESULTS.items() if name != "pc-subscription"},
                    "pc-retail": facts(), "pc-retired": facts()}
WAIVERS = {"waivers": [{"id": "lab-keys", "hosts": ["lab-*"], "justification": "lab machines keep retail keys",
                        "owner": "lab-team", "expires": "2027-06-30"}]}

EXPECTED_GROUPS = {
    "license_compliant": {"pc-digital", "pc-subscription"},
    "license_noncompliant": {"lab-retail", "pc-grace", "pc-retail"},
    "license_unknown": {"pc-denied", "pc-offline"},
    "license_waived": {"lab-retail"},
    "license_regressed": {"pc-retail"},
    "license_method_digital_license": {"pc-digital"},
    "license_method_subscription": {"pc-subscription"},
    "license_method_product_key": {"lab-retail", "pc-retail"},
    "license_method_not_activated": {"pc-grace"},
    "license_method_not_collected": {"pc-denied", "pc-offline"},
}

PLAYBOOK = [{
    "name": "Remediate what the audit found",
    "hosts": "license_noncompliant",
    "gather_facts": False,
    "connection": "local",
    "tasks": [{"name": "Name the host", "ansible.builtin.debug": {"msg": "{{ inventory_hostname }}"}}],
}]


@pytest.fixture(scope="module")
def collection(collections_path):
    """The collection's report model, waivers and verdicts, imported from the collections tree."""
    if str(collections_path) not in sys.path:
        sys.path.insert(0, str(collections_path))
    base = "ansible_collections.licensing.windows.plugins.plugin_utils"
    return SimpleNamespace(
        model=importlib.import_module(f"{base}._report.model"),
        render_json=importlib.import_module(f"{base}._report.render_json").render_json,
        verdicts=importlib.import_module(f"{base}._audit.verdict").verdicts,
        normalize_waivers=importlib.import_module(f"{base}._audit.waivers").normalize_waivers,
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, collection):
    """A directory with last night's baseline, tonight's report and the inventory configuration next to them."""
    work = tmp_path_factory.mktemp("audit_report_inventory")
    reports = work / "reports"
    reports.mkdir()
    model = collection.model
    baseline = model.build_report(collection.verdicts(list(BASELINE_RESULTS), BASELINE_RESULTS, {}), {},
                                  BASELINE_GENERATED, model.generator_name())
    (reports / "baseline.json").write_text(collection.render_json(baseline), encoding="utf-8")
    report = model.build_report(collection.verdicts(list(RESULTS), RESULTS, {}), {}, GENERATED, model.generator_name(),
                                baseline=model.load_report(reports / "baseline.json"),
                                waivers=collection.normalize_waivers(WAIVERS))
    (reports / "license-audit.json").write_text(collection.render_json(report), encoding="utf-8")
    config = work / "fleet.audit_report.yml"
    config.write_text(yaml.safe_dump({
        "plugin": "licensing.windows.audit_report",
        "path": "reports/license-audit.json",  # relative to this file
        "keyed_groups": [{"prefix": "license_method", "key": "license_audit.facts.method", "default_value": "not_collected"}],
        "compose": {"license_summary": "license_audit.summary"},
    }, sort_keys=False), encoding="utf-8")
    (work / "fix.yml").write_text(yaml.safe_dump(PLAYBOOK, sort_keys=False), encoding="utf-8")
    return SimpleNamespace(dir=work, config=config, report=model.load_report(reports / "license-audit.json"),
                           playbook=work / "fix.yml")


def run(collections_path, command: list[str], cwd, **env) -> subprocess.CompletedProcess:
    # cwd is the test's own directory, so that no ansible.cfg of the checkout applies.
    return subprocess.run([str(BIN / command[0]), *command[1:]], cwd=cwd, env=ansible_env(collections_path, **env),
                          capture_output=True, text=True, timeout=300, check=False)


def graph_groups(text: str) -> dict[str, set[str]]:
    """{group: hosts} of `ansible-inventory --graph` output (direct members only)."""
    groups: dict[str, set[str]] = {}
    stack: list[tuple[int, str]] = []
    for line in text.splitlines():
        match = re.match(r"^([ |]*)\|--(@?)(.+?):?$", line)
        if not match:
            continue
        depth = len(match.group(1)) // 3
        stack = [(level, name) for level, name in stack if level < depth]
        if match.group(2):
            groups.setdefault(match.group(3), set())
            stack.append((depth, match.group(3)))
        elif stack:
            groups[stack[-1][1]].add(match.group(3))
    return groups


def test_graph_shows_the_verdict_groups(collections_path, workspace):
    result = run(collections_path, ["ansible-inventory", "-i", str(workspace.config), "--graph"], workspace.dir)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    groups = graph_groups(result.stdout)
    for group, hosts in EXPECTED_GROUPS.items():
        assert groups.get(group) == hosts, (group, result.stdout)
    shown = set().union(*groups.values())
    assert shown == set(RESULTS)
    assert "pc-retired" not in result.stdout  # gone since the baseline: not created


UNSAFE = "__ansible_unsafe"


def unwrapped(value, strings: list):
    """``value`` without ansible-inventory's untrusted-string markers; every string found goes into ``strings``."""
    if isinstance(value, dict) and set(value) == {UNSAFE}:
        strings.append(("untrusted", value[UNSAFE]))
        return value[UNSAFE]
    if isinstance(value, dict):
        return {key: unwrapped(item, strings) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrapped(item, strings) for item in value]
    if isinstance(value, str):
        strings.append(("trusted", value))
    return value


def test_list_holds_every_record_untrusted_and_no_address(collections_path, workspace):
    result = run(collections_path, ["ansible-inventory", "-i", str(workspace.config), "--list"], workspace.dir)
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    strings: list = []
    hostvars = unwrapped(listed["_meta"]["hostvars"], strings)
    # Text from the report is data, never a template: ansible-inventory marks every string of it untrusted.
    assert strings and all(trust == "untrusted" for trust, _text in strings), [s for s in strings if s[0] != "untrusted"][:5]
    assert set(hostvars) == set(RESULTS)
    for record in workspace.report["hosts"]:
        host_vars = hostvars[record["host"]]
        assert host_vars["license_audit"] == record
        assert host_vars["license_summary"] == record["summary"]
        assert host_vars["license_audit_report"]["generated_at"] == GENERATED
        assert host_vars["license_audit_report"]["path"] == str(workspace.dir / "reports" / "license-audit.json")
        assert "ansible_host" not in host_vars
    for group, hosts in EXPECTED_GROUPS.items():
        assert set(listed[group]["hosts"]) == hosts, group


@pytest.mark.parametrize(
    "host, status, change, waiver",
    [
        ("pc-retail", "noncompliant", "regressed", None),
        ("lab-retail", "noncompliant", "unchanged", "active"),
        ("pc-subscription", "compliant", "new", None),
        ("pc-offline", "unknown", "unchanged", None),
    ],
)
def test_host_shows_one_record(collections_path, workspace, host, status, change, waiver):
    result = run(collections_path, ["ansible-inventory", "-i", str(workspace.config), "--host", host], workspace.dir)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)["license_audit"]
    assert (record["host"], record["status"], record["change"]) == (host, status, change)
    assert (record["waiver"] or {}).get("state") == waiver


def debug_messages(stdout: str) -> dict[str, str]:
    """{host: msg} of the debug tasks in ansible-playbook's default output (``ok: [host] => {"msg": ...}``)."""
    messages: dict[str, str] = {}
    for host, body in re.findall(r'^ok: \[([^\]]+)\] => (\{.*?^\})', stdout, re.MULTILINE | re.DOTALL):
        assert host not in messages, f"{host} ran twice"
        messages[host] = json.loads(body)["msg"]
    return messages


def recap_hosts(stdout: str) -> set[str]:
    return set(re.findall(r"^(\S+)\s+: ok=\d+", stdout.split("PLAY RECAP", 1)[-1], re.MULTILINE))


def test_a_playbook_runs_on_exactly_the_noncompliant_hosts(collections_path, workspace):
    result = run(collections_path, ["ansible-playbook", "-i", str(workspace.config), str(workspace.playbook)],
                 workspace.dir, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    noncompliant = EXPECTED_GROUPS["license_noncompliant"]
    assert debug_messages(result.stdout) == {host: host for host in noncompliant}
    assert recap_hosts(result.stdout) == noncompliant


def test_the_remediation_workflow_with_the_normal_inventory(collections_path, workspace):
    """-i inventory/ -i fleet.audit_report.yml --limit 'license_noncompliant:!license_waived', as the docs show."""
    inventory = workspace.dir / "inventory"
    inventory.mkdir(exist_ok=True)
    hosts = {name: {"ansible_host": f"192.0.2.{index}"} for index, name in enumerate(sorted(RESULTS), start=10)}
    (inventory / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {"windows": {"hosts": hosts}}}}), encoding="utf-8")
    playbook = workspace.dir / "fix_addresses.yml"
    message = "{{ inventory_hostname }} {{ ansible_host }} {{ license_audit.reasons | join(',') }}"
    play = {**PLAYBOOK[0], "tasks": [{"name": "Name the host, its address and its findings",
                                      "ansible.builtin.debug": {"msg": message}}]}
    playbook.write_text(yaml.safe_dump([play], sort_keys=False), encoding="utf-8")
    result = run(collections_path, ["ansible-playbook", "-i", str(inventory), "-i", str(workspace.config), str(playbook),
                                    "--limit", "license_noncompliant:!license_waived"],
                 workspace.dir, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # The waived lab host is left alone; the address comes from the normal inventory, the findings from the report.
    assert debug_messages(result.stdout) == {
        "pc-grace": f"pc-grace {hosts['pc-grace']['ansible_host']} not_activated,grace_expiring",
        "pc-retail": f"pc-retail {hosts['pc-retail']['ansible_host']} not_digital_entitlement",
    }


def _write_bad_report(path, kind: str, collection) -> None:
    if kind == "missing":
        return
    good = json.loads(collection.render_json(collection.model.build_report([], {}, GENERATED, "g")))
    if kind == "wrong schema":
        good["schema"] = "licensing.windows.license_audit/9"
        path.write_text(json.dumps(good), encoding="utf-8")
    elif kind == "not a report":
        path.write_text(json.dumps({"hosts": ["pc-1"]}), encoding="utf-8")


@pytest.mark.parametrize(
    "kind, message",
    [
        ("missing", "cannot read the report: No such file or directory"),
        ("wrong schema", "schema: expected one of 'licensing.windows.license_audit/2', 'licensing.windows.license_audit/1', "
                         "got 'licensing.windows.license_audit/9'"),
        ("not a report", "not a license audit report: the 'schema' field is missing"),
    ],
)
def test_a_bad_report_names_the_file(collections_path, collection, tmp_path, kind, message):
    report = tmp_path / "license-audit.json"
    _write_bad_report(report, kind, collection)
    config = tmp_path / "bad.audit_report.yml"
    config.write_text("plugin: licensing.windows.audit_report\npath: license-audit.json\n", encoding="utf-8")
    expected = f"{report}: {message}"

    # By default ansible-core only warns about a source it cannot parse...
    warned = run(collections_path, ["ansible-inventory", "-i", str(config), "--graph"], tmp_path)
    assert warned.returncode == 0
    assert expected in " ".join(warned.stderr.split()), warned.stderr
    # ... and with the setting docs/inventories.md recommends the command fails.
    failed = run(collections_path, ["ansible-inventory", "-i", str(config), "--graph"], tmp_path,
                 ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true")
    assert failed.returncode != 0
    assert expected in " ".join(failed.stderr.split()), failed.stderr


# --- the demo's own report as an inventory ------------------------------------------------------

@pytest.fixture(scope="module")
def demo_report(tmp_path_factory, collections_path):
    """The report of a real audit of the demo fleet (tests/fleets/demo.yml) through the role."""
    from conftest import run_playbook, start_fleet  # pylint: disable=import-outside-toplevel

    work = tmp_path_factory.mktemp("demo_report_inventory")
    demo = yaml.safe_load((ROOT / "tests" / "fleets" / "demo.yml").read_text(encoding="utf-8"))
    # On ephemeral ports of 127.0.0.1, so that it never collides with a `make demo` running beside it.
    demo.setdefault("defaults", {})["listen"] = "ephemeral"
    for host in demo["hosts"]:
        host.pop("listen", None)
    fleet = start_fleet(demo, work / "fleet")
    try:
        audit = run_playbook(collections_path, fleet.inventory, ROOT / "playbooks" / "audit.yml", "--forks", "20",
                             extra_vars={"license_audit_report_dir": str(work / "reports")})
    finally:
        fleet.stop()
    assert audit.returncode == 0, audit.stdout[-3000:] + audit.stderr[-3000:]
    config = work / "demo.audit_report.yml"
    config.write_text(yaml.safe_dump({"plugin": "licensing.windows.audit_report", "path": "reports/license-audit.json"}),
                      encoding="utf-8")
    (work / "fix.yml").write_text(yaml.safe_dump(PLAYBOOK, sort_keys=False), encoding="utf-8")
    report = json.loads((work / "reports" / "license-audit.json").read_text(encoding="utf-8"))
    return SimpleNamespace(dir=work, config=config, playbook=work / "fix.yml",
                           by_status={status: {host["host"] for host in report["hosts"] if host["status"] == status}
                                      for status in ("compliant", "noncompliant", "unknown")})


def test_the_demo_report_builds_the_status_groups(collections_path, demo_report):
    result = run(collections_path, ["ansible-inventory", "-i", str(demo_report.config), "--graph"], demo_report.dir)
    assert result.returncode == 0, result.stderr
    groups = graph_groups(result.stdout)
    for status, hosts in demo_report.by_status.items():
        assert hosts, status  # the demo fleet has hosts of every status
        assert groups.get(f"license_{status}") == hosts, (status, result.stdout)


def test_a_playbook_limited_to_license_noncompliant_runs_on_exactly_the_demo_s_noncompliant_hosts(collections_path, demo_report):
    result = run(collections_path, ["ansible-playbook", "-i", str(demo_report.config), str(demo_report.playbook),
                                    "--limit", "license_noncompliant"],
                 demo_report.dir, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert recap_hosts(result.stdout) == demo_report.by_status["noncompliant"]
