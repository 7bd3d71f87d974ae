# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Product-key masking: every key shape is cut to its last five characters, nothing else is touched."""

from __future__ import annotations

import pytest

from ansible_collections.licensing.windows.plugins.plugin_utils._masking import MASK_PREFIX, contains_product_key, mask_product_keys

KEY = "VK7JG-NPHTM-C97JM-9MPGT-3V66T"  # Microsoft's published generic key for Windows 10/11 Pro


@pytest.mark.parametrize("text, expected", [
    (KEY, MASK_PREFIX + "3V66T"),
    (KEY.lower(), MASK_PREFIX + "3v66t"),
    (KEY.replace("-", ""), MASK_PREFIX + "3V66T"),
    (f"key {KEY} installed", f"key {MASK_PREFIX}3V66T installed"),
    (f"{KEY},{KEY.replace('3V66T', 'ABCDE')}", f"{MASK_PREFIX}3V66T,{MASK_PREFIX}ABCDE"),
    (f"(ProductKey={KEY})", f"(ProductKey={MASK_PREFIX}3V66T)"),
    (f"line1\n{KEY}\nline3", f"line1\n{MASK_PREFIX}3V66T\nline3"),
])
def test_every_key_shape_is_masked_to_its_last_five_characters(text, expected):
    masked = mask_product_keys(text)
    assert masked == expected
    assert not contains_product_key(masked)


@pytest.mark.parametrize("text", [
    "3V66T",  # a partial key is what the facts are allowed to show
    "55c92734-d682-4d71-983e-d6ec3f16059f",  # an activation ID (GUID) is not a key
    "VK7JG-NPHTM-C97JM-9MPGT",  # four groups
    "A" * 26,  # 26 characters in one run: not a key-shaped run
    "Windows(R) Operating System, RETAIL channel",
    "",
])
def test_text_that_is_not_a_full_key_is_unchanged(text):
    assert mask_product_keys(text) == text
    assert not contains_product_key(text)


@pytest.mark.parametrize("value", [None, 5, 1.5, True, ["VK7JG-NPHTM-C97JM-9MPGT-3V66T"], {"k": KEY}])
def test_non_strings_pass_through_unchanged(value):
    assert mask_product_keys(value) is value


def test_a_key_glued_to_other_letters_is_not_a_key():
    # The look-behind keeps a longer identifier that merely contains 25 key characters intact.
    glued = "X" + KEY
    assert mask_product_keys(glued) == glued


def test_a_dashed_key_followed_by_more_characters_is_still_masked():
    # Erring on the side of masking: the five dashed groups are a key whatever follows them.
    assert mask_product_keys(KEY + "X") == MASK_PREFIX + "3V66TX"
