# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What winsim's streamed output, listener schemes and cmd handling make testable, end to end.

* A host that streams its output slowly (fault ``slow_partial``: the collector's JSON in
  several chunks over several Receives, WS-Man OperationTimeouts between them, as a busy
  Windows host answers) gives the facts module and the role the same facts as a fast host.
* A host whose listener offers several schemes, like a default Windows listener with Basic
  enabled (``auth: {basic: true}``), is reached by ansible's winrm connection with
  ``ansible_winrm_transport=ntlm`` and with ``=basic``.
* The cmd commands ansible itself sends through ``raw`` answer as on Windows.

Every run uses winsim's own inventory (``ansible-playbook -i <it>``, unedited); only the
operation timeout is lowered on the command line so that the Receives time out between
chunks within seconds.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request

import yaml
from conftest import BIN, ansible_env, run_playbook
from reports import read_reports

FLEET = {
    "defaults": {"listen": "ephemeral"},
    "hosts": [
        {"name": "fast-01", "profile": "kms_client"},
        {"name": "slow-01", "profile": "kms_client", "fault": "slow_partial", "fault_options": {"chunks": 4, "delay": 1.5}},
        {"name": "schemes-01", "profile": "digital_license_pro", "auth": {"basic": True}},
    ],
}
#: WS-Man OperationTimeout 1 s, so that a 1.5 s gap between chunks is a w:TimedOut (pywinrm needs read > operation).
SHORT_TIMEOUTS = {"ansible_winrm_operation_timeout_sec": 1, "ansible_winrm_read_timeout_sec": 10}

FACTS_PLAYBOOK = """
- name: Collect licensing facts and keep each host's result
  hosts: fast-01,slow-01
  gather_facts: false
  tasks:
    - name: Collect
      licensing.windows.license_facts:
        policy: {}
      register: collected
    - name: Keep the result
      ansible.builtin.copy:
        content: "{{ collected | to_json }}"
        dest: "{{ out_dir }}/{{ inventory_hostname }}.json"
        mode: "0600"
      delegate_to: localhost
"""


def _ok(completed: subprocess.CompletedProcess) -> str:
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    return completed.stdout


def _without_host(value: object, host: str) -> object:
    """The value with the host's name (as written, upper case) replaced, and the clock's fields dropped."""
    text = json.dumps(value, sort_keys=True).replace(host.upper(), "<HOST>").replace(host, "<host>")

    def drop_clock(item: object) -> object:
        if isinstance(item, dict):
            return {key: drop_clock(inner) for key, inner in item.items() if key not in ("collected_at", "grace_expires_at")}
        if isinstance(item, list):
            return [drop_clock(inner) for inner in item]
        return item
    return drop_clock(json.loads(text))


def _host_stats(fleet, name: str) -> dict:
    with urllib.request.urlopen(f"{fleet.control_url}/stats", timeout=10) as response:  # noqa: S310 (loopback)
        return json.loads(response.read())["hosts"][name]


def test_a_slowly_streaming_host_gives_the_facts_module_and_the_role_the_same_facts(fleet_factory, collections_path, tmp_path):
    fleet = fleet_factory(FLEET)
    before = _host_stats(fleet, "slow-01")

    # 1. The facts module, through ansible-playbook.
    playbook = tmp_path / "facts.yml"
    playbook.write_text(FACTS_PLAYBOOK, encoding="utf-8")
    out = tmp_path / "facts"
    out.mkdir()
    _ok(run_playbook(collections_path, fleet.inventory, playbook, extra_vars={**SHORT_TIMEOUTS, "out_dir": str(out)}))
    fast = json.loads((out / "fast-01.json").read_text(encoding="utf-8"))
    slow = json.loads((out / "slow-01.json").read_text(encoding="utf-8"))
    assert fast["ansible_facts"]["windows_license"]["license_status"] == "licensed", fast
    assert _without_host(slow["ansible_facts"], "slow-01") == _without_host(fast["ansible_facts"], "fast-01")

    # The document really came in chunks, over several Receives, with time-outs between them.
    after_facts = _host_stats(fleet, "slow-01")
    timeouts = after_facts["faults"].get("w:TimedOut", 0) - before["faults"].get("w:TimedOut", 0)
    receives = after_facts["actions"].get("Receive", 0) - before["actions"].get("Receive", 0)
    assert timeouts >= 3, after_facts  # 4 chunks, 1.5 s apart, OperationTimeout 1 s
    assert receives >= 4 + timeouts, after_facts
    fast_stats = _host_stats(fleet, "fast-01")
    assert fast_stats["faults"].get("w:TimedOut", 0) == 0

    # 2. The role (the audit playbook): the same verdict and facts for both.
    reports = tmp_path / "reports"
    _ok(run_playbook(collections_path, fleet.inventory, "licensing.windows.audit",
                     extra_vars={**SHORT_TIMEOUTS, "license_audit_report_dir": str(reports),
                                 "license_audit_target": "fast-01,slow-01"}))
    verdicts = read_reports(reports).verdicts()
    assert set(verdicts) == {"fast-01", "slow-01"}
    assert verdicts["fast-01"]["status"] in ("compliant", "noncompliant"), verdicts["fast-01"]  # judged, not unknown
    assert _without_host(verdicts["slow-01"], "slow-01") == _without_host(verdicts["fast-01"], "fast-01")
    assert _host_stats(fleet, "slow-01")["faults"].get("w:TimedOut", 0) - after_facts["faults"].get("w:TimedOut", 0) >= 3


def _adhoc(collections_path, inventory, pattern: str, module: str, arguments: str, tmp_path, *extra: str) -> dict:
    """``ansible <pattern> -m <module> -a <arguments>``; each host's result (ansible's --tree files)."""
    tree = tmp_path / f"tree-{len(list(tmp_path.glob('tree-*')))}"
    completed = subprocess.run(
        [str(BIN / "ansible"), pattern, "-i", str(inventory), "-m", module, "-a", arguments, "--tree", str(tree), *extra],
        env=ansible_env(collections_path), cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert tree.is_dir(), completed.stdout[-3000:] + completed.stderr[-3000:]
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in tree.iterdir()}


def test_a_listener_with_several_schemes_is_reached_with_ntlm_and_with_basic(fleet_factory, collections_path, tmp_path):
    fleet = fleet_factory(FLEET)
    host = yaml.safe_load(fleet.inventory.read_text(encoding="utf-8"))["all"]["children"]["windows"]["hosts"]["schemes-01"]
    assert host["winsim_auth"] == ["negotiate", "basic"] and host["ansible_winrm_transport"] == "ntlm"
    for transport in ("ntlm", "basic"):
        before = _host_stats(fleet, "schemes-01")
        result = _adhoc(collections_path, fleet.inventory, "schemes-01", "raw", "hostname", tmp_path,
                        "-e", f"ansible_winrm_transport={transport}")["schemes-01"]
        assert (result.get("rc"), result.get("stdout")) == (0, "schemes-01\r\n"), (transport, result)
        # The facts module over the same transport.
        facts = _adhoc(collections_path, fleet.inventory, "schemes-01", "licensing.windows.license_facts", '{"policy": {}}',
                       tmp_path, "-e", f"ansible_winrm_transport={transport}")["schemes-01"]
        activation = facts["ansible_facts"]["windows_license"]["activation"]
        assert activation["method"] == host["winsim_expect"]["method"], (transport, facts)
        after = _host_stats(fleet, "schemes-01")
        # NTLM: the handshake and the encryption set-up POST count as "auth"; Basic needs neither.
        auth_requests = after["actions"].get("auth", 0) - before["actions"].get("auth", 0)
        assert (auth_requests > 0) == (transport == "ntlm"), (transport, after)


def test_the_cmd_commands_ansible_sends(fleet_factory, collections_path, tmp_path):
    fleet = fleet_factory(FLEET)
    for arguments, stdout, rc in (("cmd.exe /c echo hi", "hi\r\n", 0), ("echo hi", "hi\r\n", 0),
                                  ("cmd /c echo %USERNAME%", "simadmin\r\n", 0), ("cmd.exe /c exit 3", "", 1)):
        results = _adhoc(collections_path, fleet.inventory, "fast-01,schemes-01", "raw", arguments, tmp_path)
        for name in ("fast-01", "schemes-01"):
            assert (results[name].get("stdout"), results[name].get("rc")) == (stdout, rc), (arguments, name, results[name])
    unknown = _adhoc(collections_path, fleet.inventory, "fast-01", "raw", "cmd.exe /c nosuchprogram", tmp_path)["fast-01"]
    assert unknown["rc"] == 1 and "'nosuchprogram' is not recognized as an internal or external command" in unknown["stderr"]
