# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""What a simulated process produces, and what it can see of its host and its shell.

:class:`ProcessEnv` is what a process inherits from its WinRS shell: the environment block
(the host's, a user profile's or the default profile's, plus the shell's ``rsp:Environment``)
and the working directory (the shell's ``rsp:WorkingDirectory``, else the profile directory).
The base block follows a Windows Server 2016 WinRS shell (pypsrp's recordings
``test_winrs_environment`` and, without a profile, ``test_winrs_noprofile``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
class ProcessEnv:
    """Environment variables and working directory of a process (cmd.exe compares names case-insensitively)."""

    variables: dict[str, str] = field(default_factory=dict)
    working_directory: str = "C:\\Windows\\system32"

    def get(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.variables.items() if key.lower() == lowered), None)

    def set(self, name: str, value: str | None) -> None:
        for key in [key for key in self.variables if key.lower() == name.lower()]:
            del self.variables[key]
        if value is not None:
            self.variables[name] = value

    def copy(self) -> ProcessEnv:
        return ProcessEnv(dict(self.variables), self.working_directory)


def base_environment(computer_name: str, user: str, *, profile: bool = True) -> dict[str, str]:
    """The environment block WinRS gives a process of ``user`` (without the profile: the Default profile's)."""
    home = f"C:\\Users\\{user}" if profile else "C:\\Users\\Default"
    temp = f"{home}\\AppData\\Local\\Temp" if profile else "C:\\Windows\\TEMP"
    computer = computer_name.upper()[:15]
    variables = {
        "ALLUSERSPROFILE": "C:\\ProgramData",
        "CommonProgramFiles": "C:\\Program Files\\Common Files",
        "CommonProgramFiles(x86)": "C:\\Program Files (x86)\\Common Files",
        "CommonProgramW6432": "C:\\Program Files\\Common Files",
        "COMPUTERNAME": computer,
        "ComSpec": "C:\\Windows\\system32\\cmd.exe",
        "NUMBER_OF_PROCESSORS": "2",
        "OS": "Windows_NT",
        "Path": "C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\Wbem;C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\",
        "PATHEXT": ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC",
        "PROCESSOR_ARCHITECTURE": "AMD64",
        "ProgramData": "C:\\ProgramData",
        "ProgramFiles": "C:\\Program Files",
        "ProgramFiles(x86)": "C:\\Program Files (x86)",
        "ProgramW6432": "C:\\Program Files",
        "PSModulePath": "%ProgramFiles%\\WindowsPowerShell\\Modules;C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules",
        "PUBLIC": "C:\\Users\\Public",
        "SystemDrive": "C:",
        "SystemRoot": "C:\\Windows",
        "TEMP": temp,
        "TMP": temp,
        "USERDOMAIN": computer,
        "USERNAME": user,
        "USERPROFILE": home,
        "windir": "C:\\Windows",
    }
    if profile:
        variables["APPDATA"] = f"{home}\\AppData\\Roaming"
        variables["LOCALAPPDATA"] = f"{home}\\AppData\\Local"
    return variables


@dataclass
class HostContext:
    """The host a command runs on."""

    name: str
    username: str
    cim: HostCim
    fault: Fault | None = None
    #: files written by commands (``echo x > C:\\f.txt``), by lower-cased absolute path; the host's disk, shared by its shells
    files: dict[str, str] = field(default_factory=dict)

    def has_fault(self, kind: str) -> bool:
        return self.fault is not None and self.fault.kind == kind

    def process_env(self, user: str | None = None, *, profile: bool = True) -> ProcessEnv:
        """A fresh process environment for ``user`` (default: the host's account), in the profile directory."""
        name = user or self.username
        variables = base_environment(self.name, name, profile=profile)
        return ProcessEnv(variables, variables["USERPROFILE"])

    @property
    def powershell_version(self) -> str:
        if self.fault is not None and self.fault.kind == faults.OLD_POWERSHELL:
            return str(self.fault.option("version"))
        return POWERSHELL_VERSION
