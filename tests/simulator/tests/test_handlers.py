# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The handler registry: personalities register programs, the command dispatch asks the registry, --handlers loads more."""

from __future__ import annotations

import base64
import sys
import textwrap

import pytest
import winrm
import yaml

from winsim import ConfigError, FleetBuilder
from winsim.fleet.host import SimulatedHost
from winsim.fleet.stats import HostStats
from winsim.launch import serve_fleet
from winsim.personalities import collector
from winsim.windows import commands, handlers
from winsim.windows.results import ProcessOutput

from sim_helpers import FIXTURE_PROFILES, REPO_ROOT

HANDLER_SOURCE = textwrap.dedent('''
    """A test handler: answers the script `Get-Thing`."""
    from winsim.windows import handlers
    from winsim.windows.results import ProcessOutput

    def match(request):
        return request.script.strip() if request.script.strip() == "Get-Thing" else None

    def run(request, ctx, matched):
        return ProcessOutput(stdout=f"{matched} on {ctx.name}\\r\\n")

    handlers.register("test get-thing", match, run)
''')


@pytest.fixture(autouse=True)
def registry_restored():
    """Handlers registered by a test do not outlive it (the registry is per process), nor do the modules it loaded."""
    before = {handler.name for handler in handlers.registered()}
    modules = set(sys.modules)
    yield
    for handler in handlers.registered():
        if handler.name not in before:
            handlers.unregister(handler.name)
    for name in set(sys.modules) - modules:
        if name.startswith(("_winsim_handlers_", "winsim_test_")):
            del sys.modules[name]


@pytest.fixture
def host() -> SimulatedHost:
    spec = FleetBuilder(profiles_dir=FIXTURE_PROFILES, listen="ephemeral").add("win-h", profile="minimal_digital_license_pro").build()
    return SimulatedHost(spec.hosts[0], HostStats())


def powershell(script: str, host: SimulatedHost, stdin: str = "") -> ProcessOutput:
    encoded = base64.b64encode(script.encode("utf-16-le")).decode()
    return commands.run(commands.parse("PowerShell", ["-NoProfile", "-EncodedCommand", encoded]), host.context, stdin=stdin)


def test_the_collector_registers_itself() -> None:
    names = [handler.name for handler in handlers.registered()]
    assert names[0] == collector.HANDLER_NAME
    found = handlers.find(handlers.ScriptRequest("", f"Set-StrictMode -Version 2\n{collector.MARKER}\n$x = 1", ""))
    assert found is not None and found[0].name == collector.HANDLER_NAME
    assert handlers.find(handlers.ScriptRequest("", "hostname", "")) is None


def test_the_dispatch_asks_the_registry(host) -> None:
    assert "is not recognized as the name of a cmdlet" in powershell("Get-Thing", host).stderr
    handlers.register("test get-thing", lambda request: "Get-Thing" if request.script == "Get-Thing" else None,
                      lambda request, ctx, matched: ProcessOutput(stdout=f"{matched} on {ctx.name}\r\n"))
    assert powershell("Get-Thing", host).stdout == "Get-Thing on win-h\r\n"
    assert powershell("hostname", host).stdout == "win-h\r\n"  # not claimed: the interpreter
    # cmd.exe command lines and hosts that are not Windows never reach a handler.
    assert commands.run(commands.parse("Get-Thing", []), host.context).exit_code == 1
    handlers.unregister("test get-thing")
    assert powershell("Get-Thing", host).exit_code == 1


def test_register_again_replaces_in_place() -> None:
    first = handlers.register("test a", lambda request: None, lambda request, ctx, matched: ProcessOutput())
    handlers.register("test b", lambda request: None, lambda request, ctx, matched: ProcessOutput())
    second = handlers.register("test a", lambda request: None, lambda request, ctx, matched: ProcessOutput())
    names = [handler.name for handler in handlers.registered()]
    assert names.count("test a") == 1 and names.index("test a") < names.index("test b")
    assert second in handlers.registered() and first not in handlers.registered()


def test_load_by_path_once(tmp_path, host) -> None:
    path = tmp_path / "thing_handler.py"
    path.write_text(HANDLER_SOURCE, encoding="utf-8")
    module = handlers.load(path)
    assert handlers.load(str(path)) is module
    assert [handler.name for handler in handlers.registered()].count("test get-thing") == 1
    assert powershell("Get-Thing", host).stdout == "Get-Thing on win-h\r\n"


def test_load_by_module_name(tmp_path, monkeypatch, host) -> None:
    (tmp_path / "winsim_test_thing_handler.py").write_text(HANDLER_SOURCE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    handlers.load("winsim_test_thing_handler")
    assert powershell("Get-Thing", host).stdout == "Get-Thing on win-h\r\n"


@pytest.mark.parametrize(("source", "message"), [
    (None, "no such file"),
    ("x = 1\n", "registered no handler"),
    ("raise RuntimeError('boom')\n", "importing it failed: RuntimeError: boom"),
])
def test_load_refuses_what_is_not_a_handler_module(tmp_path, source, message) -> None:
    path = tmp_path / "not_a_handler.py"
    if source is not None:
        path.write_text(source, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        handlers.load(path)
    with pytest.raises(ConfigError, match="no such module"):
        handlers.load("winsim_no_such_handler_module")


def test_the_peer_module_registers_when_loaded() -> None:
    handlers.load(REPO_ROOT / "benchmarks" / "winsim_handlers" / "peer_module.py")
    assert any(handler.name.startswith("ansible.windows.win_product_facts") for handler in handlers.registered())


def test_serve_handlers_option(tmp_path) -> None:
    handler = tmp_path / "thing_handler.py"
    handler.write_text(HANDLER_SOURCE, encoding="utf-8")
    fleet = tmp_path / "fleet.yml"
    fleet.write_text(yaml.safe_dump({"defaults": {"listen": "ephemeral"},
                                     "hosts": [{"name": "win-h", "profile": "minimal_digital_license_pro"}]}))
    with serve_fleet(fleet, tmp_path / "state", extra_args=["--profiles-dir", str(FIXTURE_PROFILES), "--handlers", str(handler)]) as served:
        host = yaml.safe_load(served.inventory.read_text())["all"]["children"]["windows"]["hosts"]["win-h"]
        session = winrm.Session(f"http://{host['ansible_host']}:{host['ansible_port']}/wsman",
                                auth=(host["ansible_user"], host["ansible_password"]), transport="basic")
        assert session.run_ps("Get-Thing").std_out == b"Get-Thing on win-h\r\n"


def test_serve_refuses_a_missing_handler_module(tmp_path) -> None:
    fleet = tmp_path / "fleet.yml"
    fleet.write_text(yaml.safe_dump({"hosts": [{"name": "win-h", "profile": "minimal_digital_license_pro"}]}))
    with pytest.raises(RuntimeError, match="--handlers .*missing.py: no such file"):
        with serve_fleet(fleet, tmp_path / "state", extra_args=["--handlers", str(tmp_path / "missing.py")]):
            pass
