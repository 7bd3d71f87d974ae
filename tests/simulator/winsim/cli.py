# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Command line: ``winsim serve``, ``winsim stop``, ``winsim fleet``, ``winsim profiles``, ``winsim check``.

``winsim serve --detach`` starts the server through :mod:`winsim.launch` (the same launcher
Python callers use) and returns once every listener is up; ``winsim stop`` ends it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import signal
import sys
from pathlib import Path

import yaml

from winsim import __version__, launch
from winsim.errors import ConfigError
from winsim.fleet import inventory
from winsim.fleet.fleet import FleetSpec, load_fleet
from winsim.fleet.fleetgen import generate
from winsim.fleet.profiles import ProfileLibrary
from winsim.fleet.server import FleetServer
from winsim.windows import handlers

LOG_LEVEL_ENV = "WINSIM_LOG_LEVEL"

LOG = logging.getLogger("winsim")


def _write_json(path: Path, document: dict[str, object]) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)


async def _serve(fleet: FleetSpec, args: argparse.Namespace) -> int:
    state_dir: Path | None = Path(args.state_dir) if args.state_dir else None
    created_state_dir = state_dir is not None and not state_dir.exists()
    server = FleetServer(fleet, state_dir=state_dir, control_port=args.control_port)
    try:
        await server.start()
    except OSError as exc:
        LOG.error("cannot start the fleet: %s", exc)
        return 1
    inventory_path = Path(args.inventory)
    ready_path = Path(args.ready_file) if args.ready_file else None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        inventory.write(inventory_path, server.inventory_document())
        listening = sum(1 for host in fleet.hosts if host.listening)
        if ready_path is not None:
            _write_json(ready_path, {
                "pid": os.getpid(), "control_url": server.control_url,
                "ca_file": str(server.ca_file) if server.ca_file else None,
                "inventory": str(inventory_path.resolve()), "hosts": len(fleet.hosts), "listening": listening,
                # What ansible-playbook needs in its environment for this fleet (KRB5_CONFIG of a Kerberos realm).
                "env": server.client_env,
                "kdc_pid": server.connections.realm.pid if server.connections and server.connections.realm else None,
            })
        LOG.info("%d hosts (%d listening); control %s; inventory %s", len(fleet.hosts), listening,
                 server.control_url, inventory_path)
        await stop.wait()
    finally:
        await server.stop()
        if args.stats_file:
            server.stats.dump(Path(args.stats_file))
        for path in (inventory_path, ready_path, server.ca_file):
            if path is not None:
                path.unlink(missing_ok=True)
        if created_state_dir and state_dir is not None:
            shutil.rmtree(state_dir, ignore_errors=True)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    if args.detach:
        return _serve_detached(args)
    if not args.inventory:
        raise ConfigError("serve: --inventory is required (or give --detach --state-dir DIR: DIR/inventory.yml)")
    for option, value in (("--inventory", args.inventory), ("--ready-file", args.ready_file), ("--stats-file", args.stats_file)):
        if value and not Path(value).resolve().parent.is_dir():
            raise ConfigError(f"{option} {value}: the directory {Path(value).resolve().parent} does not exist")
    for source in args.handlers or ():
        handlers.load(source)
    fleet = load_fleet(args.fleet, profiles_dir=args.profiles_dir)
    return asyncio.run(_serve(fleet, args))


def _serve_detached(args: argparse.Namespace) -> int:
    """``serve --detach``: the server in its own session via :mod:`winsim.launch`; exit once it is ready."""
    if not args.state_dir:
        raise ConfigError("serve --detach: --state-dir DIR is required (DIR gets inventory.yml, ready.json, winsim.log "
                          "and the simulator's own state in DIR/sim)")
    extra: list[str] = []
    if args.profiles_dir:
        extra += ["--profiles-dir", str(Path(args.profiles_dir).absolute())]
    if args.control_port:
        extra += ["--control-port", str(args.control_port)]
    if args.stats_file:
        extra += ["--stats-file", str(Path(args.stats_file).absolute())]
    for source in args.handlers or ():
        extra += ["--handlers", source]
    try:
        # The CLI is the launcher's one other client.
        # pylint: disable-next=protected-access
        served = launch.ServedFleet._launch(
            Path(args.fleet), Path(args.state_dir), extra_args=extra, timeout=args.timeout,
            env={LOG_LEVEL_ENV: args.log_level}, inventory=args.inventory, ready_file=args.ready_file, detach=True)
    except launch.LaunchError as exc:
        print(f"winsim: error: {exc}", file=sys.stderr)
        return exc.returncode if exc.returncode is not None and exc.returncode > 0 else 1
    ready = served.ready
    LOG.info("pid %s: %s hosts (%s listening); control %s; stop with: winsim stop --%s %s", served.pid, ready.get("hosts"),
             ready.get("listening"), served.control_url, "state-dir" if not args.ready_file else "ready-file",
             args.state_dir if not args.ready_file else served.ready_file)
    print(served.inventory)
    return 0


def _cmd_stop(args: argparse.Namespace) -> int:
    ready_file = Path(args.ready_file) if args.ready_file else Path(args.state_dir) / launch.READY_NAME
    try:
        message = launch.stop_served(ready_file, timeout=args.timeout)
    except (ValueError, OSError) as exc:  # a ready file without a pid; a process that is not ours to signal
        print(f"winsim: error: {exc}", file=sys.stderr)
        return 1
    print(message)
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    fleet = load_fleet(args.fleet, profiles_dir=args.profiles_dir)
    print(f"{args.fleet}: {len(fleet.hosts)} hosts OK")
    return 0


def _cmd_fleet(args: argparse.Namespace) -> int:
    library = ProfileLibrary(args.profiles_dir)
    profiles = args.profile or library.names()
    for name in profiles:
        library.get(name)
    document = generate(args.count, profiles=profiles, faulty=args.faulty, seed=args.seed, auth_kind=args.auth,
                        transport=args.transport, listen=args.listen, slow_seconds=args.slow_seconds,
                        large_output_bytes=args.large_output_bytes, name_format=args.name_format)
    header = (f"# Generated by: winsim fleet --count {args.count} --faulty {args.faulty} --seed {args.seed}"
              f" --auth {args.auth} --transport {args.transport}\n")
    sys.stdout.write(header + yaml.safe_dump(document, sort_keys=False, default_flow_style=False))
    return 0


def _cmd_profiles(args: argparse.Namespace) -> int:
    library = ProfileLibrary(args.profiles_dir)
    profiles = library.all()
    if args.json:
        print(json.dumps({profile.name: {"description": profile.description, "expect": profile.expect} for profile in profiles},
                         indent=2, default=str))
        return 0
    if not profiles:
        print(f"no profiles in {library.directory}")
        return 0
    width = max(len(profile.name) for profile in profiles)
    for profile in profiles:
        print(f"{profile.name:<{width}}  {profile.description}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="winsim", description="A simulated fleet of Windows hosts speaking WinRM (WS-Management).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    levels = ("DEBUG", "INFO", "WARNING", "ERROR")
    from_env = os.environ.get(LOG_LEVEL_ENV, "").upper()
    parser.add_argument("--log-level", default=from_env if from_env in levels else "INFO", choices=levels,
                        help=f"default: ${LOG_LEVEL_ENV}, else INFO (serve --detach hands it to the server this way)")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run a fleet until SIGTERM/SIGINT (--detach: in the background)")
    serve.add_argument("--fleet", required=True, help="fleet file (YAML)")
    serve.add_argument("--inventory", help="where to write the Ansible inventory (mode 0600); required without --detach "
                                           "(default with --detach: STATE_DIR/inventory.yml)")
    serve.add_argument("--state-dir", help="without --detach: where the simulator keeps its own state, the CA file (default: a "
                                           "private temporary directory); with --detach: the directory for inventory.yml, "
                                           "ready.json and winsim.log, the simulator's own state going to STATE_DIR/sim")
    serve.add_argument("--ready-file", help="JSON file written once every listener is up (control URL, pid, CA path); "
                                            "default with --detach: STATE_DIR/ready.json")
    serve.add_argument("--profiles-dir", help="profile library directory (default: $WINSIM_PROFILES_DIR, else tests/profiles "
                                              "of the collection's checkout)")
    serve.add_argument("--control-port", type=int, default=0, help="port of the control endpoint on 127.0.0.1 (default: any)")
    serve.add_argument("--stats-file", help="write the counters (JSON) here when stopping")
    serve.add_argument("--handlers", action="append", metavar="MODULE_OR_PATH",
                       help="import this handler module (a .py file or a dotted module name) before serving; it registers "
                            "programs the hosts run (repeatable), e.g. benchmarks/winsim_handlers/peer_module.py")
    serve.add_argument("--detach", action="store_true",
                       help="start the server in the background (its own session, log in STATE_DIR/winsim.log), wait until "
                            "every listener is up, print the inventory path and exit 0; stop it with winsim stop")
    serve.add_argument("--timeout", type=float, default=60.0, help="with --detach: seconds to wait for the server (default 60)")
    serve.set_defaults(handler=_cmd_serve)

    stop = commands.add_parser("stop", help="stop a server started with serve --detach (SIGTERM to the pid of its ready file)")
    where = stop.add_mutually_exclusive_group(required=True)
    where.add_argument("--state-dir", help="the --state-dir it was started with (its ready file is STATE_DIR/ready.json)")
    where.add_argument("--ready-file", help="its ready file")
    stop.add_argument("--timeout", type=float, default=launch.STOP_TIMEOUT,
                      help=f"seconds to wait after SIGTERM before SIGKILL (default {launch.STOP_TIMEOUT:g})")
    stop.set_defaults(handler=_cmd_stop)

    check = commands.add_parser("check", help="validate a fleet file and exit")
    check.add_argument("--fleet", required=True)
    check.add_argument("--profiles-dir")
    check.set_defaults(handler=_cmd_check)

    fleet = commands.add_parser("fleet", help="print a generated fleet file")
    fleet.add_argument("--count", type=int, required=True)
    fleet.add_argument("--faulty", type=float, default=0.0, help="share of hosts with a fault (0..1)")
    fleet.add_argument("--seed", type=int, default=0)
    fleet.add_argument("--auth", default="basic", help="basic, ntlm or mixed")
    fleet.add_argument("--transport", default="http", help="http, https or mixed")
    fleet.add_argument("--listen", default="loopback", help="loopback (127.0.0.N:5985/5986) or ephemeral (127.0.0.1:any)")
    fleet.add_argument("--profile", action="append", help="limit to these profiles (repeatable)")
    fleet.add_argument("--profiles-dir")
    fleet.add_argument("--slow-seconds", type=float, default=25.0)
    fleet.add_argument("--large-output-bytes", type=int, default=1_000_000)
    fleet.add_argument("--name-format", default="win-{n:03d}")
    fleet.set_defaults(handler=_cmd_fleet)

    profiles = commands.add_parser("profiles", help="list the profile library")
    profiles.add_argument("--profiles-dir")
    profiles.add_argument("--json", action="store_true")
    profiles.set_defaults(handler=_cmd_profiles)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="winsim: %(message)s", stream=sys.stderr)
    try:
        return int(args.handler(args))
    except ConfigError as exc:
        print(f"winsim: error: {exc}", file=sys.stderr)
        return 2
