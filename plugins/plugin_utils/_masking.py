# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Masking of Windows product keys in any text that leaves the collection.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

A full 25-character product key is a secret (Ansible's own maintainers pulled it out
of default facts for that reason). The collector already cuts the firmware key on the
host; this is the second line of defence for everything else a host can echo back:
error text, CIM strings, report fields.
"""

from __future__ import annotations

import re

# Five groups of five letters/digits, dashed (the printed form) or run together (the
# form some tools and registry decoders print). Case-insensitive on purpose: a
# lower-cased key is still a key.
_KEY_PATTERN = re.compile(
    r"(?<![A-Za-z0-9])"
    r"(?:[A-Za-z0-9]{5}-){4}([A-Za-z0-9]{5})"
    r"|(?<![A-Za-z0-9])[A-Za-z0-9]{20}([A-Za-z0-9]{5})(?![A-Za-z0-9])"
)

MASK_PREFIX = "*****-*****-*****-*****-"


def _mask(match: re.Match) -> str:
    tail = match.group(1) or match.group(2)
    return MASK_PREFIX + tail


def mask_product_keys(text):
    """Return ``text`` with every product-key-shaped run masked to its last five characters.

    Non-string values are returned unchanged so callers can pass any field through.
    """
    if not isinstance(text, str) or len(text) < 25:
        return text
    return _KEY_PATTERN.sub(_mask, text)


def contains_product_key(text) -> bool:
    """True when ``text`` holds something shaped like a full product key."""
    return isinstance(text, str) and _KEY_PATTERN.search(text) is not None
