# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Windows emulation: what a command line does on a simulated host.

cmd.exe and PowerShell command-line rules (:mod:`~winsim.windows.commands`), a small
PowerShell statement interpreter (:mod:`~winsim.windows.powershell`, :mod:`~winsim.windows.pslex`),
PowerShell's output formats (CLIXML stderr in :mod:`~winsim.windows.clixml`, Windows
PowerShell 5.1 JSON in :mod:`~winsim.windows.psjson`), and the host's CIM repository: the
licensing classes' schema (:mod:`~winsim.windows.cim_schema`), their instances
(:mod:`~winsim.windows.cim`) and WQL (:mod:`~winsim.windows.wql`). Which program answers a
script is not decided here: personalities register handlers in
:mod:`~winsim.windows.handlers`, and the dispatch asks that registry.
"""
