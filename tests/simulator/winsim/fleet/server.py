# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The running fleet: one asyncio event loop serving every host's listener and the control endpoint.

One loop and no thread per host keeps a 1,000-host fleet cheap to start and
light on CPU; a slow host only sleeps in its own coroutine. The control
endpoint (127.0.0.1, its own port) is never seen by a WinRM client:
``GET /stats`` returns the counters as JSON, ``POST /reset`` zeroes them,
``GET /hosts`` lists the bound endpoints.

Use :class:`FleetServer` inside an event loop (the CLI does), or
:class:`BackgroundSimulator` from synchronous code such as pytest fixtures::

    with BackgroundSimulator(fleet) as sim:
        session = winrm.Session(sim.endpoint("win-001"), auth=("simadmin", sim.password("win-001")))
"""

from __future__ import annotations

import asyncio
import json
import logging
import resource
import shutil
import socket
import ssl
import tempfile
import threading
from pathlib import Path

from winsim.fleet import inventory
from winsim.fleet.connections import FleetConnections
from winsim.fleet.fleet import HTTPS, SSH, FleetSpec, HostSpec
from winsim.fleet.host import SimulatedHost
from winsim.fleet.stats import FleetStats
from winsim.net import auth
from winsim.net.certs import CertificateSet
from winsim.net.httpio import HttpError, read_request, response_bytes
from winsim.net.loopback import require_loopback

LOG = logging.getLogger("winsim")
_QUIET_ERRORS = (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError, TimeoutError)


def _raise_file_limit(wanted: int) -> None:
    """Every listener and connection is a file descriptor; lift the soft limit towards the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _closed_port(address: str) -> int:
    """A port nothing listens on (for ``not_listening`` hosts on ephemeral ports: connection refused)."""
    with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as probe:
        probe.bind((require_loopback(address), 0))
        return probe.getsockname()[1]


class FleetServer:
    """Listeners of every host of a fleet, plus the control endpoint."""

    def __init__(self, fleet: FleetSpec, *, state_dir: Path | None = None, control_port: int = 0) -> None:
        self.fleet = fleet
        self.stats = FleetStats(fleet.names)
        self.hosts: dict[str, SimulatedHost] = {}
        self.control_port = control_port
        self.control_url = ""
        self.state_dir = state_dir
        self.ca_file: Path | None = None
        self._private_dir: Path | None = None
        self._servers: list[asyncio.base_events.Server] = []
        #: the Kerberos realm, client certificates and ssh listeners of the fleet (winsim.fleet.connections)
        self.connections: FleetConnections | None = None
        self._connections: set[asyncio.Task[None]] = set()

    # ---- life cycle --------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind every listener; raises OSError (address in use ...) after undoing what was done."""
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(self._exception_handler)
        self._private_dir = Path(tempfile.mkdtemp(prefix="winsim-"))
        # Absolute, because the inventory hands the CA path to ansible, which may run from anywhere.
        state = (self.state_dir or self._private_dir).resolve()
        state.mkdir(parents=True, exist_ok=True)
        # Each scheme prepares what its acceptors need for the hosts that offer it (NTLM: its credential file).
        scheme_settings = auth.prepare_fleet([(host.auth_schemes, host.username, host.password) for host in self.fleet.hosts],
                                             self._private_dir)
        needs_tls = any(host.transport == HTTPS and host.connection != SSH for host in self.fleet.hosts)
        certificates = CertificateSet([host.address for host in self.fleet.hosts]) if needs_tls else None
        contexts: dict[str, ssl.SSLContext] = {}
        if certificates is not None:
            self.ca_file = state / "winsim-ca.pem"
            self.ca_file.write_bytes(certificates.ca.pem)
        # A KDC for Kerberos hosts, client certificates for certificate hosts, a key pair for ssh hosts.
        self.connections = FleetConnections(self.fleet.hosts, state)
        self.connections.prepare(scheme_settings, certificates.ca if certificates is not None else None)
        _raise_file_limit(len(self.fleet.hosts) * 4 + 256)
        for spec in self.fleet.hosts:
            certificate = certificates.certificate(spec.certificate) if certificates and spec.transport == HTTPS else None
            host = SimulatedHost(spec, self.stats.for_host(spec.name), scheme_settings=scheme_settings, certificate=certificate)
            self.hosts[spec.name] = host
            if not spec.listening:
                if spec.port == 0:
                    host.bound(_closed_port(spec.address))
                continue
            if spec.connection == SSH:
                host.bound(await self.connections.start_ssh(host))
                continue
            context = None
            if certificate is not None:
                if spec.certificate not in contexts:
                    contexts[spec.certificate] = certificate.ssl_context(self._private_dir, spec.certificate)
                    self.connections.tls_context(contexts[spec.certificate], certificates.ca.pem)
                context = contexts[spec.certificate]
            server = await asyncio.start_server(
                lambda reader, writer, host=host: self._serve(host, reader, writer),
                host=require_loopback(spec.address), port=spec.port, ssl=context, backlog=256,
                reuse_address=True, limit=64 * 1024, ssl_handshake_timeout=30 if context else None,
            )
            self._servers.append(server)
            host.bound(server.sockets[0].getsockname()[1])
        control = await asyncio.start_server(self._serve_control, host=require_loopback("127.0.0.1"), port=self.control_port)
        self._servers.append(control)
        self.control_port = control.sockets[0].getsockname()[1]
        self.control_url = f"http://127.0.0.1:{self.control_port}"

    async def stop(self) -> None:
        """Close every listener and open connection; remove the private directory (keys, the schemes' files)."""
        for server in self._servers:
            server.close()
        if self.connections is not None:
            # ssh listeners, and the KDC (ended by its PID).
            await self.connections.stop()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        for server in self._servers:
            try:
                await asyncio.wait_for(server.wait_closed(), timeout=2)
            except (asyncio.TimeoutError, RuntimeError):
                pass
        self._servers.clear()
        if self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None

    def _exception_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        # A client that rejects our certificate or drops the connection is part of the tests, not a server fault.
        if isinstance(context.get("exception"), _QUIET_ERRORS):
            return
        loop.default_exception_handler(context)

    # ---- what tests and the CLI read -------------------------------------------------------------------------

    def address_of(self, name: str) -> tuple[str, int]:
        host = self.hosts[name]
        return host.address, host.port

    def inventory_document(self) -> dict[str, object]:
        triples = [(host.spec, host.address, host.port) for host in self.hosts.values()]
        return inventory.build(triples, self.ca_file, self.connections.files() if self.connections else None)

    @property
    def client_env(self) -> dict[str, str]:
        """Environment a client process needs for this fleet (``KRB5_CONFIG`` of its Kerberos realm); the ready file's ``env``."""
        return self.connections.client_env if self.connections is not None else {}

    def hosts_document(self) -> dict[str, object]:
        return {name: {"endpoint": host.endpoint, "listening": host.spec.listening, "fault": host.spec.fault_kind}
                for name, host in self.hosts.items()}

    # ---- connections -----------------------------------------------------------------------------------------

    async def _serve(self, host: SimulatedHost, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
            task.add_done_callback(self._connections.discard)
        stats = host.stats
        stats.connections += 1
        raw_socket = writer.get_extra_info("socket")
        if raw_socket is not None:
            raw_socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = writer.get_extra_info("peername")
        client_ip = peer[0] if peer else "127.0.0.1"
        ssl_object = writer.get_extra_info("ssl_object")
        # The client certificate (certificate authentication maps it to an account), if the client sent one.
        connection = host.auth.connection(ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None)
        try:
            while True:
                try:
                    request = await read_request(reader)
                except HttpError as exc:
                    data = response_bytes(exc.status, [("Connection", "close")], reason="")
                    stats.record_request("invalid", exc.status, 0, len(data))
                    writer.write(data)
                    break
                if request is None:
                    break
                try:
                    answer = await host.handle(request, connection, client_ip)
                except Exception:  # pylint: disable=broad-exception-caught
                    # A bug in the simulator must show up in its log, and the client should see a server error.
                    LOG.exception("%s: internal error while answering a request", host.spec.name)
                    data = response_bytes(500, [], reason="")
                    stats.record_request("error", 500, request.size, len(data))
                    writer.write(data)
                    break
                data = response_bytes(answer.status, answer.headers, answer.body, reason="")
                # Count before sending: a client may read the counters as soon as it has the answer.
                stats.record_request(answer.action, answer.status, request.size, len(data))
                writer.write(data)
                await writer.drain()
                if not request.keep_alive:
                    break
        except _QUIET_ERRORS:
            pass
        except asyncio.CancelledError:
            # Shutdown: end this connection quietly (a cancelled task would be reported by asyncio's stream callback).
            pass
        finally:
            writer.close()

    async def _serve_control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await read_request(reader)
            if request is None:
                return
            if request.method == "GET" and request.path == "/stats":
                status, document = 200, self.stats.as_dict()
            elif request.method == "POST" and request.path == "/reset":
                self.stats.reset()
                status, document = 200, {"reset": True}
            elif request.method == "GET" and request.path == "/hosts":
                status, document = 200, self.hosts_document()
            else:
                status, document = 404, {"error": "try GET /stats, POST /reset or GET /hosts"}
            body = json.dumps(document).encode("utf-8")
            writer.write(response_bytes(status, [("Content-Type", "application/json"), ("Connection", "close")], body, server="winsim"))
            await writer.drain()
        except (HttpError, *_QUIET_ERRORS):
            pass
        finally:
            writer.close()


class BackgroundSimulator:
    """A :class:`FleetServer` in its own thread and event loop, for synchronous callers (pytest)."""

    def __init__(self, fleet: FleetSpec, *, state_dir: Path | None = None, control_port: int = 0) -> None:
        self.fleet = fleet
        self.server = FleetServer(fleet, state_dir=state_dir, control_port=control_port)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="winsim", daemon=True)
        self._started = threading.Event()
        self._error: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self.server.start())
        except BaseException as exc:  # pylint: disable=broad-exception-caught
            self._error = exc
            self._started.set()
            return
        self._started.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self.server.stop())
        self._loop.close()

    def start(self) -> BackgroundSimulator:
        self._thread.start()
        self._started.wait()
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    def __enter__(self) -> BackgroundSimulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ---- conveniences for tests --------------------------------------------------------------------------------

    @property
    def stats(self) -> FleetStats:
        return self.server.stats

    @property
    def ca_file(self) -> Path | None:
        return self.server.ca_file

    @property
    def control_url(self) -> str:
        return self.server.control_url

    def spec(self, name: str) -> HostSpec:
        return self.fleet.host(name)

    def endpoint(self, name: str) -> str:
        return self.server.hosts[name].endpoint

    def password(self, name: str) -> str:
        return self.fleet.host(name).password

    def write_inventory(self, path: Path) -> Path:
        inventory.write(path, self.server.inventory_document())
        return path
