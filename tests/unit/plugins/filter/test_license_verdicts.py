# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The license_verdicts and license_policy filters: directly, and inside a real ansible-playbook run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.licensing.windows.plugins.filter.license_verdicts import FilterModule, license_policy, license_verdicts

COLLECTION_ROOT = Path(__file__).resolve().parents[4]
# ansible-playbook run as a module of the ansible-core under test (ansible-test has no script for it).
ANSIBLE_PLAYBOOK = [sys.executable, "-m", "ansible.cli.playbook"]

DIGITAL = {
    "collected_at": "2026-11-21T10:00:00Z",
    "license_status": "licensed",
    "activation": {"method": "digital_license", "digital_license": True},
    "product": {"channel": "retail", "partial_product_key": "3V66T", "edition": "Professional"},
    "os": {"caption": "Microsoft Windows 11 Pro", "is_server": False},
    "grace_remaining_minutes": 0,
}
RETAIL = {**DIGITAL, "activation": {"method": "product_key", "digital_license": False}}


def registered(facts: dict) -> dict:
    return {"changed": False, "ansible_facts": {"windows_license": facts}}


def test_filters_are_exported():
    assert FilterModule().filters() == {"license_verdicts": license_verdicts, "license_policy": license_policy}


def test_verdict_per_host_from_hostvars():
    hostvars = {
        "win-1": {"__license_audit_result": registered(DIGITAL)},
        "win-2": {"__license_audit_result": registered(RETAIL), "other": 1},
        "win-3": {"__license_audit_result": {"failed": True, "msg": "Access is denied.", "error_code": "access_denied"}},
        "win-4": {"__license_audit_result": {"unreachable": True, "msg": "connection refused"}},
        "win-5": {},  # never ran the task
    }
    result = license_verdicts(["win-5", "win-4", "win-3", "win-2", "win-1", "win-6"], hostvars, "__license_audit_result", {})
    assert list(result) == ["win-1", "win-2", "win-3", "win-4", "win-5", "win-6"]
    assert {host: (v["status"], v["reasons"]) for host, v in result.items()} == {
        "win-1": ("compliant", []),
        "win-2": ("noncompliant", ["not_digital_entitlement"]),
        "win-3": ("unknown", ["collection_failed"]),
        "win-4": ("unknown", ["unreachable"]),
        "win-5": ("unknown", ["unreachable"]),
        "win-6": ("unknown", ["unreachable"]),  # not even in hostvars
    }
    assert result["win-3"]["error"] == {"code": "access_denied", "message": "Access is denied."}
    assert result["win-5"]["error"]["message"] == "no result: the host was not reached"
    assert all(verdict["host"] == host for host, verdict in result.items())


def test_result_var_and_policy_are_used():
    hostvars = {"win-1": {"my_result": registered(RETAIL)}}
    assert license_verdicts(["win-1"], hostvars, "my_result")["win-1"]["status"] == "noncompliant"
    assert license_verdicts(["win-1"], hostvars, "my_result", {"entitled_methods": ["product_key"]})["win-1"]["status"] == "compliant"
    # The default variable name is the role's.
    assert license_verdicts(["win-1"], hostvars)["win-1"]["reasons"] == ["unreachable"]


def test_a_registered_value_that_is_not_a_result_counts_as_not_reached():
    result = license_verdicts(["win-1"], {"win-1": {"__license_audit_result": "garbage"}})
    assert result["win-1"]["error"]["code"] == "no_result"


@pytest.mark.parametrize(
    "args, message",
    [
        ((["win-1"], {}, "__license_audit_result", {"min_days_remaining": -3}),
         "policy.min_days_remaining: expected a non-negative integer, got -3"),
        (("win-1", {}), "_input: expected a list of host names such as ansible_play_hosts_all, got str"),
        ((["win-1"], ["not", "hostvars"]), "hostvars: expected hostvars (a dictionary of host name to variables), got list"),
        ((["win-1"], {}, ""), "result_var: expected the name of the variable registered by license_facts, got ''"),
        (([3], {}), "hosts[0]: expected a host name, got an integer 3"),
    ],
)
def test_bad_arguments_fail_the_template_with_a_clear_message(args, message):
    with pytest.raises(AnsibleFilterError) as caught:
        license_verdicts(*args)
    assert caught.value.message == message


def test_policy_filter_normalizes_and_rejects():
    assert license_policy({"expected_kms_hosts": ["KMS01"]})["expected_kms_hosts"] == ["kms01:1688"]
    with pytest.raises(AnsibleFilterError) as caught:
        license_policy({"server_policy": "never"})
    assert caught.value.message == "policy.server_policy: expected one of any_activation, entitled_methods, got a string 'never'"


PLAYBOOK = textwrap.dedent("""\
    - name: Judge registered results the way the license_audit role does
      hosts: all
      gather_facts: false
      vars:
        facts_by_host:
          ok-digital: {DIGITAL}
          ok-retail: {RETAIL}
      tasks:
        - name: Leave one host before it registers anything
          ansible.builtin.meta: end_host
          when: inventory_hostname == 'gone'

        - name: Stand in for license_facts; really connects, so 'down' is really unreachable
          ansible.builtin.ping:
            data: "{{{{ 'crash' if inventory_hostname == 'broken' else 'pong' }}}}"
          register: __license_audit_result
          ignore_errors: true
          ignore_unreachable: true

        - name: Give the healthy hosts their facts, as license_facts returns them
          ansible.builtin.set_fact:
            __license_audit_result: "{{{{ __license_audit_result | combine({{'ansible_facts': {{'windows_license': facts_by_host[inventory_hostname]}}}}) }}}}"
          when: inventory_hostname in facts_by_host

        - name: Judge every host once
          ansible.builtin.set_fact:
            verdicts: "{{{{ ansible_play_hosts_all | licensing.windows.license_verdicts(hostvars, '__license_audit_result', policy) }}}}"
          vars:
            policy: {{min_days_remaining: "7", expected_kms_hosts: [KMS01.example.com]}}
          run_once: true

        - name: Save them
          ansible.builtin.copy:
            content: "{{{{ verdicts | to_json }}}}"
            dest: "{{{{ out }}}}"
            mode: "0600"
          run_once: true
          delegate_to: ok-digital
    """)

INVENTORY = textwrap.dedent("""\
    [local]
    ok-digital
    ok-retail
    broken
    gone

    [local:vars]
    ansible_connection=local

    [unreachable]
    down ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=1 ansible_ssh_common_args='-o ConnectTimeout=5'
    """)


def test_filter_in_a_real_play(tmp_path):
    collections = tmp_path / "collections" / "ansible_collections" / "licensing"
    collections.mkdir(parents=True)
    (collections / "windows").symlink_to(COLLECTION_ROOT, target_is_directory=True)
    (tmp_path / "play.yml").write_text(PLAYBOOK.format(DIGITAL=json.dumps(DIGITAL), RETAIL=json.dumps(RETAIL)))
    (tmp_path / "hosts.ini").write_text(INVENTORY)
    (tmp_path / "ansible.cfg").write_text("[defaults]\n")
    out = tmp_path / "verdicts.json"
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(tmp_path / "ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": str(tmp_path / "collections"),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"),
        "ANSIBLE_HOST_KEY_CHECKING": "false",
        "ANSIBLE_NOCOLOR": "1",
    }
    run = subprocess.run(
        [*ANSIBLE_PLAYBOOK, "-i", "hosts.ini", "play.yml", "-e", f"out={out}",
         "-e", f"ansible_python_interpreter={sys.executable}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    verdicts = json.loads(out.read_text())
    assert {host: (v["status"], v["reasons"]) for host, v in verdicts.items()} == {
        "broken": ("unknown", ["collection_failed"]),
        "down": ("unknown", ["unreachable"]),
        "gone": ("unknown", ["unreachable"]),
        "ok-digital": ("compliant", []),
        "ok-retail": ("noncompliant", ["not_digital_entitlement"]),
    }
    assert verdicts["broken"]["error"]["code"] == "task_failed"
    assert verdicts["down"]["error"]["code"] == "unreachable"
    assert verdicts["down"]["error"]["message"]  # the connection's own words
    assert verdicts["gone"]["error"]["code"] == "no_result"
