#!/usr/bin/env python
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Profile the controller side of one benchmark variant with py-spy, and say where the time goes.

    .venv/bin/pip install -r benchmarks/requirements.txt      # py-spy, for this tool only
    .venv/bin/python benchmarks/bench_profile.py --size 1000 --forks 25 [--variant ours] [--output build/bench-profile]

Starts a simulated fleet (as benchmarks/benchmark.py does), runs the variant's playbook under
`py-spy record --subprocesses` (the ansible-playbook process and every forked worker), and
writes the raw samples (profile.raw, for flamegraph tools) and profile.txt: the functions with
the most samples, inclusive, for the main process and for the workers, plus the task times.
py-spy slows the run down, so its wall time is not a benchmark figure; the proportions are
what it is for.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

# benchmark.py puts tests/support (the process meter) on sys.path; bench_fleet needs it too.
from benchmark import BIN, BUILD, PLAYBOOKS, ROOT, _ansible_env, _collections_path
from bench_fleet import BenchFleet, healthy_profiles
from bench_peer import ensure_peer_collection
from process_meter import run_measured

SAMPLE_RATE = 100
_LOCATION = re.compile(r" \((.*?):\d+\)$")


def summarise(raw: Path, top: int = 40) -> str:
    """Inclusive sample counts per function (file, not line), main process and workers apart."""
    inclusive = {"main process": collections.Counter(), "workers": collections.Counter()}
    totals = collections.Counter()
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _separator, count = line.rpartition(" ")
        frames = stack.split(";")
        processes = [index for index, frame in enumerate(frames) if frame.startswith("process ")]
        if not processes or not count.isdigit():
            continue
        kind = "main process" if len(processes) == 1 else "workers"
        totals[kind] += int(count)
        for frame in {_LOCATION.sub(r" (\1)", frame) for frame in frames[processes[-1] + 1:]}:
            inclusive[kind][frame] += int(count)
    lines = []
    for kind, counter in inclusive.items():
        lines.append(f"== {kind}: {totals[kind] / SAMPLE_RATE:.1f} s of samples (inclusive seconds per function)")
        lines += [f"{samples / SAMPLE_RATE:9.2f}  {frame}" for frame, samples in counter.most_common(top)]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--forks", type=int, default=25)
    parser.add_argument("--variant", choices=sorted(PLAYBOOKS), default="ours")
    parser.add_argument("--output", type=Path, default=BUILD / "bench-profile")
    args = parser.parse_args(argv)
    py_spy = shutil.which("py-spy", path=str(BIN)) or shutil.which("py-spy")
    if not py_spy:
        parser.error("py-spy not found: install it with `.venv/bin/pip install -r benchmarks/requirements.txt`")

    peer_collections = BUILD / "bench-collections"
    if args.variant == "peer":
        ensure_peer_collection(BUILD / "bench-cache", peer_collections)
    collections_path = _collections_path(peer_collections, BUILD / "collections", ROOT)
    args.output.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="licensing-bench-profile-"))
    try:
        with BenchFleet(BIN / "winsim", args.size, scratch / "fleet", healthy_profiles(BIN / "winsim")) as fleet:
            task_times = scratch / "task-times.json"
            command = [py_spy, "record", "--subprocesses", "--rate", str(SAMPLE_RATE), "--format", "raw",
                       "--output", str(args.output / "profile.raw"), "--",
                       sys.executable, str(BIN / "ansible-playbook"), "-i", str(fleet.inventory), str(PLAYBOOKS[args.variant]),
                       "--forks", str(args.forks), "-e", json.dumps({"license_audit_report_dir": str(scratch / "reports"),
                                                                     "peer_report_dir": str(scratch / "reports")})]
            cost = run_measured(command, _ansible_env(collections_path, scratch, task_times), args.output, 3600, "ansible",
                                cwd=ROOT, merge_stderr=True, kill_leftovers=True)
            times = json.loads(task_times.read_text(encoding="utf-8"))["tasks"] if task_times.is_file() else []
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report = [f"{args.variant}, {args.size} hosts, {args.forks} forks, under py-spy: {cost.wall_seconds:.1f} s wall, "
              f"{cost.cpu_seconds:.1f} s CPU, rc {cost.returncode}", "", "== task times (s)"]
    report += [f"{entry['seconds']:9.2f}  {entry['task']}" for entry in times]
    report += ["", summarise(args.output / "profile.raw")]
    (args.output / "profile.txt").write_text("\n".join(report), encoding="utf-8")
    print("\n".join(report[:len(times) + 4]))
    print(f"profile: {args.output / 'profile.txt'} (raw samples: {args.output / 'profile.raw'})")
    return 0 if cost.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
