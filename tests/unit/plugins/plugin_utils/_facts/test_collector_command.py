# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collector command as sent, and how a failed run is explained."""

from __future__ import annotations

import base64
import re

import pytest

from ansible_collections.licensing.windows.plugins.plugin_utils._facts.command import (
    CollectorRun,
    build_collector_command,
    collector_script,
    interpret_failed_run,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._text import TRUNCATION_MARKER
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import (
    COLLECTOR_MARKER,
    WINDOWS_COMMAND_LINE_LIMIT,
)


def decoded_script() -> str:
    command = build_collector_command()
    return base64.b64decode(command.rsplit(" ", 1)[1]).decode("utf-16-le")


def test_command_is_the_encoded_collector_under_the_windows_limit():
    command = build_collector_command()
    assert command.startswith("PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand ")
    assert len(command) <= WINDOWS_COMMAND_LINE_LIMIT
    assert decoded_script() == collector_script()


def test_marker_is_kept_and_other_comments_are_dropped():
    lines = decoded_script().splitlines()
    assert lines[0] == COLLECTOR_MARKER
    assert not [line for line in lines[1:] if line.startswith("#")]
    assert all(line == line.strip() and line for line in lines)


def test_script_queries_each_class_once_with_explicit_properties_and_a_server_side_filter():
    script = decoded_script()
    queries = re.findall(r"SELECT ([^']+?) FROM (\w+)(?: WHERE ([^\"]+))?['\"]", script)
    classes = [query[1] for query in queries]
    assert sorted(classes) == ["SoftwareLicensingProduct", "SoftwareLicensingService", "Win32_OperatingSystem"]
    assert all("*" not in query[0] for query in queries)
    product_filter = dict((query[1], query[2]) for query in queries)["SoftwareLicensingProduct"]
    assert product_filter == "ApplicationID='55c92734-d682-4d71-983e-d6ec3f16059f' AND PartialProductKey IS NOT NULL"
    assert "$ProgressPreference = 'SilentlyContinue'" in script
    # The full firmware key is cut on the host and never printed.
    assert "OA3xOriginalProductKeyPartial" in script and "Substring($k.Length - 5)" in script


@pytest.mark.parametrize(
    "run, code, fragment",
    [
        (CollectorRun(3, "", "licensing.windows: Windows PowerShell 5.1 is required, this host has 2.0"), "powershell_too_old", "Management Framework 5.1"),
        (CollectorRun(127, "", "sh: 1: PowerShell: not found"), "not_powershell", "Windows host"),
        (CollectorRun(1, "", "'PowerShell' is not recognized as an internal or external command,"), "not_powershell", "powershell.exe"),
        (CollectorRun(1, "", "The command line is too long."), "command_failed", "refused the collector"),
        (CollectorRun(1, "", "Get-CimInstance : Invalid namespace\r\n HRESULT 0x8004100e"), "wmi_error", "0x8004100E"),
        (CollectorRun(1, "", "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">"
                      "<S S=\"Error\">Get-CimInstance : Invalid class _x000D__x000A_</S>"
                      "<S S=\"Error\">HRESULT 0x80041010_x000D__x000A_</S></Objs>"), "wmi_error", "Invalid class \nHRESULT 0x80041010"),
        (CollectorRun(5, "", ""), "command_failed", "no error text"),
    ],
)
def test_failed_runs_get_a_stable_code_and_a_message_that_says_what_to_do(run, code, fragment):
    got_code, message = interpret_failed_run(run)
    assert got_code == code
    assert fragment in message


def test_long_stderr_is_cut_with_a_marker():
    _code, message = interpret_failed_run(CollectorRun(1, "", "x" * 10000))
    assert message.endswith(TRUNCATION_MARKER)
    assert len(message) < 2300
