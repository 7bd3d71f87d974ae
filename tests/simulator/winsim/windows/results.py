# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""What a simulated process produces, and what it can see of its host."""

from __future__ import annotations

from dataclasses import dataclass

from winsim.fleet import faults
from winsim.fleet.faults import Fault
from winsim.windows.cim import HostCim

#: Windows PowerShell 5.1 as shipped with Windows 11 23H2 / Server 2022 updates.
POWERSHELL_VERSION = "5.1.22621.4391"


@dataclass
class ProcessOutput:
    """Text a process wrote and its exit code (text is encoded with the shell's code page later)."""

    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0


@dataclass
class HostContext:
    """The host a command runs on."""

    name: str
    username: str
    cim: HostCim
    fault: Fault | None = None

    def has_fault(self, kind: str) -> bool:
        return self.fault is not None and self.fault.kind == kind

    @property
    def powershell_version(self) -> str:
        if self.fault is not None and self.fault.kind == faults.OLD_POWERSHELL:
            return str(self.fault.option("version"))
        return POWERSHELL_VERSION
