# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix at fleet scale: 300 simulated hosts, a quarter of them broken in every
way the simulator can break a host, audited once with the real playbook.

Nothing may be lost: every host is in every report exactly once, each broken host says
what broke it, the healthy hosts are judged exactly as they are without broken
neighbours, the play ends within a bound derived from the per-host timeout, and the
controller's memory stays bounded while hosts pour out 20 MB each.
"""

from __future__ import annotations

import copy

import pytest

from conftest import BIN, ansible_env
from fault_fleet_audit import (
    FORKS,
    HOST_TIMEOUT_SECONDS,
    MEMORY_BOUND_MIB,
    PER_HOST_OVERHEAD_SECONDS,
    audit_command,
    write_timeouts_inventory,
)
from process_meter import alive, command_line, run_measured
from reports import load_json, read_all, read_json, read_markdown

# What each broken host must report: host-name prefix -> (reason, error code, text its error
# message must contain). All are `unknown`. Unreachable hosts carry the connection's own
# message, which names the cause.
FAULT_EXPECTATIONS = {
    "f-not-listening": ("unreachable", "unreachable", "Connection refused"),
    "f-refuse-credentials": ("unreachable", "unreachable", "credentials were rejected"),
    "f-shell-access-denied": ("unreachable", "unreachable", "Access is denied"),
    "f-cert-untrusted": ("unreachable", "unreachable", "unable to get local issuer certificate"),
    "f-cert-wrong-name": ("unreachable", "unreachable", "certificate is not valid for"),
    "f-slow": ("collection_failed", "timeout", f"Timed out after {HOST_TIMEOUT_SECONDS} second"),
    "f-access-denied": ("collection_failed", "access_denied", "0x80041003"),
    "f-service-disabled": ("collection_failed", "service_disabled", "0x80070422"),
    "f-wmi-error": ("collection_failed", "wmi_error", "0x80041010"),
    "f-not-json": ("collection_failed", "output_not_json", "did not print a JSON document"),
    "f-truncated": ("collection_failed", "output_not_json", "did not print a JSON document"),
    "f-large-output": ("collection_failed", "output_too_large", "max_output_bytes"),
    "f-not-windows": ("collection_failed", "not_powershell", "PowerShell: not found"),
    "f-old-powershell": ("collection_failed", "powershell_too_old", "this host has 3.0"),
}
# quota_exceeded is a fault the client recovers from: those hosts are judged like healthy ones.
RECOVERED_PREFIX = "f-quota-exceeded"
HEALTHY_PREFIX = "ok-"
# Profile `expect` keys (tests/profiles) that are verdict facts.
EXPECT_FACT_KEYS = ("license_status", "method", "digital_license", "is_server", "channel", "edition",
                    "partial_product_key", "kms_host", "firmware_key_present")


def _json_verdicts(report_dir) -> dict[str, dict]:
    return {verdict["host"]: verdict for verdict in load_json(report_dir)["hosts"]}


def _without_clock(verdict: dict) -> dict:
    """The verdict without the one value that depends on when the host was asked."""
    stable = copy.deepcopy(verdict)
    # collected_at + the remaining grace minutes: moves with the controller clock.
    stable["facts"]["grace_expires_at"] = "<normalised>" if stable["facts"]["grace_expires_at"] else None
    return stable


def test_the_fleet_is_what_the_matrix_needs(fault_fleet_audit):
    """300 hosts, a quarter faulty, every simulator fault and both certificate failures present."""
    hosts = fault_fleet_audit.hosts()
    assert len(hosts) >= 300
    faulty = [name for name in hosts if name.startswith("f-")]
    assert len(faulty) >= len(hosts) // 4
    faults = {variables["winsim_fault"] for variables in fault_fleet_audit.inventory.values()} - {None}
    assert faults == {"not_listening", "refuse_credentials", "slow", "shell_access_denied", "access_denied",
                      "service_disabled", "wmi_error", "not_json", "truncated", "large_output", "not_windows",
                      "old_powershell", "quota_exceeded"}
    for prefix in [*FAULT_EXPECTATIONS, RECOVERED_PREFIX]:
        assert fault_fleet_audit.hosts(prefix), f"no host named {prefix}-*"
    cert_hosts = fault_fleet_audit.hosts("f-cert-")
    assert all(fault_fleet_audit.inventory[name]["ansible_winrm_server_cert_validation"] == "validate" for name in cert_hosts)
    healthy = [fault_fleet_audit.inventory[name] for name in fault_fleet_audit.hosts(HEALTHY_PREFIX)]
    assert {(v["ansible_winrm_transport"], v["ansible_winrm_scheme"]) for v in healthy} == {
        ("basic", "http"), ("ntlm", "http"), ("basic", "https"), ("ntlm", "https")}


def test_play_finishes_within_the_bound_of_the_host_timeout(fault_fleet_audit):
    run = fault_fleet_audit.run
    print(f"\nfault fleet: {len(fault_fleet_audit.inventory)} hosts, forks {FORKS}, host timeout {HOST_TIMEOUT_SECONDS} s: "
          f"wall {run.wall_seconds:.1f} s (bound {fault_fleet_audit.bound_seconds:.0f} s), peak PSS {run.peak_pss_mib:.0f} MiB, "
          f"largest process RSS {run.max_rss_single_mib:.0f} MiB, up to {run.peak_processes} processes")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert run.wall_seconds < fault_fleet_audit.bound_seconds


def test_the_host_timeout_cuts_every_host_off_in_time(fault_fleet_audit):
    """Every host's collect task ends within the per-host timeout (plus set-up and teardown); slow ones at it."""
    seconds = fault_fleet_audit.collect_seconds
    assert sorted(seconds) == fault_fleet_audit.hosts()
    limit = HOST_TIMEOUT_SECONDS + PER_HOST_OVERHEAD_SECONDS
    late = {host: value for host, value in seconds.items() if value >= limit}
    assert not late
    slow = [seconds[host] for host in fault_fleet_audit.hosts("f-slow-")]
    assert all(HOST_TIMEOUT_SECONDS <= value for value in slow), slow
    large = [seconds[host] for host in fault_fleet_audit.hosts("f-large-output-")]
    healthy = [seconds[host] for host in fault_fleet_audit.hosts(HEALTHY_PREFIX)]
    print(f"\ncollect task per host: slow {min(slow):.1f}-{max(slow):.1f} s, large_output {min(large):.1f}-{max(large):.1f} s, "
          f"healthy median {sorted(healthy)[len(healthy) // 2]:.2f} s, max {max(healthy):.1f} s")


def test_every_host_is_in_every_report_exactly_once(fault_fleet_audit):
    expected = set(fault_fleet_audit.inventory)
    statuses = {host: record["status"] for host, record in read_json(fault_fleet_audit.report_dir)}
    for fmt, rows in read_all(fault_fleet_audit.report_dir).items():
        names = [host for host, _record in rows]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        assert not duplicates, f"{fmt}: listed more than once: {duplicates[:10]}"
        assert set(names) == expected, f"{fmt}: missing {sorted(expected - set(names))[:10]}, extra {sorted(set(names) - expected)[:10]}"
        wrong = {host: record["status"] for host, record in rows if record["status"] != statuses[host]}
        assert not wrong, f"{fmt}: status differs from the JSON report: {dict(list(wrong.items())[:10])}"


def test_markdown_lists_exactly_the_hosts_that_need_attention(fault_fleet_audit):
    ordered = read_json(fault_fleet_audit.report_dir)
    attention = [host for host, record in ordered if record["status"] != "compliant"]
    rows, more, _text = read_markdown(fault_fleet_audit.report_dir)
    names = [host for host, _record in rows]
    # The table is capped for CI job pages; whatever it leaves out it counts.
    assert names == attention[: len(names)]
    assert len(names) + more == len(attention)
    records = dict(ordered)
    for host, row in rows:
        assert row["status"] == records[host]["status"]
        assert row["reasons"] == records[host]["reasons"]


@pytest.mark.parametrize("prefix", sorted(FAULT_EXPECTATIONS))
def test_each_broken_host_names_its_fault_in_every_format(fault_fleet_audit, prefix):
    reason, code, text = FAULT_EXPECTATIONS[prefix]
    formats = read_all(fault_fleet_audit.report_dir)
    by_format = {fmt: dict(rows) for fmt, rows in formats.items()}
    markdown = dict(read_markdown(fault_fleet_audit.report_dir)[0])
    for host in fault_fleet_audit.hosts(prefix + "-"):
        verdict = by_format["json"][host]
        assert verdict["status"] == "unknown", (host, verdict)
        assert verdict["reasons"] == [reason], (host, verdict)
        assert verdict["error_code"] == code, (host, verdict)
        assert text in verdict["error_message"], (host, verdict["error_message"])
        for fmt in ("csv", "html", "junit"):
            record = by_format[fmt][host]
            assert record["status"] == "unknown", (fmt, host)
            assert record["error_code"] == code, (fmt, host, record)
            assert record["error_message"] == verdict["error_message"], (fmt, host)
        for fmt in ("csv", "html"):
            assert by_format[fmt][host]["reasons"] == [reason], (fmt, host)
        if host in markdown:
            assert markdown[host]["reasons"] == [reason]


def test_large_outputs_are_refused_not_swallowed(fault_fleet_audit):
    """20 MB from each of five hosts at once: reported output_too_large, controller memory bounded."""
    verdicts = _json_verdicts(fault_fleet_audit.report_dir)
    large = fault_fleet_audit.hosts("f-large-output-")
    assert [verdicts[host]["error"]["code"] for host in large] == ["output_too_large"] * len(large)
    stats = fault_fleet_audit.fleet.stats()["hosts"]
    # The simulator did send the 20 MB: the limit is applied to what arrived, not to a short answer.
    assert all(stats[host]["bytes_out"] > 20_000_000 for host in large), {host: stats[host]["bytes_out"] for host in large}
    assert fault_fleet_audit.run.peak_pss_mib < MEMORY_BOUND_MIB


def test_hosts_that_recover_from_a_quota_fault_are_judged_normally(fault_fleet_audit):
    verdicts = _json_verdicts(fault_fleet_audit.report_dir)
    stats = fault_fleet_audit.fleet.stats()["hosts"]
    for host in fault_fleet_audit.hosts(RECOVERED_PREFIX):
        assert sum(stats[host]["faults"].values()) >= 1, f"{host}: the quota fault was never raised: {stats[host]}"
        assert verdicts[host]["error"] is None, verdicts[host]
        _assert_facts_match_profile(host, verdicts[host], fault_fleet_audit.inventory[host]["winsim_expect"])


def _assert_facts_match_profile(host: str, verdict: dict, expect: dict) -> None:
    if "error_code" in expect:
        # Profiles of hosts whose licensing classes cannot be read (sppsvc disabled, WMI access denied, no key).
        assert verdict["status"] == "unknown" and verdict["error"]["code"] == expect["error_code"], (host, verdict)
        return
    for key in EXPECT_FACT_KEYS:
        if key not in expect:
            continue
        value = verdict["facts"][key]
        if key == "kms_host" and value is not None:
            # Profiles name the KMS host as the host has it configured; verdicts show it as host:port.
            value = value.rsplit(":", 1)[0]
        assert value == expect[key], (host, key, verdict["facts"][key], expect[key])


def test_healthy_hosts_are_judged_as_their_profiles_say(fault_fleet_audit):
    verdicts = _json_verdicts(fault_fleet_audit.report_dir)
    for host in fault_fleet_audit.hosts(HEALTHY_PREFIX):
        _assert_facts_match_profile(host, verdicts[host], fault_fleet_audit.inventory[host]["winsim_expect"])


def test_healthy_verdicts_do_not_depend_on_broken_neighbours(fault_fleet_audit, collections_path):
    """The healthy hosts audited alone (--limit) get exactly the verdicts they got among the broken ones."""
    work = fault_fleet_audit.work_dir / "healthy_only"
    report_dir = work / "reports"
    command = audit_command(BIN, [fault_fleet_audit.fleet.inventory, write_timeouts_inventory(work.parent / "timeouts.yml")],
                            report_dir, "--limit", f"{HEALTHY_PREFIX}*")
    run = run_measured(command, ansible_env(collections_path), work, timeout=fault_fleet_audit.bound_seconds, name="audit")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    alone = _json_verdicts(report_dir)
    among_faulty = _json_verdicts(fault_fleet_audit.report_dir)
    healthy = fault_fleet_audit.hosts(HEALTHY_PREFIX)
    assert sorted(alone) == healthy
    different = {host: (alone[host], among_faulty[host]) for host in healthy
                 if _without_clock(alone[host]) != _without_clock(among_faulty[host])}
    assert not different, f"{len(different)} healthy hosts judged differently: {list(different.items())[:2]}"


def test_no_worker_outlives_the_run(fault_fleet_audit):
    """Timed-out and failed hosts leave no ansible worker behind (they would hold connections open)."""
    leftovers = {pid: command_line(pid) for pid in alive(fault_fleet_audit.run.seen)}
    assert not leftovers
