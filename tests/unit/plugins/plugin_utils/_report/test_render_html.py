# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The HTML report's pure parts: chart geometry, the change view, the waivers and the trend, and their escaping.

tests/system/test_html_report.py opens the page in a browser; these read the rendered
text with html.parser and call the geometry functions directly.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from ansible_collections.licensing.windows.plugins.plugin_utils._audit.verdict import verdicts
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.waivers import normalize_waivers
from ansible_collections.licensing.windows.plugins.plugin_utils._report import render_html as report_html
from ansible_collections.licensing.windows.plugins.plugin_utils._report.history import history_record
from ansible_collections.licensing.windows.plugins.plugin_utils._report.model import RenderContext, build_report, load_report
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_html import (
    TREND_HEIGHT,
    TREND_MARGIN,
    TREND_WIDTH,
    bar_chart,
    breakable,
    change_view,
    render_html,
    short_summary,
    trend_chart,
    trend_records,
    waiver_view,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_json import render_json

BEFORE = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 12, 4, 2, 0, tzinfo=timezone.utc)
HOSTILE_NAME = "<img src=x onerror=alert('pwned')>.corp"
HOSTILE_TEXT = "</p><script>alert('pwned')</script><b onmouseover=alert(1)>bold</b> & more"


def facts(method="digital_license", digital=True, status="licensed", kms=None):
    document = {
        "collected_at": "2026-12-04T02:00:00Z", "license_status": status, "license_status_reason": "0x00000000",
        "activation": {"method": method, "digital_license": digital},
        "product": {"channel": "retail", "partial_product_key": "3V66T", "edition": "Professional"},
        "os": {"caption": "Microsoft Windows 11 Pro", "is_server": False}, "grace_remaining_minutes": 0,
    }
    if kms:
        document["kms"] = {"configured_host": kms, "configured_port": 1688, "is_kms_host": False}
    return {"changed": False, "ansible_facts": {"windows_license": document}}


NOT_ACTIVATED = facts("not_activated", False, "unlicensed")
BEFORE_RESULTS = {"win-1": facts(), "win-2": facts(), "win-3": NOT_ACTIVATED, "win-4": facts(), "lab-1": NOT_ACTIVATED,
                  HOSTILE_NAME: facts()}
NOW_RESULTS = {"win-1": facts(), "win-2": NOT_ACTIVATED, "win-3": facts(), "win-5": NOT_ACTIVATED, "lab-1": NOT_ACTIVATED,
               "kiosk-1": NOT_ACTIVATED, "srv-1.corp.example.com": facts("kms", False, kms="kms01.corp.example.com")}


def report(results, moment, **kwargs):
    return build_report(verdicts(sorted(results), results, {}), {}, moment, "licensing.windows test", **kwargs)


@pytest.fixture
def baseline(tmp_path):
    path = tmp_path / "baseline.json"
    path.write_text(render_json(report(BEFORE_RESULTS, BEFORE)), encoding="utf-8")
    return load_report(str(path))


WAIVERS = [
    {"id": "lab", "hosts": ["lab-*"], "justification": "lab machines", "owner": "lab-team", "expires": "2027-01-31"},
    {"id": "kiosk", "hosts": ["kiosk-1"], "justification": "vendor image", "expires": "2026-11-30"},
    {"id": "closed", "groups": ["branch_two"], "justification": "closed branch"},
]


@pytest.fixture
def over_time(baseline):
    return report(NOW_RESULTS, NOW, baseline=baseline, waivers=normalize_waivers(WAIVERS))


class Page(HTMLParser):
    """Start tags with their attributes, the text of every element by id, and every td's text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.cells: list[str] = []
        self.texts: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag in ("wbr", "meta", "input", "br"):
            return
        self._open.append((tag, attributes.get("id")))
        if attributes.get("id"):
            self.texts[attributes["id"]] = ""
        if tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        while self._open:
            name, _ident = self._open.pop()
            if name == tag:
                break
        if tag == "td" and self._cell is not None:
            self.cells.append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        for _name, ident in self._open:
            if ident:
                self.texts[ident] += data
        if self._cell is not None:
            self._cell.append(data)

    def find(self, tag, **attrs):
        return [found for name, found in self.tags if name == tag and all(found.get(k) == v for k, v in attrs.items())]


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def history(count: int, start=NOW - timedelta(days=70), step=timedelta(days=7)) -> list[dict]:
    records = []
    for index in range(count):
        record = history_record(report(NOW_RESULTS, start + step * index))
        record["by_status"] = {"compliant": 10 + index, "noncompliant": 5, "unknown": index % 2}
        record["total"] = sum(record["by_status"].values())
        records.append(record)
    return records


# --- bar charts --------------------------------------------------------------------------------


def test_bar_chart_scales_every_bar_to_the_largest_count():
    chart = bar_chart("Hosts by change", [("new", 2, "change-new"), ("regressed", 0, "change-regressed"), ("unchanged", 8, "")])
    assert [(row["label"], row["count"], row["width"]) for row in chart["rows"]] == [
        ("new", 2, 65), ("regressed", 0, 0), ("unchanged", 8, 260)]
    assert [row["y"] for row in chart["rows"]] == [4, 30, 56]
    assert chart["height"] == 8 + 3 * 26 and chart["width"] == 150 + 260 + 60


def test_bar_chart_of_nothing_draws_no_bar():
    chart = bar_chart("empty", [("new", 0, ""), ("gone", 0, "")])
    assert [row["width"] for row in chart["rows"]] == [0, 0]
    assert bar_chart("none", [])["height"] == 8 + 26


# --- the trend ---------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1])
def test_no_trend_chart_before_the_second_audit(count):
    chart = trend_chart(history(count))
    assert chart["series"] == [] and len(chart["records"]) == count
    page = render_html(report(NOW_RESULTS, NOW), RenderContext(history=tuple(history(count))))
    parsed = parse(page)
    assert "from the second audit on" in parsed.texts["trend-pending"]
    assert ("this is the first one" in parsed.texts["trend-pending"]) == (count == 1)
    assert len(parsed.find("svg")) == 2 and not parsed.find("circle") and not parsed.find("polyline")


def test_the_trend_has_one_point_per_audit_and_status_spread_over_the_plot():
    records = history(5)
    chart = trend_chart(records)
    left, right = TREND_MARGIN["left"], TREND_WIDTH - TREND_MARGIN["right"]
    top, bottom = TREND_MARGIN["top"], TREND_HEIGHT - TREND_MARGIN["bottom"]
    assert [series["status"] for series in chart["series"]] == ["compliant", "noncompliant", "unknown"]
    for series in chart["series"]:
        points = series["points"]
        assert len(points) == 5
        assert points[0]["x"] == left and points[-1]["x"] == right
        gaps = {round(b["x"] - a["x"], 1) for a, b in zip(points, points[1:])}
        assert max(gaps) - min(gaps) <= 0.2  # evenly spaced, one audit after the other
        assert series["path"] == " ".join(f"{p['x']},{p['y']}" for p in points)
    compliant = chart["series"][0]["points"]
    assert [point["count"] for point in compliant] == [10, 11, 12, 13, 14]
    # 0..14 in steps of 5: the axis goes to 15; a count of 0 sits on the bottom line.
    assert [tick["value"] for tick in chart["ticks"]] == [0, 5, 10, 15]
    assert chart["ticks"][0]["y"] == bottom and chart["ticks"][-1]["y"] == top
    assert chart["series"][2]["points"][0]["y"] == bottom
    assert compliant[-1]["y"] == pytest.approx(top + (bottom - top) * (1 - 14 / 15), abs=0.1)
    assert compliant[0]["title"] == f"{records[0]['generated_at'][:10]} 02:00 UTC: 10 compliant of 15 hosts"


def test_the_trend_page_has_a_titled_point_per_record_and_its_dates():
    records = history(4)
    parsed = parse(render_html(report(NOW_RESULTS, NOW), RenderContext(history=tuple(records))))
    circles = parsed.find("circle")
    assert len(circles) == 3 * len(records)
    assert len(parsed.find("polyline")) == 3
    assert "last 4 audits" in parsed.texts["trend-caption"]
    page = render_html(report(NOW_RESULTS, NOW), RenderContext(history=tuple(records)))
    assert page.count("</title></circle>") == 3 * len(records)  # every point has its tooltip
    dates = [record["generated_at"][:10] for record in records]
    assert page.count('<text class="date"') == len(dates)
    for date in dates:
        assert f">{date}</tspan>" in page


@pytest.mark.parametrize("count", [2, 7, 8, 9, 13, 30, 31, 100])
def test_axis_labels_keep_apart_and_include_the_first_and_the_last(count):
    chart = trend_chart(history(count, step=timedelta(days=1)))
    xs = [label["x"] for label in chart["labels"]]
    points = chart["series"][0]["points"]
    assert xs[0] == points[0]["x"] and xs[-1] == points[-1]["x"]
    assert [label["anchor"] for label in chart["labels"]][:: len(xs) - 1] == ["start", "end"]
    width = max(len(line) for label in chart["labels"] for line in label["lines"]) * 7.5 + 8
    for before, after in zip(xs, xs[1:]):
        assert after - before >= width, (count, xs)
    assert len(xs) <= 8


def test_audits_of_one_day_are_told_apart_by_their_time():
    chart = trend_chart(history(3, start=NOW, step=timedelta(hours=2)))
    assert [label["lines"] for label in chart["labels"]] == [["2026-12-04", "02:00"], ["2026-12-04", "04:00"],
                                                             ["2026-12-04", "06:00"]]


def test_a_policy_change_is_marked_between_two_audits():
    records = history(4)
    records[2]["policy"] = "sha256:ffffffffffffffff"
    records[3]["policy"] = "sha256:ffffffffffffffff"
    chart = trend_chart(records)
    assert [change["x"] for change in chart["policy_changes"]] == [chart["series"][0]["points"][2]["x"]]


def test_records_that_cannot_be_drawn_are_left_out():
    good = history(3)
    bad = [
        "not a record",
        {**good[0], "by_status": "compliant"},
        {**good[0], "by_status": {"compliant": -1, "noncompliant": 0, "unknown": 0}},
        {**good[0], "by_status": {"compliant": True, "noncompliant": 0, "unknown": 0}},
        {**good[0], "generated_at": None},
    ]
    records = trend_records([good[0], *bad, good[1], good[2]])
    assert [record["generated_at"] for record in records] == [record["generated_at"] for record in good]
    assert len(trend_chart([good[0], *bad])["series"]) == 0


def test_a_flat_trend_of_zeros_still_has_an_axis():
    records = history(2)
    for record in records:
        record["by_status"] = {"compliant": 0, "noncompliant": 0, "unknown": 0}
    chart = trend_chart(records)
    assert [tick["value"] for tick in chart["ticks"]] == [0, 1]
    assert all(point["y"] == TREND_HEIGHT - TREND_MARGIN["bottom"] for series in chart["series"] for point in series["points"])


# --- the change view ---------------------------------------------------------------------------


def test_no_change_view_without_a_baseline():
    current = report(NOW_RESULTS, NOW)
    assert change_view(current) is None and waiver_view(current) is None
    parsed = parse(render_html(current))
    assert "changes" not in parsed.texts and "waivers" not in parsed.texts
    assert not parsed.find("select", id="change-filter") and not parsed.find("select", id="waiver-filter")
    assert [th.get("class") for th in parsed.find("th", scope="col")][-1] == "col-summary"
    assert len(parsed.find("th", scope="col")) == 11
    assert {body["data-change"] for body in parsed.find("tbody") if "data-status" in body} == {""}
    assert "Changed since" not in render_html(current) and "baseline" not in parsed.texts.get("hosts", "")


def test_the_change_view_counts_charts_and_filters_the_changes(over_time):
    view = change_view(over_time)
    assert view["when"] == "2026-12-03 02:00 UTC"
    assert view["line"] == "3 new, 1 regressed, 1 resolved, 0 changed, 2 unchanged, 2 gone"
    assert [(row["label"], row["count"]) for row in view["chart"]["rows"]] == list(over_time["summary"]["by_change"].items())
    assert [host["host"] for host in view["gone"]] == [HOSTILE_NAME, "win-4"]
    page = render_html(over_time)
    parsed = parse(page)
    assert parsed.texts["changes-title"] == "Changed since 2026-12-03 02:00 UTC"
    bars = [rect for rect in parsed.find("rect") if rect.get("class", "").startswith("bar change-")]
    assert [(rect["data-label"], int(rect["data-count"])) for rect in bars] == list(over_time["summary"]["by_change"].items())
    options = [option["value"] for option in parsed.find("option")]
    assert options[options.index("new regressed") - 1:options.index("unchanged") + 1] == [
        "", "new regressed", "new", "regressed", "resolved", "changed", "unchanged"]
    assert parsed.find("button", id="show-new-problems")[0]["data-change"] == "new regressed"
    bodies = {body["data-search"].split()[0]: body["data-change"] for body in parsed.find("tbody") if "data-status" in body}
    assert bodies["win-2"] == "regressed" and bodies["win-5"] == "new" and bodies["win-3"] == "resolved"


def test_the_change_column_comes_before_the_summary_and_the_first_columns_keep_their_places(over_time):
    parsed = parse(render_html(over_time))
    headers = [th["class"] for th in parsed.find("th", scope="col") if th.get("class", "").startswith("col-")]
    assert headers == ["col-host-name", "col-status", "col-codes", "col-codes", "col-short", "col-codes", "col-codes",
                       "col-os", "col-num", "col-kms", "col-change", "col-summary"]
    page = render_html(over_time)
    row = page.split('<span class="cap">srv-1.<wbr>corp.<wbr>example.<wbr>com</span></td>', 1)[1].split("</tr>", 1)[0]
    cells = parse("<table><tr>" + row + "</tr></table>").cells
    # tests/support/reports.py reads the KMS host at index 9 (the host is index 0, cut off here).
    assert cells[8] == "kms01.corp.example.com:1688" and cells[9] == "new"


def test_every_host_name_is_the_whole_text_of_exactly_one_cell(over_time):
    # tests/support/reports.py counts each host's cells: the waiver and change sections must not add any.
    waivers = normalize_waivers([{"id": "exact", "hosts": ["win-2", "lab-1"], "justification": "named hosts"}])
    current = report(NOW_RESULTS, NOW, baseline=load_report(render_json(over_time)), waivers=waivers)
    cells = parse(render_html(current)).cells
    for name in NOW_RESULTS:
        assert cells.count(name) == 1, name


def test_a_long_summary_starts_in_the_table_and_is_whole_in_the_details():
    assert short_summary("Activated with a digital license") == "Activated with a digital license"
    words = " ".join(["word"] * 60)
    short = short_summary(words)
    assert len(short) <= 160 and short.endswith(" \u2026") and words.startswith(short[:-2])
    assert short_summary("x" * 400) == "x" * 150 + " \u2026"
    results = {"win-1": {"failed": True, "error_code": "command_failed", "msg": "the collector failed: " + words}}
    current = report(results, NOW)
    summary = current["hosts"][0]["summary"]
    assert len(summary) > 160
    page = render_html(current)
    assert f'<td class="summary">{short_summary(summary)}</td>' in page
    assert f'<p class="full-summary">{summary}</p>' in page and "<summary>Full summary, details" in page


# --- the waivers -------------------------------------------------------------------------------


def test_waived_hosts_are_marked_and_the_waivers_listed_stale_and_expired_apart(over_time):
    view = waiver_view(over_time)
    states = [(entry["id"], entry["state"]) for entry in view["entries"]]
    assert states == [("lab", "active"), ("kiosk", "expired"), ("closed", "stale")]
    assert view["waived"] == 1 and view["expired_hosts"] == 1
    assert view["entries"][0]["waived"]["hosts"] == ["lab-1"] and view["entries"][1]["expired_hosts"]["hosts"] == ["kiosk-1"]
    page = render_html(over_time)
    parsed = parse(page)
    states = {body["data-search"].split()[0]: body["data-waiver"] for body in parsed.find("tbody") if "data-status" in body}
    assert states == {"kiosk-1": "expired", "lab-1": "active", "srv-1.corp.example.com": "", "win-1": "", "win-2": "",
                      "win-3": "", "win-5": ""}
    assert page.count('<span class="badge waiver-active">waived</span>') == 1
    assert page.count('<span class="badge waiver-expired">waiver expired</span>') == 1
    assert "Waived by <code>lab</code>. Justification: lab machines Owner lab-team; expires 2027-01-31." in page
    assert "The waiver <code>kiosk</code> expired: its findings count again." in page
    articles = {article["data-waiver-id"]: article["class"] for article in parsed.find("article")}
    assert articles == {"lab": "waiver active", "kiosk": "waiver expired", "closed": "waiver stale"}
    assert "1 stale" in parsed.texts["waivers"] and "1 expired" in parsed.texts["waivers"]
    assert parsed.find("select", id="waiver-filter")
    assert all(parsed.find("option", value=value) for value in ("not-waived", "waived", "expired"))


def test_a_long_list_of_waived_hosts_folds_away():
    results = {f"lab-{index:03d}": NOT_ACTIVATED for index in range(30)}
    current = report(results, NOW, waivers=normalize_waivers([{"hosts": ["lab-*"], "justification": "lab"}]))
    page = render_html(current)
    assert '<details class="names"><summary>30 hosts</summary>' in page
    assert page.count("<li>lab-0") == 30


# --- escaping ----------------------------------------------------------------------------------


def test_breakable_escapes_and_only_adds_break_opportunities():
    assert breakable("a.b_c") == Markup("a.<wbr>b_<wbr>c")
    assert breakable("<b>x.y</b>") == Markup("&lt;b&gt;x.<wbr>y&lt;/b&gt;")
    assert breakable(Markup("&lt;b&gt;")) == Markup("&lt;b&gt;")
    assert breakable("plain") == Markup("plain") and breakable("end.") == Markup("end.")


def test_hostile_waivers_history_and_host_names_stay_text():
    waivers = normalize_waivers([
        {"id": "<script>x</script>", "hosts": [HOSTILE_NAME, "<i>*"], "groups": ["<u>g</u>"],
         "justification": HOSTILE_TEXT, "owner": '"><svg onload=alert(1)>', "expires": "2099-01-01"},
    ])
    results = {**NOW_RESULTS, HOSTILE_NAME: NOT_ACTIVATED}
    bad_baseline = report({**BEFORE_RESULTS, "<b>gone</b>": facts()}, BEFORE)
    current = report(results, NOW, baseline=load_report(render_json(bad_baseline)), waivers=waivers)
    records = history(3)
    records[1]["generated_at"] = "<script>alert('history')</script>"
    records[2]["policy"] = "<img src=x onerror=alert(2)>"
    page = render_html(current, RenderContext(history=tuple(records)))
    parsed = parse(page)
    tags = [tag for tag, _attrs in parsed.tags]
    assert tags.count("script") == 1 and "img" not in tags and "b" not in tags and "i" not in tags and "u" not in tags
    assert tags.count("svg") == 4  # status, method, change and trend charts; none from the owner
    for tag, attrs in parsed.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert "style" not in attrs and "href" not in attrs and "src" not in attrs, (tag, attrs)
    assert page.lower().count("</script") == 1
    assert "&lt;/p&gt;&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in page
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in page
    # The host names show as text: the hostile one is waived (listed), and the gone one is listed.
    assert parsed.cells.count(HOSTILE_NAME) == 1 and "<b>gone</b>" in parsed.cells
    assert HOSTILE_TEXT in parsed.texts["waivers"] and HOSTILE_NAME in parsed.texts["waivers"]
    assert "<script>alert('history')</script>" in parsed.texts["trend"]


def test_the_page_still_loads_nothing_with_every_section(over_time):
    page = render_html(over_time, RenderContext(history=tuple(history(6))))
    parsed = parse(page)
    for tag, attrs in parsed.tags:
        assert not {"src", "href", "srcset", "action", "background", "poster", "data", "style"} & set(attrs), (tag, attrs)
    policy = parsed.find("meta", **{"http-equiv": "Content-Security-Policy"})[0]["content"]
    script = report_html.static_asset(report_html.SCRIPT_NAME)
    assert report_html.content_security_policy(report_html.static_asset(report_html.STYLESHEET_NAME), script) == policy
    assert f"<script>{script}</script>" in page
