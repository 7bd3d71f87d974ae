#!/usr/bin/env python
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet audit throughput and per-host cost: ours against the floor and the peer.

    make bench                      # 100, 500 and 1,000 hosts; forks 10, 25, 50; one repeat
    .venv/bin/python benchmarks/benchmark.py --sizes 1000 --forks 10 25 --repeat 3 --output results/my-run

Variants, run on the same simulated fleet (one `winsim serve` per fleet size, see bench_fleet.py), interleaved:

* floor: benchmarks/floor.yml - one `raw` command per host, what Ansible itself costs;
* ours:  playbooks/audit.yml - the license_audit role end to end (facts, verdicts, five reports);
* peer:  benchmarks/peer_win_product_facts.yml - ansible.windows.win_product_facts (3.3.0, from
  PyPI's ansible 12.3.0, see bench_peer.py) with the set_fact verdicts and JSON report a user writes;
* baseline (only with --baseline DIR): playbooks/audit.yml of another copy of the collection, for
  before/after figures of a change on the same fleet, e.g. `git archive HEAD | tar -x -C build/bench-baseline`.

Every run must audit every host (recap, the variant's report and the simulator's counters
agree, see bench_checks.py); otherwise the benchmark stops with exit status 1. Wall time, CPU
and memory of each run come from the harness's process meter (tests/support/process_meter.py;
memory as PSS of the process tree). What the hosts had to compute (CIM instances enumerated
and returned, PowerShell processes, script bytes parsed: winsim's host work, counts and never
times) is reported per host of the realistic profile bench_fleet.HOST_WORK_PROFILE, which
every fleet contains, and of the whole fleet. Performance
targets are reported, never enforced. Results: results.json, results.md and
hosts-per-second.svg in --output (default results/benchmark-<date>). Method and figures:
docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# The harness shared with the system tests: process_meter.
sys.path.insert(0, str(ROOT / "tests" / "support"))

from bench_checks import audited_hosts
from bench_fleet import HOST_WORK_PROFILE, BenchFleet, healthy_profiles
from bench_peer import ensure_peer_collection
from bench_report import DEFAULT_VARIANTS, VARIANT_ORDER, host_work_record, write_results
from process_meter import run_measured

BIN = Path(sys.executable).parent
BUILD = ROOT / "build"
PLAYBOOKS = {
    "floor": HERE / "floor.yml",
    "ours": ROOT / "playbooks" / "audit.yml",
    "peer": HERE / "peer_win_product_facts.yml",
}
# Where each variant is told to write its report (the floor writes none).
REPORT_VARIABLES = {"ours": "license_audit_report_dir", "baseline": "license_audit_report_dir", "peer": "peer_report_dir"}
RUN_TIMEOUT = 1800.0


def _numbers(values: list[str]) -> list[int]:
    """Accept `--sizes 100 500`, `--sizes 100,500` or both."""
    numbers = [int(part) for value in values for part in value.split(",") if part.strip()]
    if not numbers or any(number < 1 for number in numbers):
        raise argparse.ArgumentTypeError(f"expected positive integers, got {' '.join(values)}")
    return numbers


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["100", "500", "1000"], help="fleet sizes (default: 100 500 1000)")
    parser.add_argument("--forks", nargs="+", default=["10", "25", "50"], help="ansible fork counts (default: 10 25 50)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of every variant per fleet size and fork count (default: 1)")
    parser.add_argument("--variants", nargs="+", default=list(DEFAULT_VARIANTS), choices=DEFAULT_VARIANTS,
                        help="variants to run (default: floor ours peer)")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another copy of the collection whose playbooks/audit.yml runs as variant 'baseline'")
    parser.add_argument("--output", type=Path, default=None, help="results folder (default: results/benchmark-<date>)")
    args = parser.parse_args(argv)
    try:
        args.sizes, args.forks = _numbers(args.sizes), _numbers(args.forks)
    except (ValueError, argparse.ArgumentTypeError) as exc:
        parser.error(str(exc))
    if args.repeat < 1:
        parser.error("--repeat: expected at least 1")
    if args.baseline is not None:
        args.baseline = args.baseline.resolve()
        if not (args.baseline / "playbooks" / "audit.yml").is_file() or not (args.baseline / "galaxy.yml").is_file():
            parser.error(f"--baseline {args.baseline}: not a copy of this collection (no galaxy.yml and playbooks/audit.yml)")
        args.variants = [*args.variants, "baseline"]
    if args.output is None:
        args.output = ROOT / "results" / f"benchmark-{_dt.date.today().isoformat()}"
    return args


def _collections_path(peer_collections: Path, tree: Path, source: Path) -> str:
    """ansible.windows for the peer, then ``tree``: a symlink tree to ``source`` (what `make collections` makes)."""
    link = tree / "ansible_collections" / "licensing" / "windows"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(source)
    return f"{peer_collections}{os.pathsep}{tree}"


def _ansible_env(collections_path: str, scratch: Path, task_times: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=collections_path,
        ANSIBLE_CONFIG=str(scratch / "no-ansible.cfg"),  # never a user's or the cwd's ansible.cfg
        ANSIBLE_HOME=str(scratch / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(scratch / "ansible-tmp"),
        ANSIBLE_HOST_KEY_CHECKING="False",
        ANSIBLE_RETRY_FILES_ENABLED="False",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_CALLBACK_PLUGINS=str(HERE / "callback_plugins"),
        ANSIBLE_CALLBACKS_ENABLED="bench_task_times",
        BENCH_TASK_TIMES=str(task_times),
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def _per_host(stats: dict, size: int) -> dict[str, float]:
    totals = stats["totals"]
    return {
        "requests_per_host": totals["requests"] / size,
        "bytes_in_per_host": totals["bytes_in"] / size,
        "bytes_out_per_host": totals["bytes_out"] / size,
        "bytes_per_host": (totals["bytes_in"] + totals["bytes_out"]) / size,
        # What the command itself carried (command line, stdin, stdout/stderr as sent), without the HTTP
        # and SOAP framing every WinRS exchange pays (winsim's stats; absent from older simulators).
        "payload_bytes_per_host": totals.get("payload_bytes", 0) / size,
    }


def run_variant(variant: str, fleet: BenchFleet, forks: int, repeat: int, scratch: Path, setup: dict[str, tuple[Path, str]],
                output: Path) -> dict:
    """One measured ansible-playbook run; raises SystemExit when a host was not audited."""
    label = f"{fleet.size} hosts, {variant}, forks {forks}, run {repeat}"
    report_dir = scratch / f"reports-{variant}"
    shutil.rmtree(report_dir, ignore_errors=True)
    report_dir.mkdir()
    task_times = scratch / "task-times.json"
    task_times.unlink(missing_ok=True)
    playbook, collections_path = setup[variant]
    command = [str(BIN / "ansible-playbook"), "-i", str(fleet.inventory), str(playbook), "--forks", str(forks)]
    if variant in REPORT_VARIABLES:
        command += ["-e", json.dumps({REPORT_VARIABLES[variant]: str(report_dir)})]
    fleet.reset_stats()
    load_before = os.getloadavg()[0]
    simulator_cpu = fleet.cpu_seconds()
    cost = run_measured(command, _ansible_env(collections_path, scratch, task_times), scratch, RUN_TIMEOUT, "ansible",
                        cwd=ROOT, merge_stderr=True, kill_leftovers=True)
    simulator_cpu = fleet.cpu_seconds() - simulator_cpu
    stats = fleet.stats()
    audited = audited_hosts(variant, cost.stdout, report_dir, stats)
    if cost.returncode != 0 or len(audited) != fleet.size:
        kept = output / "failed-runs" / f"{fleet.size}-{variant}-f{forks}-r{repeat}.log"
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cost.stdout_file, kept)
        missing = sorted(set(stats["hosts"]) - audited)
        print(f"\nBENCHMARK FAILED: {label}: rc {cost.returncode}, {len(audited)} of {fleet.size} hosts audited "
              f"(not audited: {', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}). Output: {kept}", file=sys.stderr)
        raise SystemExit(1)
    record = {
        "size": fleet.size, "variant": variant, "forks": forks, "repeat": repeat,
        "wall_s": round(cost.wall_seconds, 3), "cpu_s": round(cost.cpu_seconds, 3),
        # MiB: the PSS of the process tree, the RSS of ansible-playbook itself, the largest RSS of any one process.
        "peak_pss_tree_mb": round(cost.peak_pss_mib, 1), "peak_rss_main_mb": round(cost.peak_rss_main_mib, 1),
        "max_rss_single_mb": round(cost.max_rss_single_mib, 1),
        "hosts_ok": len(audited), "simulator_cpu_s": round(simulator_cpu, 2),
        # The machine's 1-minute load average before the run: other work on the box shows here.
        "load_before": round(load_before, 2),
        **{key: round(value, 1) for key, value in _per_host(stats, fleet.size).items()},
        "task_times": json.loads(task_times.read_text(encoding="utf-8"))["tasks"] if task_times.is_file() else [],
        # What the hosts computed (counts, not time): per host of the realistic profile, and of the whole fleet.
        "host_work": host_work_record(stats, fleet.profile_of, HOST_WORK_PROFILE),
    }
    print(f"  {label}: {record['wall_s']:.1f} s wall, {fleet.size / cost.wall_seconds:.1f} hosts/s, "
          f"{record['cpu_s']:.1f} s CPU, {record['peak_pss_tree_mb']:.0f} MB tree PSS / {record['peak_rss_main_mb']:.0f} MB main RSS, "
          f"{record['requests_per_host']:.1f} req/host, {record['bytes_per_host'] / 1024:.1f} KB/host", flush=True)
    return record


def _task_times(runs: list[dict]) -> dict:
    """Task times of ours (and the baseline) at the largest fleet, each from its fastest run there."""
    found = {}
    for variant in ("baseline", "ours"):
        candidates = [run for run in runs if run["variant"] == variant and run["task_times"]]
        if not candidates:
            continue
        largest = max(run["size"] for run in candidates)
        fastest = min((run for run in candidates if run["size"] == largest), key=lambda run: run["wall_s"])
        found[variant] = {"size": fastest["size"], "forks": fastest["forks"], "tasks": fastest["task_times"]}
    return found


def _meta(args: argparse.Namespace, peer_version: str | None) -> dict:
    ansible_version = subprocess.run([str(BIN / "ansible-playbook"), "--version"], check=True, capture_output=True,
                                     text=True).stdout.splitlines()[0]
    return {
        "started": _dt.datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(["benchmarks/benchmark.py", *sys.argv[1:]]),
        "sizes": args.sizes, "forks": args.forks, "repeat": args.repeat, "variants": args.variants,
        "ansible": ansible_version, "ansible.windows (peer)": peer_version,
        "baseline": str(args.baseline) if args.baseline else None,
        "python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.platform(),
        "fleet": "winsim, healthy library profiles, Basic over HTTP, ephemeral ports on 127.0.0.1",
    }


def _stop(signum: int, _frame: object) -> None:
    """SIGTERM/SIGINT end the benchmark through the finally blocks: no fleet, run or scratch folder is left behind."""
    raise SystemExit(128 + signum)


def main(argv: list[str]) -> int:
    # Set explicitly: a shell starts background jobs with SIGINT ignored, and SIGTERM would skip the clean-up.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    args = parse_args(argv)
    peer_collections = BUILD / "bench-collections"
    peer_version = ensure_peer_collection(BUILD / "bench-cache", peer_collections) if "peer" in args.variants else None
    winsim = BIN / "winsim"
    profiles = healthy_profiles(winsim)
    meta = _meta(args, peer_version)
    variants = [variant for variant in VARIANT_ORDER if variant in args.variants]
    runs: list[dict] = []
    print(f"benchmark: sizes {args.sizes}, forks {args.forks}, {args.repeat} repeat(s), variants {variants}; "
          f"results in {args.output}", flush=True)
    scratch = Path(tempfile.mkdtemp(prefix="licensing-bench-"))
    ours_path = _collections_path(peer_collections, BUILD / "collections", ROOT)
    setup = {variant: (playbook, ours_path) for variant, playbook in PLAYBOOKS.items()}
    if args.baseline is not None:
        setup["baseline"] = (args.baseline / "playbooks" / "audit.yml",
                             _collections_path(peer_collections, scratch / "baseline-collections", args.baseline))
    try:
        for size in args.sizes:
            with BenchFleet(winsim, size, scratch / f"fleet-{size}", profiles) as fleet:
                for repeat in range(1, args.repeat + 1):
                    for forks in args.forks:
                        # Interleaved, and rotated per repeat, so slow drifts hit every variant alike.
                        shift = (repeat - 1) % len(variants)
                        for variant in variants[shift:] + variants[:shift]:
                            runs.append(run_variant(variant, fleet, forks, repeat, scratch, setup, args.output))
                            write_results(args.output, meta, runs, _task_times(runs))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    document = write_results(args.output, meta, runs, _task_times(runs))
    print((args.output / "results.md").read_text(encoding="utf-8"))
    unmet = [check["target"] for check in document["targets"] if not check["met"]]
    if unmet:
        print(f"benchmark: targets not met (reported, not enforced): {'; '.join(unmet)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
