# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""JSON exactly as Windows PowerShell 5.1 ConvertTo-Json -Compress writes it."""

from __future__ import annotations

import datetime as dt
import json

from winsim.windows.psjson import FILETIME_EPOCH_MS, PsDateTime, dumps


def test_dates_use_the_escaped_slash_form() -> None:
    text = dumps({"EvaluationEndDate": PsDateTime.from_value("2026-12-31T00:00:00Z"), "TrustedTime": PsDateTime.null()})
    assert text == '{"EvaluationEndDate":"\\/Date(1798675200000)\\/","TrustedTime":"\\/Date(-11644473600000)\\/"}'
    assert json.loads(text)["EvaluationEndDate"] == "/Date(1798675200000)/"


def test_null_and_datetime_objects_convert() -> None:
    assert PsDateTime.from_value(None).milliseconds == FILETIME_EPOCH_MS
    assert PsDateTime.from_value(dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.timezone.utc)).milliseconds == 1000
    assert PsDateTime.from_value(dt.date(1970, 1, 2)).milliseconds == 86_400_000
    assert PsDateTime.from_value("2026-01-01T01:00:00+01:00") == PsDateTime.from_value("2026-01-01T00:00:00Z")


def test_compress_types_and_javascriptserializer_escapes() -> None:
    document = {"a": None, "b": True, "c": False, "d": 4294967295, "e": [], "f": ["x"], "g": "it's <a> & \"b\"\\\n\x01é"}
    text = dumps(document)
    assert text == ('{"a":null,"b":true,"c":false,"d":4294967295,"e":[],"f":["x"],'
                    '"g":"it\\u0027s \\u003ca\\u003e \\u0026 \\"b\\"\\\\\\n\\u0001é"}')
    assert json.loads(text) == document
