# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The JSON report, license-audit.json: the report document itself.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

It is the format the others can be rebuilt from (model.load_report reads it
back, and merges several), so it is written exactly as the model built it.
"""

from __future__ import annotations

import json


def render_json(report: dict) -> str:
    """The report document as JSON: keys in the model's order, indented by 2, UTF-8 characters kept."""
    # The model's key order (schema, generated_at, ..., hosts) reads best and is already
    # deterministic, so the keys are not sorted.
    return json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
