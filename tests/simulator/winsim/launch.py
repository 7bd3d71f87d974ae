# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The one launcher of ``winsim serve``: start it as a process, wait until every listener is up, stop it.

There are two ways to run a simulated fleet; pick by what talks to it:

* :class:`winsim.BackgroundSimulator` runs the fleet inside the calling Python process, on
  a thread with its own event loop. Use it for unit-speed tests that talk to a few hosts
  from Python (pywinrm sessions, counters read from ``sim.stats``, handlers loaded with
  :func:`winsim.windows.handlers.load` in-process): it starts in milliseconds and writes no
  files unless asked.
* :class:`ServedFleet` / :func:`serve_fleet` (this module) run ``winsim serve`` as a separate
  process. Use them when other processes use the fleet (ansible-playbook, molecule, the
  system tests, the benchmark), when the fleet must not share the caller's CPU and GIL, or
  when it must outlive a Python block: the server gets its own signals, and the inventory
  and ready file are files any process can read. From a shell the same launcher is
  ``winsim serve --fleet F --state-dir D --detach`` (returns once every listener is up) and
  ``winsim stop --state-dir D``.

Files in ``state_dir``: ``inventory.yml`` (mode 0600, it holds the hosts' passwords),
``ready.json`` (written by the server once every listener is up: ``pid``, ``control_url``,
``ca_file``, ``inventory``, ``hosts``, ``listening``), ``winsim.log`` (the server's stdout
and stderr) and ``sim/`` (the server's own state directory, for the CA file). The server
removes the inventory, the ready file and ``sim/`` when it stops; the log stays.

::

    from winsim.launch import serve_fleet

    with serve_fleet(Path("tests/fleets/demo.yml"), tmp_path / "fleet") as fleet:
        subprocess.run(["ansible-playbook", "-i", str(fleet.inventory), "playbooks/audit.yml"], check=True)
        fleet.stats()["totals"]["requests"]
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

#: How long :meth:`ServedFleet.stop` and ``winsim stop`` wait after SIGTERM before SIGKILL.
STOP_TIMEOUT = 20.0
INVENTORY_NAME = "inventory.yml"
READY_NAME = "ready.json"
LOG_NAME = "winsim.log"
SIM_STATE_NAME = "sim"
_POLL = 0.05


class LaunchError(RuntimeError):
    """``winsim serve`` did not become ready; the message holds its log. ``returncode`` is its exit code if it exited."""

    def __init__(self, message: str, returncode: int | None = None) -> None:
        super().__init__(message)
        self.returncode = returncode


def winsim_command() -> list[str]:
    """The ``winsim`` console script next to this Python, else ``python -m winsim``."""
    script = Path(sys.executable).parent / "winsim"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "winsim"]


def _read_log(log: Path, limit: int = 20_000) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return text if len(text) <= limit else "...\n" + text[-limit:]


class ServedFleet:
    """A running ``winsim serve`` process; a context manager that stops it on exit."""

    def __init__(self, process: subprocess.Popen, state_dir: Path, inventory: Path, ready_file: Path, log: Path) -> None:
        self.process = process
        self.state_dir = state_dir
        self.inventory = inventory
        self.ready_file = ready_file
        self.log = log
        self.ready: dict = {}

    @classmethod
    def start(cls, fleet_file: Path, state_dir: Path, *, extra_args: Sequence[str] = (), timeout: float = 60.0,
              env: Mapping[str, str] | None = None) -> ServedFleet:
        """Start ``winsim serve --fleet fleet_file`` with its files in ``state_dir``; return once every listener is up.

        ``extra_args`` go to ``winsim serve`` (``--handlers``, ``--profiles-dir``,
        ``--control-port``, ``--stats-file``). ``env`` is added to this process's
        environment for the server. Raises :class:`LaunchError` (a RuntimeError) with the
        server's log if it exits or is not ready within ``timeout`` seconds; it is ended then.
        """
        return cls._launch(fleet_file, state_dir, extra_args=extra_args, timeout=timeout, env=env)

    @classmethod
    def _launch(cls, fleet_file: Path | str, state_dir: Path | str, *, extra_args: Sequence[str] = (), timeout: float = 60.0,
                env: Mapping[str, str] | None = None, inventory: Path | str | None = None,
                ready_file: Path | str | None = None, detach: bool = False) -> ServedFleet:
        """:meth:`start`, plus what ``winsim serve --detach`` needs: other file names, and a session of its own."""
        state = Path(state_dir).absolute()
        state.mkdir(parents=True, exist_ok=True)
        inventory_path = Path(inventory).absolute() if inventory else state / INVENTORY_NAME
        ready_path = Path(ready_file).absolute() if ready_file else state / READY_NAME
        log = state / LOG_NAME
        # A ready file left by a server that was killed would look like this one being ready.
        ready_path.unlink(missing_ok=True)
        command = [*winsim_command(), "serve", "--fleet", str(fleet_file), "--inventory", str(inventory_path),
                   "--state-dir", str(state / SIM_STATE_NAME), "--ready-file", str(ready_path), *extra_args]
        environment = None if env is None else {**os.environ, **env}
        with log.open("wb") as handle:
            # Stopped by stop(), not by a with block: the process outlives this call.
            process = subprocess.Popen(  # pylint: disable=consider-using-with
                command, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT, env=environment,
                start_new_session=detach,
            )
        served = cls(process, state, inventory_path, ready_path, log)
        try:
            served.ready = served._wait_until_ready(timeout)
        except BaseException:
            served.stop()
            raise
        return served

    def _wait_until_ready(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            if self.ready_file.is_file() and self.ready_file.stat().st_size:
                try:
                    return json.loads(self.ready_file.read_text(encoding="utf-8"))
                except ValueError:
                    pass  # the server writes it atomically; a foreign half-written file is read again
            returncode = self.process.poll()
            if returncode is not None:
                raise LaunchError(f"winsim serve exited with {returncode} before it was ready; its log "
                                  f"({self.log}):\n{_read_log(self.log)}", returncode)
            if time.monotonic() > deadline:
                self.stop()
                raise LaunchError(f"winsim serve was not ready after {timeout:g} s; its log ({self.log}):\n{_read_log(self.log)}")
            time.sleep(_POLL)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def control_url(self) -> str:
        """``http://127.0.0.1:<port>`` of the control endpoint (GET /stats, POST /reset, GET /hosts)."""
        return str(self.ready["control_url"])

    def stats(self) -> dict:
        """The counters: GET <control_url>/stats (loopback)."""
        with urllib.request.urlopen(self.control_url + "/stats", timeout=60) as response:  # 127.0.0.1 only
            return json.load(response)

    def stop(self) -> None:
        """SIGTERM the server (by PID), wait up to 20 s for it to clean up, then SIGKILL; again is a no-op."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> ServedFleet:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextlib.contextmanager
def serve_fleet(fleet_file: Path, state_dir: Path, **kwargs: object) -> Iterator[ServedFleet]:
    """``ServedFleet.start(fleet_file, state_dir, **kwargs)`` as a context manager: stopped on exit."""
    served = ServedFleet.start(fleet_file, state_dir, **kwargs)  # type: ignore[arg-type]
    try:
        yield served
    finally:
        served.stop()


# ---- winsim stop: a server started with --detach, known only by its ready file ---------------------------------

def process_running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie (an exited process its parent has not reaped yet)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def _is_winsim(pid: int) -> bool:
    """Whether ``pid`` runs winsim (guards against a PID reused since a server was killed); True if unknown."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True
    return any(b"winsim" in argument for argument in arguments) and b"serve" in arguments


def _remove_leftovers(ready_file: Path, document: Mapping[str, object]) -> None:
    """What a server removes itself when it stops, for one that could not (killed): inventory, CA file, ready file."""
    for key in ("inventory", "ca_file"):
        value = document.get(key)
        if isinstance(value, str) and value:
            Path(value).unlink(missing_ok=True)
    ready_file.unlink(missing_ok=True)


def stop_served(ready_file: Path, *, timeout: float = STOP_TIMEOUT) -> str:
    """Stop the server named in ``ready_file`` (SIGTERM, wait, SIGKILL after ``timeout``); return what happened.

    Nothing running (no ready file, the process is gone, or the PID is no longer winsim's)
    is not an error. Raises ValueError for a ready file without a ``pid``.
    """
    if not ready_file.is_file():
        return f"nothing to stop: {ready_file} does not exist (no winsim serve is running with it)"
    try:
        document = json.loads(ready_file.read_text(encoding="utf-8"))
        pid = int(document["pid"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{ready_file}: not a winsim ready file (no pid): {exc}") from exc
    if not process_running(pid) or not _is_winsim(pid):
        _remove_leftovers(ready_file, document)
        return f"nothing to stop: winsim serve (pid {pid}) is not running; removed its leftover ready file"
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while process_running(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            kill_deadline = time.monotonic() + 10
            while process_running(pid) and time.monotonic() < kill_deadline:
                time.sleep(_POLL)
            _remove_leftovers(ready_file, document)
            return f"winsim serve (pid {pid}) did not stop within {timeout:g} s after SIGTERM; killed it"
        time.sleep(_POLL)
    return f"stopped winsim serve (pid {pid})"
