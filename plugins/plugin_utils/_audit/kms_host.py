# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""KMS host names as a policy writes them and as a host reports them: parsed, compared, shown.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

A KMS host is ``name``, ``name:port``, ``[ipv6]:port`` or a bare IPv6 address; names are
compared without regard to case or a trailing dot, and the port defaults to 1688.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import KMS_DEFAULT_PORT

_HOST_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST_NAME = re.compile(rf"{_HOST_LABEL}(?:\.{_HOST_LABEL})*")


def split_host_port(text: str) -> tuple[str, int | None] | None:
    """Split ``name``, ``name:port``, ``[ipv6]:port`` or a bare IPv6 address; port None when absent."""
    text = text.strip()
    port = None
    if text.startswith("["):
        match = re.fullmatch(r"\[([^\]]+)\](?::(\d{1,5}))?", text)
        if not match:
            return None
        host, port_text = match.group(1), match.group(2)
        if port_text is not None:
            port = int(port_text)
        try:
            host = str(ipaddress.IPv6Address(host))
        except ValueError:
            return None
    elif text.count(":") > 1:
        try:
            host = str(ipaddress.IPv6Address(text))
        except ValueError:
            return None
    else:
        host, sep, port_text = text.partition(":")
        if sep:
            if not port_text.isdigit() or len(port_text) > 5:
                return None
            port = int(port_text)
        host = host.lower().rstrip(".")
        if not host or len(host) > 253 or not _HOST_NAME.fullmatch(host):
            return None
    if port is not None and not 1 <= port <= 65535:
        return None
    return host, port


def parse_kms_host(text: str) -> tuple[str, int] | None:
    """Split a KMS host into (host, port): host names lower-cased, the port 1688 when absent; None when not a host."""
    parsed = split_host_port(text)
    if parsed is None:
        return None
    host, port = parsed
    return host, port or KMS_DEFAULT_PORT


def format_kms_host(host: str, port: int) -> str:
    """The canonical ``host:port`` form (IPv6 addresses in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
