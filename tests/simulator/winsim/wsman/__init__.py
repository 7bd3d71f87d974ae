# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""WS-Management and WinRS: the SOAP protocol a WinRM client speaks once it is authenticated.

:mod:`~winsim.wsman.wsman` parses request envelopes and builds responses and SOAP faults
as Windows does; :mod:`~winsim.wsman.winrs` is the remote shell service (Create, Command,
Send, Receive, Signal, Delete, quotas and timeouts), which hands each command line to the
Windows emulation (:mod:`winsim.windows.commands`) and streams back what it printed.
"""
