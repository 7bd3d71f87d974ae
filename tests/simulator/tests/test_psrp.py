# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The psrp front door with the real pypsrp client, as ansible's psrp connection plugin drives it.

Facts: what a RunspacePool exchange with Windows looks like comes from pypsrp's recordings of
real hosts (jborean93/pypsrp ``tests/tests_pypsrp/responses``): ``test_psrp_multiple_invocations``
(Create, Receive on the pool, Command, Receive until Done with ExitCode 0, Signal, Delete),
``test_psrp_pshost_methods`` (``$host.SetShouldExit(1)`` is a void host call, ci -100, method 6,
with ``rsp:ExitCode`` 0), ``test_psrp_error_failed`` (a terminating error ends the pipeline in
state Failed with ExceptionAsErrorRecord). That ``exit N`` in a script is sent the same way as
``$host.SetShouldExit(N)`` is inferred (no recording has a bare ``exit N``).
"""

from __future__ import annotations

import json

import pytest

# A test-only dependency (requirements-dev.txt); imported, not skipped: a missing one fails the run.
from pypsrp.exceptions import WSManFaultError
from pypsrp.host import PSHost, PSHostUserInterface
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import SelectorSet, WSMan

from winsim.psrp import runspace
from winsim.windows import clixml
from winsim.windows.results import ProcessOutput

from sim_helpers import session as winrm_session

PROFILE = "minimal_digital_license_pro"


def _start(builder, start_sim, **fields):
    builder.add("ps-1", profile=PROFILE, **fields)
    return start_sim(builder)


def _wsman(sim, name="ps-1", **kwargs):
    address, port = sim.server.address_of(name)
    return WSMan(address, port=port, username=sim.spec(name).username, password=sim.password(name), ssl=False,
                 auth="basic", encryption="never", cert_validation=False, **kwargs)


def _invoke(sim, script, name="ps-1"):
    """(rc as ansible computes it, output strings, error records, pipeline) for one script in a fresh pool."""
    host = PSHost(None, None, False, "Ansible PSRP Host", None, PSHostUserInterface(), None)
    with RunspacePool(_wsman(sim, name), host=host) as pool:
        pipeline = PowerShell(pool)
        pipeline.add_script(script, use_local_scope=True)
        pipeline.invoke()
        rc = host.rc or (1 if pipeline.had_errors else 0)
        return rc, [str(item) for item in pipeline.output], list(pipeline.streams.error), pipeline


def test_collector_document_is_the_same_as_over_winrs(builder, start_sim, collector_script):
    sim = _start(builder, start_sim)
    rc, output, errors, _pipeline = _invoke(sim, collector_script)
    assert (rc, errors) == (0, [])
    assert len(output) == 1
    over_winrs = winrm_session(sim, "ps-1").run_ps(collector_script)
    assert over_winrs.std_out.decode().endswith("\r\n")
    # ansible joins output objects with \r\n and adds no trailing newline; winrm's stdout ends with one.
    assert output[0] == over_winrs.std_out.decode().rstrip("\r\n")
    assert json.loads(output[0])["schema"] == 1


def test_one_pool_per_task_costs_five_ws_management_requests(builder, start_sim, collector_script):
    sim = _start(builder, start_sim)
    sim.stats.reset()
    _invoke(sim, collector_script)
    counters = sim.stats.for_host("ps-1")
    assert dict(counters.actions) == {"Create": 1, "Receive": 2, "Command": 1, "Delete": 1}
    assert counters.commands == 1


def test_exit_n_is_a_set_should_exit_host_call(builder, start_sim):
    sim = _start(builder, start_sim)
    rc, output, errors, pipeline = _invoke(sim, "hostname\nexit 7")
    assert (rc, output, errors) == (7, ["ps-1"], [])
    assert pipeline.had_errors is False


def test_non_terminating_error_leaves_rc_zero(builder, start_sim):
    sim = _start(builder, start_sim)
    rc, output, errors, pipeline = _invoke(sim, "Write-Error 'boom'\nhostname")
    assert (rc, output) == (0, ["ps-1"])
    assert [str(error) for error in errors] == ["boom"]
    assert errors[0].message == "NotSpecified: (:) [Write-Error], WriteErrorException"
    assert pipeline.had_errors is False


def test_console_error_is_lost_and_the_output_stream_carries_the_version_message(builder, start_sim, collector_script):
    sim = _start(builder, start_sim, fault="old_powershell", fault_options={"version": "3.0"})
    rc, output, errors, _pipeline = _invoke(sim, collector_script)
    assert rc == 3
    assert errors == []
    assert output == ["licensing.windows: Windows PowerShell 5.1 is required, this host has 3.0"]


def test_wmi_error_fails_the_pipeline_with_the_error_record(builder, start_sim, collector_script):
    sim = _start(builder, start_sim, fault="wmi_error", fault_options={"hresult": "0x80041010", "message": "Invalid class"})
    rc, output, errors, pipeline = _invoke(sim, collector_script)
    assert (rc, output, pipeline.had_errors) == (1, [], True)
    assert [str(error) for error in errors] == ["Invalid class"]
    assert errors[0].command_name == "Get-CimInstance"
    assert errors[0].fq_error.startswith("HRESULT 0x80041010,")
    assert errors[0].invocation_position_message.startswith("At line:")


@pytest.mark.parametrize("fault, code", [("not_windows", 2150858770), ("shell_access_denied", 5)])
def test_faults_at_runspace_open(builder, start_sim, fault, code):
    sim = _start(builder, start_sim, fault=fault)
    with pytest.raises(WSManFaultError) as caught:
        _invoke(sim, "hostname")
    assert caught.value.code == code


def test_unknown_shell_id_is_the_invalid_selectors_fault(builder, start_sim):
    sim = _start(builder, start_sim)
    selectors = SelectorSet()
    selectors.add_option("ShellId", "00000000-0000-0000-0000-00000000ABCD")
    with pytest.raises(WSManFaultError) as caught:
        _wsman(sim).delete("http://schemas.microsoft.com/powershell/Microsoft.PowerShell", selector_set=selectors)
    assert caught.value.code == 2150858843


def test_winrs_and_psrp_share_one_listener(builder, start_sim):
    sim = _start(builder, start_sim)
    assert winrm_session(sim, "ps-1").run_ps("hostname").std_out == b"ps-1\r\n"
    assert _invoke(sim, "hostname")[1] == ["ps-1"]


def test_a_large_script_arrives_in_send_fragments(builder, start_sim):
    sim = _start(builder, start_sim)
    script = "$x = '" + "a" * 400_000 + "'\nhostname"
    rc, output, _errors, _pipeline = _invoke(sim, script)
    assert (rc, output) == (0, ["ps-1"])
    assert sim.stats.for_host("ps-1").actions["Send"] >= 1


# ---- the translation from powershell.exe's streams to a runspace's ---------------------------------------------

def test_error_views_take_the_clixml_error_view_apart():
    record = clixml.cim_error("Invalid namespace", 0x8004100E, "$o = Q 'SELECT ...'", 3, 9, 15)
    views = runspace.error_views(clixml.document([record], progress=True))
    assert len(views) == 1
    view = views[0]
    assert (view.command, view.message) == ("Get-CimInstance", "Invalid namespace")
    assert (view.category, view.activity, view.reason) == ("MetadataError", "Get-CimInstance", "CimException")
    assert view.error_id.startswith("HRESULT 0x8004100e,")
    assert (view.line_number, view.column) == (3, 9)
    assert view.position.startswith("At line:3 char:9\r\n+ $o = Q")


def test_stdout_lines_become_output_objects_and_raw_stderr_is_lost():
    result = runspace.from_process_output("x", ProcessOutput(stdout="a\r\nb\r\n", stderr="console text\r\n"))
    assert result.output == ["a", "b"]
    assert result.errors == [] and result.should_exit is None and result.failure is None
    assert result.lost_console_text == "console text\r\n"


def test_exit_code_with_exit_statement_is_should_exit_else_failure():
    record = clixml.write_error("boom", "Write-Error boom", 1, 1, 16)
    failing = ProcessOutput(stderr=clixml.document([record]), exit_code=1)
    assert runspace.from_process_output("Write-Error boom", failing).failure is not None
    exited = runspace.from_process_output("Write-Error boom; exit 1", failing)
    assert (exited.should_exit, exited.failure, len(exited.errors)) == (1, None, 1)


def test_a_slow_host_times_out_receives_until_its_output_is_ready(builder, start_sim):
    sim = _start(builder, start_sim, fault="slow", fault_options={"seconds": 2.5})
    host = PSHost(None, None, False, "Ansible PSRP Host", None, PSHostUserInterface(), None)
    with RunspacePool(_wsman(sim, operation_timeout=1, read_timeout=10), host=host) as pool:
        pipeline = PowerShell(pool)
        pipeline.add_script("hostname")
        assert [str(item) for item in pipeline.invoke()] == ["ps-1"]
    # pypsrp retries a pipeline Receive that answers w:TimedOut (not one on the pool).
    assert sim.stats.for_host("ps-1").faults["w:TimedOut"] >= 2
