# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Consistency of the reference tables the classifier relies on."""

from __future__ import annotations

import re

import pytest

from ansible_collections.licensing.windows.plugins.plugin_utils._facts import catalog
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import KMS_VALIDITY_MINUTES

KEY_TABLES = {"GENERIC_KEYS": catalog.GENERIC_KEYS, "GVLK_KEYS": catalog.GVLK_KEYS, "AVMA_KEYS": catalog.AVMA_KEYS}


@pytest.mark.parametrize("table", sorted(KEY_TABLES))
def test_key_tables_hold_only_last_five_characters(table):
    for partial in KEY_TABLES[table]:
        assert re.fullmatch(r"[A-Z0-9]{5}", partial), partial


def test_key_tables_do_not_overlap():
    # The classifier tests GVLKs before generic keys; an overlap would silently change a verdict.
    names = sorted(KEY_TABLES)
    for index, first in enumerate(names):
        for second in names[index + 1:]:
            assert not set(KEY_TABLES[first]) & set(KEY_TABLES[second]), (first, second)


def test_license_status_names_cover_0_to_6():
    assert sorted(catalog.LICENSE_STATUS_NAMES) == list(range(7))
    assert catalog.LICENSE_STATUS_NAMES[catalog.LICENSE_STATUS_LICENSED] == "licensed"


def test_hresult_table_is_not_the_swapped_community_table():
    assert catalog.HRESULT_TEXTS[0xC004F009] == "the grace period expired"
    assert catalog.HRESULT_TEXTS[0xC004F200] == "the current state is not genuine"


def test_hresults_are_uint32():
    for hresult in catalog.HRESULT_TEXTS:
        assert 0 <= hresult <= 0xFFFFFFFF
    assert catalog.STORE_BASED_ACTIVATION == 1074066433
    assert KMS_VALIDITY_MINUTES == 180 * 24 * 60


def test_application_ids_are_lower_case_guids():
    for app_id in {catalog.WINDOWS_APPLICATION_ID} | catalog.OFFICE_APPLICATION_IDS:
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", app_id)
