# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Network and authentication, the bottom layer: what a WinRM listener does before any WS-Management.

HTTP/1.1 framing as HTTP.sys answers it (:mod:`~winsim.net.httpio`), Basic and NTLM
authentication with WinRM's message encryption and channel binding (:mod:`~winsim.net.auth`),
the throw-away CA and host certificates of HTTPS listeners (:mod:`~winsim.net.certs`) and
the rule that nothing binds outside 127.0.0.0/8 or ::1 (:mod:`~winsim.net.loopback`).
These modules import nothing else of winsim.
"""
