# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Making host-supplied text safe to put in a report, whatever the format.

Every string in a report may come from a host (host names, CIM strings, error
messages) and so may be hostile or huge. The report model passes each one through
``clean_text`` once; the renderers then only have to escape for their own syntax.
The limits below are documented in docs/policy-and-reports.md.
"""

from __future__ import annotations

import re

from ansible_collections.licensing.windows.plugins.plugin_utils._masking import mask_product_keys

TRUNCATION_MARKER = "…[truncated]"

# Longest accepted value of each kind of field, marker included. A DNS name has at most
# 253 characters; the others are far above anything a healthy host produces.
HOST_MAX_CHARS = 255
SUMMARY_MAX_CHARS = 500
REMEDIATION_STEP_MAX_CHARS = 1000
REMEDIATION_MAX_STEPS = 25
ERROR_CODE_MAX_CHARS = 64
ERROR_MESSAGE_MAX_CHARS = 2000
FACT_MAX_CHARS = 256
LABEL_MAX_CHARS = 100

# C0 and C1 controls, DEL, and the Unicode line/paragraph separators that break lines in
# JavaScript, CSV readers and terminals.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Bidirectional overrides and isolates reorder the text a reader sees ("Trojan Source"),
# so a host name could be made to look like another one.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, the cut made visible by the marker."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(TRUNCATION_MARKER), 0)] + TRUNCATION_MARKER


def clean_text(value, limit: int) -> str:
    """One safe line of text: no control characters, no lone surrogates, no product keys, at most ``limit`` characters.

    Control characters (newlines included) become spaces, bidirectional overrides and
    lone surrogates (which no UTF-8 file can hold) become U+FFFD, anything shaped like
    a full product key is masked to its last five characters.
    """
    text = str(value)
    # Cut a huge value before the regular expressions see it; the margin keeps a full
    # product key that straddles the limit whole, so that it is still masked.
    cap = limit + 64
    oversized = len(text) > cap
    if oversized:
        text = text[:cap]
    text = _SURROGATE.sub("\ufffd", text)
    text = _BIDI.sub("\ufffd", text)
    text = _CONTROL.sub(" ", text)
    text = mask_product_keys(text).strip()
    if oversized:
        return text[: max(limit - len(TRUNCATION_MARKER), 0)] + TRUNCATION_MARKER
    return truncate(text, limit)
