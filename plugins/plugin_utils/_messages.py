# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How an error message names a bad value: its kind and a short, safe rendering of it.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

Every validator of the collection (the policy, the collector document, the report files,
the waivers of a later release) says "<field>: expected <what>, got <kind> <value>". The
kind is named in the words of the input's own language: a policy is YAML, so a mapping is
"a dictionary"; a collector document is JSON, so it is "an object" and a sequence "an
array". The value is shown on one line, product keys masked, at most 80 characters.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.licensing.windows.plugins.plugin_utils._text import HOST_TEXT, SHOWN_VALUE_MAX_CHARS, clean_text


def type_word(value, *, mapping: str = "a dictionary", sequence: str = "a list", number: str | None = None) -> str:
    """The kind of ``value`` as a message names it ("a string", "an integer", ``mapping``, ``sequence``, ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)) and number:
        return number
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return mapping
    if isinstance(value, (list, tuple)):
        return sequence
    return type(value).__name__


def shown(value, limit: int = SHOWN_VALUE_MAX_CHARS) -> str:
    """``value`` as a message quotes it: its repr on one line, product keys masked, at most ``limit`` characters."""
    # str() first turns Ansible's tagged strings into plain ones, whose repr is the familiar one.
    text = repr(str(value)) if isinstance(value, str) else repr(value)
    return clean_text(text, limit, HOST_TEXT)


def got(value, **words: str) -> str:
    """What a message says after "got": the kind of ``value`` and the value (``words`` as for type_word)."""
    return f"{type_word(value, **words)} {shown(value)}"
