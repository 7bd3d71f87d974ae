# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The same fleet audited again and again gives the same reports, leaves nothing behind, and a
run killed while it writes its reports never leaves a broken report in place of the old one.

tests/fleets/repeat_fleet.yml (20 hosts) is audited twenty times in a row into the same
report directory, as a scheduled job would. The reports must be identical apart from the
values that carry the time of the run, which are normalised field by field. After the
runs: no process of theirs alive, no socket of the fleet listening or connected, no file
left in the temporary directory or in ~/.ansible/tmp (both private to this test, so that
other work on the machine cannot blur the picture).
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from conftest import BIN, ROOT, ansible_env, start_fleet
from process_meter import PROC, alive, command_line, listening_ports, run_measured, start_time
from reports import FILE_NAMES, HISTORY_FILE_NAME, WRITTEN_FILE_NAMES

FLEET_FILE = ROOT / "tests" / "fleets" / "repeat_fleet.yml"
RUNS = 20
KILLS = 6
BIG_REPORT_HOSTS = 1500


def _private_env(collections_path: Path, home: Path, temp: Path) -> dict:
    """ansible's environment with HOME (so ~/.ansible/tmp) and TMPDIR of our own."""
    home.mkdir(parents=True, exist_ok=True)
    temp.mkdir(parents=True, exist_ok=True)
    return ansible_env(collections_path, HOME=str(home), TMPDIR=str(temp), TMP=str(temp), TEMP=str(temp))


def _normalised(run_dir: Path) -> dict[str, str]:
    """The five reports with the values that carry the time of the run replaced, field by field.

    The values come from the named fields of this run's JSON report: generated_at (the
    report's time) and each host's grace_expires_at (collected_at + the grace minutes left).
    In the JSON they are replaced in place; in the other formats, where they appear as
    text, each exact value is replaced wherever it is shown. The HTML report's trend shows
    the history, which grows by one audit every run by design: that section is compared by
    test_each_audit_added_one_history_record instead.
    """
    document = json.loads((run_dir / FILE_NAMES["json"]).read_text(encoding="utf-8"))
    clock_values = {document["generated_at"]: "<generated_at>"}
    document["generated_at"] = "<generated_at>"
    for verdict in document["hosts"]:
        value = verdict["facts"]["grace_expires_at"]
        if value:
            clock_values[value] = "<grace_expires_at>"
            verdict["facts"]["grace_expires_at"] = "<grace_expires_at>"
    texts = {"json": json.dumps(document, indent=1, sort_keys=True)}
    for fmt in ("csv", "html", "junit", "markdown"):
        text = (run_dir / FILE_NAMES[fmt]).read_text(encoding="utf-8")
        for value, placeholder in clock_values.items():
            text = text.replace(value, placeholder)
        if fmt == "html":
            text = re.sub(r'<section id="trend".*?</section>', '<section id="trend"></section>', text, count=1, flags=re.S)
        texts[fmt] = text
    return texts


LOOPBACK_HEX = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it


def _sockets(ports: set[int]) -> list[tuple[str, str, str]]:
    """(local, remote, state) of every TCP socket with one end on 127.0.0.1:<one of ports>, except TIME_WAIT."""
    found = []
    for line in (PROC / "net" / "tcp").read_text().splitlines()[1:]:
        parts = line.split()
        local, remote, state = parts[1], parts[2], parts[3]
        if state == "06":  # TIME_WAIT: closed, only the kernel remembers it
            continue
        for end in (local, remote):
            address, port = end.split(":")
            if address == LOOPBACK_HEX and int(port, 16) in ports:
                found.append((local, remote, state))
                break
    return found


def _processes_with(marker: str) -> dict[int, str]:
    """Processes whose environment holds ``marker`` (our private TMPDIR): anything we started, however detached."""
    found = {}
    needle = marker.encode()
    for entry in PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes():
                found[int(entry.name)] = command_line(int(entry.name))
        except OSError:
            continue
    return found


@pytest.fixture(scope="module")
def repeated(tmp_path_factory, collections_path):
    """Twenty audits of the repeat fleet, then the fleet stopped; what each run left and what remains."""
    work = tmp_path_factory.mktemp("repeat")
    home, temp = work / "home", work / "tmp"
    env = _private_env(collections_path, home, temp)
    fleet = start_fleet(yaml.safe_load(FLEET_FILE.read_text(encoding="utf-8")), work / "fleet")
    inventory = yaml.safe_load(fleet.inventory.read_text(encoding="utf-8"))["all"]["children"]["windows"]["hosts"]
    ports = {int(variables["ansible_port"]) for variables in inventory.values()}
    report_dir = work / "reports"
    fleet_process = {(fleet.pid, start_time(fleet.pid))}
    runs, seen, listings = [], set(), []
    try:
        for number in range(RUNS):
            command = [str(BIN / "ansible-playbook"), "-i", str(fleet.inventory), str(ROOT / "playbooks" / "audit.yml"),
                       "-e", json.dumps({"license_audit_report_dir": str(report_dir), "license_audit_host_timeout": 30})]
            run = run_measured(command, env, work / "logs", timeout=300, name=f"run{number:02d}")
            assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
            seen |= run.seen
            listings.append(sorted(os.listdir(report_dir)))
            kept = work / "runs" / f"{number:02d}"
            kept.mkdir(parents=True)
            for name in FILE_NAMES.values():
                (kept / name).write_bytes((report_dir / name).read_bytes())
            runs.append(kept)
        connected_after_runs = _sockets(ports)
    finally:
        fleet.stop()
    time.sleep(0.5)  # let the kernel finish closing the listeners
    control_port = int(fleet.control_url.rsplit(":", 1)[1])
    return {
        "runs": runs, "listings": listings, "seen": seen, "ports": ports | {control_port}, "home": home, "temp": temp,
        "connected_after_runs": connected_after_runs, "fleet_process": fleet_process, "hosts": len(inventory),
        "report_dir": report_dir,
    }


def test_twenty_audits_give_identical_reports(repeated):
    first = _normalised(repeated["runs"][0])
    assert len(json.loads(first["json"])["hosts"]) == repeated["hosts"] == 20
    for run_dir in repeated["runs"][1:]:
        again = _normalised(run_dir)
        for fmt in FILE_NAMES:
            assert again[fmt] == first[fmt], f"{run_dir.name}: {fmt} differs from the first run"


def test_the_runs_did_differ_before_normalisation(repeated):
    """The first and the last run carry different times, so the comparison above is not vacuous."""
    first, last = (json.loads((run / FILE_NAMES["json"]).read_text(encoding="utf-8")) for run in (repeated["runs"][0], repeated["runs"][-1]))
    assert first["generated_at"] != last["generated_at"]
    assert any(verdict["facts"]["grace_expires_at"] for verdict in first["hosts"])


def test_the_report_directory_holds_only_the_reports(repeated):
    for listing in repeated["listings"]:
        assert listing == sorted(WRITTEN_FILE_NAMES)


def test_each_audit_added_one_history_record(repeated):
    history = (repeated["report_dir"] / HISTORY_FILE_NAME).read_text(encoding="utf-8").splitlines()
    assert len(history) == RUNS
    records = [json.loads(line) for line in history]
    assert [record["total"] for record in records] == [repeated["hosts"]] * RUNS
    assert len({record["generated_at"] for record in records}) == RUNS


def test_no_process_is_left_behind(repeated):
    leftovers = {pid: command_line(pid) for pid in alive(repeated["seen"] | repeated["fleet_process"])}
    assert not leftovers
    assert not _processes_with(str(repeated["temp"]))


def test_no_socket_is_left_behind(repeated):
    # While the fleet still ran: no connection of the finished runs was left open (01: ESTABLISHED).
    assert not [s for s in repeated["connected_after_runs"] if s[2] == "01"], repeated["connected_after_runs"]
    # After it stopped: nothing listens on 127.0.0.1 on any of its ports. (Other work on the machine
    # may reuse a freed port number for its own connections, so only listeners are checked here.)
    assert not {port for address, port in listening_ports() if address == LOOPBACK_HEX and port in repeated["ports"]}


def test_no_temporary_file_is_left_behind(repeated):
    assert not list(repeated["temp"].iterdir())
    ansible_tmp = repeated["home"] / ".ansible" / "tmp"
    assert not ansible_tmp.exists() or not list(ansible_tmp.iterdir()), list(ansible_tmp.iterdir())


# --- interrupted report writing ------------------------------------------------------------


def _big_report(source: Path, hosts: int, generated_at: str, tag: str) -> dict:
    """A valid report of ``hosts`` hosts, made by repeating the verdicts of a real one under new names."""
    document = json.loads(source.read_text(encoding="utf-8"))
    verdicts = document["hosts"]
    document["hosts"] = [dict(verdicts[i % len(verdicts)], host=f"{verdicts[i % len(verdicts)]['host']}-{tag}{i:05d}")
                         for i in range(hosts)]
    document["generated_at"] = generated_at
    return document


def _merge_command(source: Path, dest: Path) -> list[str]:
    return [str(BIN / "ansible-playbook"), str(ROOT / "playbooks" / "merge_reports.yml"),
            # No history: each version's files must be the same whichever directory they are written to.
            "-e", json.dumps({"license_audit_merge": [str(source)], "license_audit_report_dir": str(dest),
                              "license_audit_history": False})]


def test_a_killed_run_never_leaves_a_broken_report(repeated, tmp_path, collections_path):
    """SIGKILL the whole ansible-playbook tree while it writes the reports; each file stays whole, old or new."""
    env = _private_env(collections_path, tmp_path / "home", tmp_path / "tmp")
    versions = {}
    for name, stamp in (("A", "2026-01-01T00:00:00Z"), ("B", "2026-02-02T00:00:00Z")):
        source = tmp_path / f"source-{name}.json"
        source.write_text(json.dumps(_big_report(repeated["runs"][0] / FILE_NAMES["json"], BIG_REPORT_HOSTS, stamp, name)), encoding="utf-8")
        expected = tmp_path / f"expected-{name}"
        completed = subprocess.run(_merge_command(source, expected), env=env, capture_output=True, text=True, timeout=300, check=False)
        assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
        versions[name] = (source, {fmt: (expected / file).read_bytes() for fmt, file in FILE_NAMES.items()})
    assert all(versions["A"][1][fmt] != versions["B"][1][fmt] for fmt in FILE_NAMES)

    target = tmp_path / "reports"
    target.mkdir()
    for fmt, file in FILE_NAMES.items():
        (target / file).write_bytes(versions["A"][1][fmt])
    rng = random.Random(6)
    caught, mixed = 0, 0
    for kill in range(KILLS):
        version = "B" if kill % 2 == 0 else "A"
        # Kill at the first sight of the n-th report's temporary file, n varying, so kills land on different files.
        nth = kill % len(FILE_NAMES) + 1
        process = subprocess.Popen(_merge_command(versions[version][0], target), env=env, stdout=subprocess.DEVNULL,  # pylint: disable=consider-using-with
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        temporaries: set[str] = set()
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            temporaries |= {name for name in os.listdir(target) if name.endswith(".tmp")}
            if len(temporaries) >= nth:
                time.sleep(rng.random() * 0.002)
                os.killpg(process.pid, signal.SIGKILL)
                caught += 1
                break
        process.wait()
        found = set()
        for fmt, file in FILE_NAMES.items():
            data = (target / file).read_bytes()
            matches = [name for name, (_source, files) in versions.items() if files[fmt] == data]
            assert matches, f"kill {kill}: {file} is neither the old nor the new report ({len(data)} bytes)"
            found.add(matches[0])
        mixed += len(found) > 1
        # What a SIGKILL cannot clean up: hidden .tmp files next to the reports. They are never read as reports.
        for name in os.listdir(target):
            assert name in WRITTEN_FILE_NAMES or (name.startswith(".license-audit") and name.endswith(".tmp")), name
    print(f"\nkilled {caught} of {KILLS} runs while they wrote reports; {mixed} left old and new reports side by side, "
          "every file whole")
    assert caught >= KILLS // 2, "the kills did not land while reports were written"
