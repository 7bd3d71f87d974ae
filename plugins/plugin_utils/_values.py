# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading numbers, HRESULTs and flags whatever form they arrive in, and minutes as days.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

The same value reaches the collection in several forms: CIM sends an HRESULT as a uint32,
.NET as a signed int32 and the collector as "0x..." text; a number may have gone through
YAML, JSON or Jinja2 on its way. These functions accept every form the collection has seen
and return None for anything else; the validators decide whether None is an error.
"""

from __future__ import annotations

import re

from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import MINUTES_PER_DAY

UINT32_MAX = 0xFFFFFFFF

_HEX = re.compile(r"0[xX][0-9A-Fa-f]{1,16}")
_DECIMAL = re.compile(r"-?\d{1,20}")


def integer(value) -> int | None:
    """An integer or an integral float as int; None for anything else (booleans included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def uint32(value) -> int | None:
    """An unsigned 32-bit integer, also written as a string of digits; None for anything else."""
    number = integer(value)
    if number is None and isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    return number if number is not None and 0 <= number <= UINT32_MAX else None


def hresult(value) -> int | None:
    """An HRESULT as its unsigned 32-bit value, from a uint32, a signed int32 or "0x..." text; None otherwise.

    Negative int32 and sign-extended 64-bit forms (0xFFFFFFFF80041003) keep their low 32 bits.
    """
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if _HEX.fullmatch(text):
            number = int(text, 16)
        elif _DECIMAL.fullmatch(text):
            number = int(text)
    if number is None or not -(1 << 31) <= number <= 0xFFFFFFFFFFFFFFFF:
        return None
    return number & UINT32_MAX


def hresult_text(number: int | None) -> str | None:
    """An HRESULT the way facts and reports write it: ``0x`` and eight upper-case hex digits."""
    return None if number is None else f"0x{number:08X}"


def flag(value) -> bool | None:
    """A JSON or CIM boolean: true/false, the strings "true"/"false", or 0/1; None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    return None


def whole_days(minutes: int) -> int:
    """Full days left in ``minutes`` (rounded down: 13.9 days left is 13 full days), for thresholds."""
    return max(minutes, 0) // MINUTES_PER_DAY


def days_as_slmgr_shows(minutes: int) -> int:
    """``minutes`` as slmgr /dli shows them in days (its GetDaysFromMins rounds up), for evidence sentences."""
    return (minutes + MINUTES_PER_DAY - 1) // MINUTES_PER_DAY
