# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only notification callback: when each host's task started and ended, and how.

Enabled by the system tests with ANSIBLE_CALLBACK_PLUGINS pointing here,
ANSIBLE_CALLBACKS_ENABLED=host_timings and HOST_TIMINGS_FILE naming the JSON-lines file
to append to. It measures what a per-host timeout does from the controller's side.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: host_timings
    type: notification
    short_description: Record when each host's task started and ended (licensing.windows system tests)
    description:
      - Appends one JSON line per host and task to the file named by the environment variable HOST_TIMINGS_FILE.
    requirements:
      - enabled in callbacks_enabled
"""


class CallbackModule(CallbackBase):
    """Start and end time of every host's task, as JSON lines."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "host_timings"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._started: dict[tuple[str, str], float] = {}
        self._path = os.environ.get("HOST_TIMINGS_FILE")

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.monotonic()  # pylint: disable=protected-access

    def _record(self, result, outcome: str) -> None:
        key = (result.host.get_name(), result.task._uuid)  # pylint: disable=protected-access
        started = self._started.pop(key, None)
        if not self._path or started is None:
            return
        with open(self._path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"host": key[0], "task": result.task.get_name(), "outcome": outcome,
                                     "seconds": round(time.monotonic() - started, 3)}) + "\n")

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")
