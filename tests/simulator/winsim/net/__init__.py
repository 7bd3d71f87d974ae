# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Network and authentication, the bottom layer: what a WinRM listener does before any WS-Management.

HTTP/1.1 framing as HTTP.sys answers it (:mod:`~winsim.net.httpio`), Basic and NTLM
authentication with WinRM's message encryption and channel binding (:mod:`~winsim.net.auth`),
the throw-away CA and host certificates of HTTPS listeners (:mod:`~winsim.net.certs`) and
the rule that nothing binds outside 127.0.0.0/8 or ::1 (:mod:`~winsim.net.loopback`); the
schemes Kerberos (:mod:`~winsim.net.negotiate`, with the throw-away MIT realm of
:mod:`~winsim.net.kerberos`), CredSSP (:mod:`~winsim.net.credssp`) and client certificates
(:mod:`~winsim.net.clientcert`).
These modules import nothing else of winsim.
"""

# The authentication schemes beyond Basic and Negotiate/NTLM register themselves in auth's registry when
# imported; importing them here makes them known before any fleet file is parsed.
from winsim.net import clientcert, credssp, negotiate  # noqa: E402,F401  pylint: disable=wrong-import-position
