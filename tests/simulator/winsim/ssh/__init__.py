# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The OpenSSH front door: a simulated host as Windows' OpenSSH server (sshd) shows it to ansible's ``ssh`` plugin.

:mod:`~winsim.ssh.server` runs on asyncssh (test-only dependency) in the fleet's event loop,
with an ed25519 host key generated at start and a ``known_hosts`` line for it, so clients keep
strict host key checking on.
"""
