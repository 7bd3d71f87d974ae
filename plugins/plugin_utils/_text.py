# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Text from hosts made safe to keep, show and write: one marker, one cleaner, the field limits.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

Every string the collection keeps may come from a host (CIM strings, host names, error
messages), so it may be hostile or huge. The collector document's values are cleaned
once when the document is read (``HOST_TEXT`` and ``HOST_IDENTIFIER``), and every report
field once more when the report model is built (``REPORT_TEXT``); the renderers then only
escape for their own syntax. The limits are documented in docs/policy-and-reports.md.
"""

from __future__ import annotations

import re

from ansible_collections.licensing.windows.plugins.plugin_utils._masking import mask_product_keys

# The end of every value that was cut, in facts, verdicts and reports alike.
TRUNCATION_MARKER = "…[truncated]"

# Longest accepted value of each kind of field, marker included. A DNS name has at most
# 253 characters; the others are far above anything a healthy host produces.
HOST_STRING_MAX_CHARS = 512  # any string of the collector document
HOST_MAX_CHARS = 255
SUMMARY_MAX_CHARS = 500
REMEDIATION_STEP_MAX_CHARS = 1000
REMEDIATION_MAX_STEPS = 25
ERROR_CODE_MAX_CHARS = 64
ERROR_MESSAGE_MAX_CHARS = 2000
FACT_MAX_CHARS = 256
LABEL_MAX_CHARS = 100
SHOWN_VALUE_MAX_CHARS = 80  # a bad value quoted in an error message

# --- character sets --------------------------------------------------------------------

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators: they break lines
# in logs, JavaScript, CSV readers and terminals.
CONTROL_CHARACTERS = "\x00-\x1f\x7f-\x9f\u2028\u2029"
# Zero-width characters, directional marks, invisible operators and the byte order mark:
# invisible, so a value could look like another one.
INVISIBLE_CHARACTERS = "\u200b-\u200f\u2060-\u2065\ufeff"
# Bidirectional embeddings, overrides and isolates reorder the text a reader sees
# ("Trojan Source"), so a host name could be made to look like another one.
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
# Lone surrogates, which no UTF-8 file can hold.
SURROGATES = "\ud800-\udfff"

_HIDDEN = re.compile(f"[{CONTROL_CHARACTERS}{INVISIBLE_CHARACTERS}{BIDI_CONTROLS}]")
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")
_UNSHOWABLE = re.compile(f"[{SURROGATES}{BIDI_CONTROLS}]")
_SPACES = re.compile(r"\s{2,}")

# --- styles of cleaning ----------------------------------------------------------------

# Free text read from a host (names, descriptions, messages): every hidden character
# becomes a space and runs of white space become one.
HOST_TEXT = "host_text"
# An identifier read from a host (IDs, key parts, host names): hidden characters are
# removed, so that the identifier still compares equal to its clean form.
HOST_IDENTIFIER = "host_identifier"
# A report field: what the document cleaning let through is kept, but a value that did not
# come through it (an inventory name, a hand-made verdict) cannot reorder the page: bidi
# controls and lone surrogates show as U+FFFD and controls become spaces.
REPORT_TEXT = "report_text"

_STYLES = (HOST_TEXT, HOST_IDENTIFIER, REPORT_TEXT)

# A value this much over its limit is cut before the expressions run, so a huge value costs
# nothing; the margin keeps a full product key that straddles the limit whole, so that it
# is still masked.
_PRE_CUT_MARGIN = 64


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, the cut made visible by the marker."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(TRUNCATION_MARKER), 0)] + TRUNCATION_MARKER


def one_line(text, limit: int = SUMMARY_MAX_CHARS) -> str:
    """``text`` on one line (runs of white space, newlines included, become one space), cut at ``limit``."""
    return truncate(" ".join(str(text).split()), limit)


def clean_text(value, limit: int, style: str = REPORT_TEXT) -> str:
    """One safe line of ``value``: hidden characters handled by ``style``, product keys masked, at most ``limit`` characters."""
    if style not in _STYLES:
        raise ValueError(f"style: expected one of {', '.join(_STYLES)}, got {style!r}")
    text = str(value)
    oversized = len(text) > limit + _PRE_CUT_MARGIN
    if oversized:
        text = text[: limit + _PRE_CUT_MARGIN]
    if style == HOST_TEXT:
        text = _SPACES.sub(" ", _HIDDEN.sub(" ", text))
    elif style == HOST_IDENTIFIER:
        text = _HIDDEN.sub("", text)
    else:
        text = _CONTROL.sub(" ", _UNSHOWABLE.sub("\ufffd", text))
    text = mask_product_keys(text).strip()
    if oversized:
        return text[: max(limit - len(TRUNCATION_MARKER), 0)] + TRUNCATION_MARKER
    return truncate(text, limit)


def strip_hidden(text: str) -> str:
    """``text`` without hidden characters (for values compared or cut before they are cleaned)."""
    return _HIDDEN.sub("", text).strip()
