# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input is refused, with a message that names the field, says what is wrong with the
value and what is expected, before any host is touched.

Data-driven: each table below is one kind of input (role variables, module options,
reports given to the merge, fleet files), each row one case. docs/reliability.md shows
the same tables; test_the_documentation_lists_every_case keeps them in step.

Every ansible case targets a simulated host of its own (or, for the controller-only
modules, no host at all) and afterwards the simulator's counters must show that host
received not a single HTTP request; one control run shows the counters do move.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from conftest import BIN, ROOT, ansible_env

AUDIT = ROOT / "playbooks" / "audit.yml"
MERGE = ROOT / "playbooks" / "merge_reports.yml"
PARALLEL_RUNS = 3

# --- role variables (playbooks/audit.yml -e ...) -------------------------------------------
# (case, extra vars, substrings the output must contain: the field, the problem, what is expected)
ROLE_CASES = [
    ("entitled_methods_dict", {"license_audit_entitled_methods": {"digital_license": True}},
     ["license_audit_entitled_methods", "is of type dict", "unable to convert to list"]),
    ("entitled_methods_unknown", {"license_audit_entitled_methods": ["digital_license", "bogus_method"]},
     ["license_audit_entitled_methods must be one or more of: digital_license", "Got no match for: bogus_method"]),
    ("entitled_methods_evaluation", {"license_audit_entitled_methods": ["evaluation"]},
     ["license_audit_entitled_methods must be one or more of", "Got no match for: evaluation"]),
    ("entitled_methods_empty", {"license_audit_entitled_methods": []},
     ["policy.entitled_methods", "expected at least one activation method", "got an empty list"]),
    ("server_policy_unknown", {"license_audit_server_policy": "sometimes"},
     ["license_audit_server_policy must be one of: any_activation, entitled_methods", "got: sometimes"]),
    ("min_days_negative", {"license_audit_min_days_remaining": -3},
     ["policy.min_days_remaining", "expected a non-negative integer", "got -3"]),
    ("min_days_text", {"license_audit_min_days_remaining": "soon"},
     ["license_audit_min_days_remaining", "unable to convert to int", "'soon'"]),
    ("allow_evaluation_text", {"license_audit_allow_evaluation": "perhaps"},
     ["license_audit_allow_evaluation", "'perhaps' is not a valid boolean", "Valid booleans include"]),
    ("kms_host_bad_port", {"license_audit_expected_kms_hosts": ["kms01:99999"]},
     ["policy.expected_kms_hosts[0]", "expected a host name, address or host:port", "'kms01:99999'"]),
    ("kms_hosts_dict", {"license_audit_expected_kms_hosts": {"host": "kms01"}},
     ["license_audit_expected_kms_hosts", "is of type dict", "unable to convert to list"]),
    ("fail_on_compliant", {"license_audit_fail_on": ["compliant"]},
     ["license_audit_fail_on must be one or more of: noncompliant, unknown", "Got no match for: compliant"]),
    ("formats_unknown", {"license_audit_report_formats": ["pdf"]},
     ["license_audit_report_formats must be one or more of: json, csv, html, junit, markdown", "Got no match for: pdf"]),
    ("formats_empty", {"license_audit_report_formats": []},
     ["license_audit_report_formats: expected at least one of json, csv, html, junit, markdown", "got an empty list"]),
    ("host_timeout_text", {"license_audit_host_timeout": "fast"},
     ["license_audit_host_timeout", "unable to convert to int", "'fast'"]),
    ("host_timeout_zero", {"license_audit_host_timeout": 0},
     ["license_audit_host_timeout: expected a whole number of seconds of at least 1", "got 0"]),
    ("host_timeout_negative", {"license_audit_host_timeout": -5},
     ["license_audit_host_timeout: expected a whole number of seconds of at least 1", "got -5"]),
    ("report_dir_is_a_file", {"license_audit_report_dir": str(ROOT / "galaxy.yml")},
     ["license_audit_report_dir: expected the path of a directory", f'"{ROOT / "galaxy.yml"}", which is an existing file']),
    ("report_dir_empty", {"license_audit_report_dir": ""},
     ["license_audit_report_dir: expected the path of a directory", 'got ""']),
    ("report_dir_list", {"license_audit_report_dir": ["a", "b"]},
     ["license_audit_report_dir: expected the path of a directory", "got \"['a', 'b']\""]),
    ("print_summary_text", {"license_audit_print_summary": "loud"},
     ["license_audit_print_summary", "'loud' is not a valid boolean", "Valid booleans include"]),
]

# --- module options (one task per case, in one playbook per module) -------------------------
# (case, module, options, substrings)
FACTS_CASES = [
    ("facts_max_output_text", {"max_output_bytes": "lots"},
     ["max_output_bytes", "is of type str and we were unable to convert to int", "'lots'"]),
    ("facts_max_output_small", {"max_output_bytes": 100},
     ["max_output_bytes: expected an integer of at least 16384, got 100"]),
    ("facts_unknown_option", {"include_product_key": True},
     ["Unsupported parameters for (", "module: include_product_key. Supported parameters include: max_output_bytes, policy, status_groups."]),
    ("facts_policy_text", {"policy": "strict"},
     ["policy", "is of type str and we were unable to convert to dict"]),
    ("facts_policy_negative_days", {"policy": {"min_days_remaining": -3}},
     ["policy.min_days_remaining: expected a non-negative integer, got -3"]),
    ("facts_policy_unknown_method", {"policy": {"entitled_methods": ["digital_license", "windows_key"]}},
     ["policy.entitled_methods[1]: unknown activation method 'windows_key'; expected some of digital_license"]),
]
_VERDICT = {"host": "win-1", "status": "compliant", "reasons": [], "summary": "ok", "remediation": [], "error": None,
            "facts": dict.fromkeys(["license_status", "method", "digital_license", "channel", "edition", "os_caption", "is_server",
                                    "partial_product_key", "grace_days_remaining", "grace_expires_at", "evaluation_end_date",
                                    "kms_host", "firmware_key_present"])}
REPORT_CASES = [
    ("report_no_input", {"dest": "@dest@"}, ["one of the following is required: verdicts, merge"]),
    ("report_verdicts_and_merge", {"verdicts": {}, "policy": {}, "merge": ["@good@"], "dest": "@dest@"},
     ["parameters are mutually exclusive: verdicts|merge"]),
    ("report_verdicts_without_policy", {"verdicts": {}, "dest": "@dest@"}, ["parameters are required together: verdicts, policy"]),
    ("report_no_dest", {"verdicts": {}, "policy": {}}, ["missing required arguments: dest"]),
    ("report_format_unknown", {"verdicts": {}, "policy": {}, "dest": "@dest@", "formats": ["pdf"]},
     ["value of formats must be one or more of: json, csv, html, junit, markdown", "Got no match for: pdf"]),
    ("report_unknown_option", {"verdicts": {}, "policy": {}, "dest": "@dest@", "colour": "red"},
     ["Unsupported parameters for (", "module: colour. Supported parameters include: baseline, dest, fail_on, fail_on_new_only, formats, history, "
      "history_length, merge, per_host_metrics, policy, started_at, update_baseline, verdicts, waivers."]),
    ("report_verdicts_text", {"verdicts": "all good", "policy": {}, "dest": "@dest@"},
     ["verdicts: expected a dictionary of host name to verdict", "or a list of verdicts, got a string 'all good'"]),
    ("report_policy_bad", {"verdicts": {}, "policy": {"min_days_remaining": -1}, "dest": "@dest@"},
     ["policy.min_days_remaining: expected a non-negative integer, got -1"]),
    ("report_policy_unknown_key", {"verdicts": {}, "policy": {"entitled": ["kms"]}, "dest": "@dest@"},
     ["policy: unknown setting 'entitled'", "expected some of allow_evaluation, entitled_methods"]),
    ("report_verdict_bad_status", {"verdicts": {"win-1": {**_VERDICT, "status": "green"}}, "policy": {}, "dest": "@dest@"},
     ["verdicts[0].status: expected one of compliant, noncompliant, unknown, got a string 'green'"]),
    ("report_verdict_missing_facts", {"verdicts": {"win-1": {k: v for k, v in _VERDICT.items() if k != "facts"}}, "policy": {},
                                      "dest": "@dest@"},
     ["verdicts[0].facts: missing; expected an object"]),
    ("merge_empty_list", {"merge": [], "dest": "@dest@"}, ["merge: expected a list of at least one report"]),
]

# --- reports given to the merge ---------------------------------------------------------
# (case, file content (text, bytes, or a document to dump), substrings; @file@ is the file's path)
_GOOD_REPORT = {
    "schema": "licensing.windows.license_audit/2", "generated_at": "2026-11-21T10:00:00Z", "generator": "licensing.windows 0.1.0",
    "policy": {"entitled_methods": ["digital_license", "subscription", "oem_firmware_key"], "server_policy": "any_activation",
               "min_days_remaining": 14, "allow_evaluation": False, "expected_kms_hosts": []},
    "summary": {"total": 1, "by_status": {"compliant": 1}, "by_method": {}, "by_reason": {}},
    "hosts": [_VERDICT],
}


def _report(**changes) -> dict:
    document = json.loads(json.dumps(_GOOD_REPORT))
    document.update(changes)
    return document


MERGE_CASES = [
    ("merge_truncated_json", json.dumps(_GOOD_REPORT)[:150], ["@file@: not valid JSON (line 1, column", "Unterminated string"]),
    ("merge_foreign_json", {"name": "left-pad", "version": "1.3.0"},
     ["@file@: not a license audit report: the 'schema' field is missing (expected 'licensing.windows.license_audit/2')"]),
    ("merge_other_schema", _report(schema="licensing.windows.license_audit/3"),
     ["@file@: schema: expected one of 'licensing.windows.license_audit/2', 'licensing.windows.license_audit/1', "
      "got 'licensing.windows.license_audit/3'"]),
    ("merge_json_array", [_GOOD_REPORT], ["@file@: expected a JSON object (a license-audit.json report), got a list"]),
    ("merge_not_utf8", b"\xff\xfe{\x00\"\x00", ["@file@: not UTF-8 text (byte 0); expected a license-audit.json report"]),
    ("merge_bad_host_status", _report(hosts=[{**_VERDICT, "status": "green"}]),
     ["@file@: hosts[0].status: expected one of compliant, noncompliant, unknown, got a string 'green'"]),
    ("merge_bad_fact_type", _report(hosts=[{**_VERDICT, "facts": {**_VERDICT["facts"], "is_server": "yes"}}]),
     ["@file@: hosts[0].facts.is_server: expected a boolean or null, got a string 'yes'"]),
    ("merge_duplicate_host", _report(hosts=[_VERDICT, _VERDICT]), ["@file@: hosts[1].host: host 'win-1' appears more than once"]),
    ("merge_bad_date", _report(generated_at="yesterday"),
     ["@file@: generated_at: expected an ISO-8601 date and time such as 2026-11-21T10:00:00Z, got 'yesterday'"]),
    ("merge_missing_file", None, ["@file@: cannot read the report: No such file or directory"]),
    ("merge_other_policy", _report(policy={**_GOOD_REPORT["policy"], "min_days_remaining": 30}),
     ["@file@ was made with a different policy than", "min_days_remaining is 14 in one but 30 in the other",
      "Merge only reports made with the same policy"]),
]

# --- fleet files (winsim serve) -------------------------------------------------------------
# (case, fleet file text, substrings)
FLEET_CASES = [
    ("fleet_auth_unknown", "hosts:\n  - {name: win-1, profile: digital_license_pro, auth: digest}\n",
     ["hosts[0] (win-1): field 'auth': expected one of basic, ntlm, negotiate, kerberos, credssp, certificate, "
      "or a list or mapping of schemes, got 'digest'"]),
    ("fleet_unknown_profile", "hosts:\n  - {name: win-1, profile: windows_xp_pirated}\n",
     ["hosts[0] (win-1): field 'profile': unknown profile 'windows_xp_pirated'", "(known: ad_based, avma_guest"]),
    ("fleet_unknown_fault", "hosts:\n  - {name: win-1, profile: digital_license_pro, fault: meltdown}\n",
     ["hosts[0] (win-1): field 'fault': expected one of not_listening, refuse_credentials", "got 'meltdown'"]),
    ("fleet_cim_typo", "hosts:\n  - name: win-1\n    profile: retail_key\n    overrides: {os: {Captoin: Windows}}\n",
     ["hosts[0] (win-1): field 'overrides.os.Captoin': Win32_OperatingSystem has no such property"]),
    ("fleet_cim_type", "hosts:\n  - name: win-1\n    profile: retail_key\n    overrides: {os: {BuildNumber: 26100}}\n",
     ["hosts[0] (win-1): field 'overrides.os.BuildNumber': expected a string or null, got int 26100 (quote it in YAML)"]),
    ("fleet_port_range", "hosts:\n  - {name: win-1, profile: digital_license_pro, port: 70000}\n",
     ["hosts[0] (win-1): field 'port': expected an integer in 0..65535, got 70000"]),
    ("fleet_not_loopback", "hosts:\n  - {name: win-1, profile: digital_license_pro, address: 10.0.0.1}\n",
     ["hosts[0] (win-1): field 'address'", "refusing to bind 10.0.0.1", "only listens on 127.0.0.0/8 or ::1"]),
    ("fleet_unknown_top_field", "hostz:\n  - {name: win-1, profile: digital_license_pro}\n",
     ["unknown field 'hostz'; expected one of defaults, hosts, profiles_dir, first_address"]),
    ("fleet_not_yaml", "hosts: [unclosed\n", ["fleet.yml: not valid YAML", "line 1, column 8"]),
    ("fleet_ntlm_passwords", "defaults: {auth: ntlm, listen: ephemeral}\nhosts:\n"
                             "  - {name: win-1, profile: retail_key, password: One-Passw0rd}\n"
                             "  - {name: win-2, profile: retail_key, password: Other-Passw0rd}\n",
     ["hosts[1] (win-2): field 'password': NTLM hosts that share the user name", "must share its password"]),
]

# These go through playbooks/merge_reports.yml as a user would run it; the others call
# licensing.windows.license_report with merge: in one playbook (same code, fewer runs).
PLAYBOOK_MERGE_CASES = ("merge_truncated_json", "merge_foreign_json", "merge_other_policy")

ALL_CASE_IDS = [case[0] for table in (ROLE_CASES, FACTS_CASES, REPORT_CASES, MERGE_CASES, FLEET_CASES) for case in table]


# --- running the cases -------------------------------------------------------------------


def _host(case: str) -> str:
    return "bi-" + case.replace("_", "-")


def _bad_input_fleet() -> dict:
    names = [_host(case) for case, _vars, _expected in ROLE_CASES] + ["bi-facts-options", "bi-control"]
    return {"defaults": {"listen": "ephemeral", "username": "auditor"},
            "hosts": [{"name": name, "profile": "digital_license_pro"} for name in names]}


def _run(command: list[str], env: dict, timeout: float = 180) -> tuple[int, str]:
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    return completed.returncode, completed.stdout + completed.stderr


def _substitute(value, replacements: dict[str, str]):
    """The case's options with @dest@/@good@ placeholders filled in."""
    text = json.dumps(value)
    for placeholder, replacement in replacements.items():
        text = text.replace(json.dumps(placeholder)[1:-1], json.dumps(replacement)[1:-1])
    return json.loads(text)


def _case_playbook(hosts: str, module: str, cases: list[tuple[str, dict]], results: Path) -> list[dict]:
    """One play that runs each case's task in a block and keeps the failure message per case."""
    tasks = []
    for case, options in cases:
        tasks.append({
            "name": f"Case {case}",
            "block": [{"name": f"Run {module}", module: options}],
            "rescue": [{"name": "Keep the message", "ansible.builtin.set_fact": {
                "bad_input_messages": "{{ bad_input_messages | default({}) | combine({'%s': ansible_failed_result.msg}) }}" % case}}],
        })
    tasks.append({"name": "Write the messages", "delegate_to": "localhost", "ansible.builtin.copy": {
        "content": "{{ bad_input_messages | default({}) | to_json }}", "dest": str(results), "mode": "0600"}})
    play = {"name": "Bad input", "hosts": hosts, "gather_facts": False, "tasks": tasks}
    if hosts == "localhost":
        play["connection"] = "local"
    return [play]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, collections_path):
    """Run every case (in parallel, each on its own host) and collect: case -> (rc, output), plus the simulator's counters."""
    from conftest import start_fleet  # pylint: disable=import-outside-toplevel

    work = tmp_path_factory.mktemp("bad_input")
    fleet = start_fleet(_bad_input_fleet(), work / "fleet")
    env = ansible_env(collections_path)
    good = work / "good-license-audit.json"
    good.write_text(json.dumps(_GOOD_REPORT), encoding="utf-8")
    jobs: dict[str, tuple[list[str], dict]] = {}
    try:
        for case, extra_vars, _expected in ROLE_CASES:
            jobs[case] = ([str(BIN / "ansible-playbook"), "-i", str(fleet.inventory), str(AUDIT), "--limit", _host(case),
                           "-e", json.dumps({"license_audit_report_dir": str(work / "reports" / case), **extra_vars})], env)
        jobs["control"] = ([str(BIN / "ansible-playbook"), "-i", str(fleet.inventory), str(AUDIT), "--limit", "bi-control",
                            "-e", json.dumps({"license_audit_report_dir": str(work / "reports" / "control")})], env)
        facts_book = work / "facts_options.yml"
        facts_book.write_text(yaml.safe_dump(_case_playbook(
            "bi-facts-options", "licensing.windows.license_facts", [(c, o) for c, o, _e in FACTS_CASES], work / "facts.json")))
        jobs["facts_options"] = ([str(BIN / "ansible-playbook"), "-i", str(fleet.inventory), str(facts_book)], env)
        replacements = {"@dest@": str(work / "report_dest"), "@good@": str(good)}
        report_book = work / "report_options.yml"
        report_book.write_text(yaml.safe_dump(_case_playbook(
            "localhost", "licensing.windows.license_report",
            [(c, _substitute(o, replacements)) for c, o, _e in REPORT_CASES], work / "report.json")))
        jobs["report_options"] = ([str(BIN / "ansible-playbook"), "-i", str(fleet.inventory), str(report_book)], env)
        merge_cases = []
        for case, content, _expected in MERGE_CASES:
            path = work / "merge" / case / "license-audit.json"
            path.parent.mkdir(parents=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            elif isinstance(content, str):
                path.write_text(content, encoding="utf-8")
            elif content is not None:
                path.write_text(json.dumps(content), encoding="utf-8")
            options = {"merge": [str(good), str(path)], "dest": str(work / "merged" / case)}
            if case in PLAYBOOK_MERGE_CASES:
                jobs[case] = ([str(BIN / "ansible-playbook"), str(MERGE), "-e", json.dumps(
                    {"license_audit_merge": options["merge"], "license_audit_report_dir": options["dest"]})], env)
            else:
                merge_cases.append((case, options))
        merge_book = work / "merge_options.yml"
        merge_book.write_text(yaml.safe_dump(_case_playbook("localhost", "licensing.windows.license_report", merge_cases,
                                                            work / "merge.json")))
        jobs["merge_options"] = ([str(BIN / "ansible-playbook"), "-i", str(fleet.inventory), str(merge_book)], env)
        for case, text, _expected in FLEET_CASES:
            fleet_file = work / "fleets" / case / "fleet.yml"
            fleet_file.parent.mkdir(parents=True)
            fleet_file.write_text(text, encoding="utf-8")
            jobs[case] = ([str(BIN / "winsim"), "serve", "--fleet", str(fleet_file), "--inventory", str(fleet_file.parent / "inv.yml"),
                           "--ready-file", str(fleet_file.parent / "ready.json")], env)
        with ThreadPoolExecutor(PARALLEL_RUNS) as pool:
            futures = {case: pool.submit(_run, command, run_env) for case, (command, run_env) in jobs.items()}
            results = {case: future.result() for case, future in futures.items()}
        stats = fleet.stats()["hosts"]
    finally:
        fleet.stop()
    for name, cases in (("facts", FACTS_CASES), ("report", REPORT_CASES), ("merge", MERGE_CASES)):
        path = work / f"{name}.json"
        messages = json.loads(path.read_text()) if path.exists() else {}
        for case, _options, _expected in cases:
            if case not in results:
                results[case] = (1 if case in messages else 0, messages.get(case, results[f"{name}_options"][1]))
    return {"results": results, "stats": stats, "work": work}


def _check_message(output: str, expected: list[str], replacements: dict[str, str] | None = None) -> None:
    for text in expected:
        for placeholder, value in (replacements or {}).items():
            text = text.replace(placeholder, value)
        assert text in output, f"expected {text!r} in:\n{output[-4000:]}"


def test_the_control_run_touches_its_host(outcomes):
    """The counters the cases rely on do count: a valid run reaches its host."""
    rc, output = outcomes["results"]["control"]
    assert rc == 0, output[-3000:]
    assert outcomes["stats"]["bi-control"]["commands"] >= 1


@pytest.mark.parametrize("case, extra_vars, expected", ROLE_CASES, ids=[case[0] for case in ROLE_CASES])
def test_role_variable_refused_before_any_host(outcomes, case, extra_vars, expected):
    del extra_vars
    rc, output = outcomes["results"][case]
    assert rc != 0, f"{case} was accepted"
    _check_message(output, expected)
    host = outcomes["stats"][_host(case)]
    assert host["requests"] == 0 and host["commands"] == 0, host
    assert not (outcomes["work"] / "reports" / case).exists()


@pytest.mark.parametrize("case, options, expected", FACTS_CASES, ids=[case[0] for case in FACTS_CASES])
def test_license_facts_option_refused_before_the_host(outcomes, case, options, expected):
    del options
    failed, message = outcomes["results"][case]
    assert failed, f"{case} was accepted: {message[-2000:]}"
    _check_message(message, expected)
    host = outcomes["stats"]["bi-facts-options"]
    assert host["requests"] == 0, host


@pytest.mark.parametrize("case, options, expected", REPORT_CASES, ids=[case[0] for case in REPORT_CASES])
def test_license_report_option_refused(outcomes, case, options, expected):
    del options
    failed, message = outcomes["results"][case]
    assert failed, f"{case} was accepted: {message[-2000:]}"
    _check_message(message, expected)
    assert not (outcomes["work"] / "report_dest").exists(), "a refused call wrote reports"


@pytest.mark.parametrize("case, content, expected", MERGE_CASES, ids=[case[0] for case in MERGE_CASES])
def test_merge_refuses_a_bad_report(outcomes, case, content, expected):
    del content
    failed, output = outcomes["results"][case]
    assert failed, f"{case} was accepted: {output[-2000:]}"
    path = str(outcomes["work"] / "merge" / case / "license-audit.json")
    _check_message(output, expected, {"@file@": path})
    assert not (outcomes["work"] / "merged" / case).exists(), "a refused merge wrote reports"


@pytest.mark.parametrize("case, text, expected", FLEET_CASES, ids=[case[0] for case in FLEET_CASES])
def test_a_malformed_fleet_file_is_refused(outcomes, case, text, expected):
    del text
    rc, output = outcomes["results"][case]
    assert rc == 2, f"{case}: winsim serve exited {rc}: {output[-2000:]}"
    _check_message(output, expected)
    folder = outcomes["work"] / "fleets" / case
    assert not (folder / "inv.yml").exists() and not (folder / "ready.json").exists()


def test_no_case_touched_any_host(outcomes):
    touched = {host: counters["requests"] for host, counters in outcomes["stats"].items() if counters["requests"] and host != "bi-control"}
    assert not touched


def test_the_documentation_lists_every_case():
    """docs/reliability.md carries the same table of cases."""
    text = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    missing = [case for case in ALL_CASE_IDS if f"`{case}`" not in text]
    assert not missing
