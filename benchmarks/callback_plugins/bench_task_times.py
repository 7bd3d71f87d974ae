# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark helper: the wall time of every task of a playbook run, written as JSON.

Enabled by benchmarks/benchmark.py for every variant alike (ANSIBLE_CALLBACKS_ENABLED), so that
docs/performance.md can say which task of the audit takes the time. It only notes the
clock when a task starts and when the play ends: no per-host work, no measurable cost.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_task_times
type: aggregate
short_description: Write the wall time of each task to the JSON file named by BENCH_TASK_TIMES
description:
  - Benchmark helper of licensing.windows (benchmarks/benchmark.py); not part of the collection.
  - With the linear strategy tasks run one after another, so a task lasts from its start to the next task's start
    (the last one to the end of the run).
requirements:
  - the environment variable BENCH_TASK_TIMES names the output file
"""

# Where to write; without it the callback does nothing.
OUTPUT_ENV = "BENCH_TASK_TIMES"


class CallbackModule(CallbackBase):
    """Note task start times; write [{"task": name, "seconds": s}, ...] at the end of the run."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_task_times"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._started = time.monotonic()
        self._tasks = []  # [name, start] in order

    def _start(self, task):
        self._tasks.append([task.get_name(), time.monotonic()])

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get(OUTPUT_ENV)
        if not path:
            return
        ended = time.monotonic()
        starts = [start for _name, start in self._tasks[1:]] + [ended]
        timings = [{"task": name, "seconds": round(end - start, 3)} for (name, start), end in zip(self._tasks, starts)]
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({"total_seconds": round(ended - self._started, 3), "tasks": timings}, handle, indent=1)
