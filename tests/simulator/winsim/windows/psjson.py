# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""JSON exactly as Windows PowerShell 5.1 ``ConvertTo-Json -Compress`` writes it.

PowerShell 5.1 serialises through .NET's JavaScriptSerializer, which differs
from Python's :mod:`json` in ways a parser must cope with:

* DateTime values become ``"\\/Date(<ms since 1970>)\\/"`` - the JSON text
  really contains backslash-slash;
* ``'``, ``<``, ``>`` and ``&`` are written as ``\\u0027``, ``\\u003c``,
  ``\\u003e`` and ``\\u0026``; other non-ASCII text is left as it is;
* ``-Compress`` leaves no whitespace at all.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)

#: ms value of the CIM "null" date, 1601-01-01T00:00:00Z (the FILETIME epoch).
FILETIME_EPOCH_MS = -11644473600000

_ESCAPES = {
    '"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
    "'": "\\u0027", "<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
}


class PsDateTime:
    """A CIM DateTime value, kept as milliseconds since 1970-01-01 UTC."""

    __slots__ = ("milliseconds",)

    def __init__(self, milliseconds: int) -> None:
        self.milliseconds = int(milliseconds)

    @classmethod
    def null(cls) -> PsDateTime:
        """The value WMI returns for "no date": 1601-01-01."""
        return cls(FILETIME_EPOCH_MS)

    @classmethod
    def from_value(cls, value: object) -> PsDateTime:
        """Build from an ISO-8601 string, a :class:`datetime.datetime`/`date`, or None (the 1601 sentinel).

        Raises ValueError for anything else.
        """
        if value is None:
            return cls.null()
        if isinstance(value, PsDateTime):
            return value
        if isinstance(value, _dt.datetime):
            moment = value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)
        elif isinstance(value, _dt.date):
            moment = _dt.datetime(value.year, value.month, value.day, tzinfo=_dt.timezone.utc)
        elif isinstance(value, str):
            text = value.strip()
            if text.endswith(("Z", "z")):
                text = text[:-1] + "+00:00"
            moment = _dt.datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=_dt.timezone.utc)
        else:
            raise ValueError(f"expected an ISO-8601 date string or null, got {value!r}")
        delta = moment - _EPOCH
        return cls((delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PsDateTime) and other.milliseconds == self.milliseconds

    def __hash__(self) -> int:
        return hash(self.milliseconds)

    def __repr__(self) -> str:
        return f"PsDateTime({self.milliseconds})"


def _string(text: str) -> str:
    out = ['"']
    for char in text:
        escaped = _ESCAPES.get(char)
        if escaped is not None:
            out.append(escaped)
        elif ord(char) < 0x20:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def dumps(value: object) -> str:
    """Serialise ``value`` like ``ConvertTo-Json -Compress`` in Windows PowerShell 5.1."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value != int(value) else str(int(value))
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, PsDateTime):
        return f'"\\/Date({value.milliseconds})\\/"'
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_string(str(key))}:{dumps(item)}" for key, item in value.items()) + "}"
    if isinstance(value, Sequence):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    raise TypeError(f"cannot serialise {type(value).__name__} the way PowerShell does")
