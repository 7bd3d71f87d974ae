# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The PowerShell Remoting Protocol (PSRP) front door: what ansible's ``psrp`` connection plugin talks to.

The WS-Management verbs (Create, Receive, Command, Send, Signal, Delete) on the resource URI
``http://schemas.microsoft.com/powershell/Microsoft.PowerShell`` are this package's own
(:mod:`~winsim.psrp.service`); the PSRP message layer inside them (runspace pool, pipelines,
output objects, error records, host calls) is psrpcore's server side. What a script does is
decided by the same host model as over WinRS (:mod:`winsim.windows`, the handler registry,
the collector personality); :mod:`~winsim.psrp.runspace` turns what ``powershell.exe`` would
have printed into what a remote runspace sends instead (output objects, error records,
``SetShouldExit``). See README.md "psrp" for which behaviours a recording of real Windows
confirms and which are inferred.
"""
