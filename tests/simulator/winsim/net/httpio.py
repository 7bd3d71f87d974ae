# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""A small HTTP/1.1 reader and writer for asyncio streams.

Each response is built as one byte string (status line, headers and body
together) so that it leaves in one ``send()``: writing headers and body
separately makes Linux loopback wait for a delayed ACK (the 40 ms Nagle stall)
on every request.
"""

from __future__ import annotations

import asyncio
import email.utils
from dataclasses import dataclass, field

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
            411: "Length Required", 413: "Payload Too Large", 431: "Request Header Fields Too Large",
            500: "Internal Server Error"}


class HttpError(Exception):
    """A request that cannot be read; answered with ``status`` and the connection closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class HttpRequest:
    method: str
    target: str
    version: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    size: int = 0

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def keep_alive(self) -> bool:
        connection = (self.header("connection") or "").lower()
        if self.version == "HTTP/1.0":
            return connection == "keep-alive"
        return connection != "close"


async def _read_chunked(reader: asyncio.StreamReader) -> tuple[bytes, int]:
    body = bytearray()
    raw = 0
    while True:
        line = await reader.readuntil(b"\r\n")
        raw += len(line)
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise HttpError(400, "bad chunk size") from None
        if size == 0:
            trailer = await reader.readuntil(b"\r\n")
            raw += len(trailer)
            while trailer != b"\r\n":
                trailer = await reader.readuntil(b"\r\n")
                raw += len(trailer)
            return bytes(body), raw
        if len(body) + size > MAX_BODY_BYTES:
            raise HttpError(413, "body too large")
        chunk = await reader.readexactly(size + 2)
        raw += len(chunk)
        body += chunk[:-2]


async def read_request(reader: asyncio.StreamReader) -> HttpRequest | None:
    """The next request on the connection, or None when the client closed it between requests."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial.strip():
            return None
        raise HttpError(400, "connection closed inside the request head") from None
    except asyncio.LimitOverrunError:
        raise HttpError(431, "request head too large") from None
    lines = head.decode("iso-8859-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise HttpError(400, f"bad request line {lines[0][:80]!r}")
    request = HttpRequest(parts[0].upper(), parts[1], parts[2])
    for line in lines[1:]:
        if not line:
            continue
        name, separator, value = line.partition(":")
        if not separator:
            raise HttpError(400, f"bad header line {line[:80]!r}")
        request.headers[name.strip().lower()] = value.strip()
    size = len(head)
    if "chunked" in (request.header("transfer-encoding") or "").lower():
        request.body, body_size = await _read_chunked(reader)
        size += body_size
    else:
        try:
            length = int(request.header("content-length") or "0")
        except ValueError:
            raise HttpError(400, "bad Content-Length") from None
        if length > MAX_BODY_BYTES or length < 0:
            raise HttpError(413, "body too large")
        request.body = await reader.readexactly(length) if length else b""
        size += length
    request.size = size
    return request


def response_bytes(status: int, headers: list[tuple[str, str]], body: bytes = b"", *, reason: str | None = None,
                   server: str | None = "Microsoft-HTTPAPI/2.0") -> bytes:
    """One complete response. ``reason`` None: the standard phrase; WinRM (HTTP.sys) sends an empty one."""
    phrase = _REASONS.get(status, "") if reason is None else reason
    lines = [f"HTTP/1.1 {status} {phrase}"]
    lines += [f"{name}: {value}" for name, value in headers]
    if server:
        lines.append(f"Server: {server}")
    lines.append(f"Date: {email.utils.formatdate(usegmt=True)}")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("iso-8859-1") + body
