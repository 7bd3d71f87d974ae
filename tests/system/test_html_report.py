# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTML report of a real audit, opened in headless Chromium: the table and the charts
render, the filter and the status selector narrow the table, the headers sort it, and
the page logs no error (a Content-Security-Policy violation would be one).

A second report comes from two audits of a changing fleet, the second compared with the
first (the baseline) and run with waivers, after a history of earlier audits: its change
view, change filter and chart, its waiver marks, section and filter, and its trend chart
are read back from the browser, and its host table (long host names and summaries) must
fit a 1366-pixel-wide screen."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from datetime import datetime, timedelta, timezone

import pytest

from chromium import Browser, find_chromium
from conftest import ROOT, run_playbook, start_fleet
from reports import FILE_NAMES, load_json

FLEET = {
    "defaults": {"username": "auditor", "password": "Html-Test-Passw0rd!", "listen": "ephemeral"},
    "hosts": [
        {"name": "pc-digital", "profile": "digital_license_pro"},
        {"name": "pc-firmware", "profile": "oem_firmware_key"},
        {"name": "pc-retail", "profile": "retail_key"},
        {"name": "pc-mak", "profile": "volume_mak"},
        {"name": "pc-kms", "profile": "kms_client"},
        {"name": "srv-eval", "profile": "evaluation_server"},
        {"name": "srv-retail", "profile": "server_2022_retail"},
        {"name": "pc-offline", "profile": "digital_license_pro", "fault": "not_listening"},
        {"name": "pc-sppsvc", "profile": "digital_license_pro", "fault": "service_disabled"},
    ],
}


@pytest.fixture(scope="module")
def audited(tmp_path_factory, collections_path):
    state = tmp_path_factory.mktemp("html")
    fleet = start_fleet(FLEET, state / "fleet")
    try:
        reports = state / "reports"
        result = run_playbook(collections_path, fleet.inventory, ROOT / "playbooks" / "audit.yml",
                              extra_vars={"license_audit_report_dir": str(reports), "license_audit_target": "all"})
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    finally:
        fleet.stop()
    return reports, load_json(reports)


@pytest.fixture(scope="module")
def page(audited):
    executable = find_chromium()
    if executable is None:
        pytest.fail("Debian's chromium is required for this test (make test installs it as root: apt-get install chromium)")
    browser = Browser(executable)
    try:
        yield browser.open((audited[0] / FILE_NAMES["html"]).as_uri())
    finally:
        browser.close()


def visible_hosts(page) -> list[str]:
    return page.evaluate(
        "Array.from(document.querySelectorAll('#hosts tbody')).filter(b => !b.hidden && b.offsetParent !== null)"
        ".map(b => b.rows[0].cells[0].textContent.trim())"
    )


def test_table_lists_every_host_with_its_status(page, audited):
    report = audited[1]
    rows = page.evaluate(
        "Array.from(document.querySelectorAll('#hosts tbody')).map(b => [b.rows[0].cells[0].textContent.trim(), b.dataset.status])"
    )
    assert sorted(map(tuple, rows)) == sorted((host["host"], host["status"]) for host in report["hosts"])
    assert len(rows) == len(FLEET["hosts"])


def test_charts_render_with_visible_bars(page, audited):
    charts = page.evaluate(
        "Array.from(document.querySelectorAll('section.charts svg')).map(svg => {"
        " const r = svg.getBoundingClientRect();"
        " const bars = Array.from(svg.querySelectorAll('rect')).map(b => b.getBoundingClientRect())"
        "   .filter(b => b.width > 0 && b.height > 0).length;"
        " return {width: r.width, height: r.height, bars: bars, text: svg.textContent}; })"
    )
    assert charts, "no chart in the page"
    for chart in charts:
        assert chart["width"] > 100 and chart["height"] > 50, chart
        assert chart["bars"] >= 1, chart
    counts = audited[1]["summary"]["by_status"]
    status_chart = " ".join(chart["text"] for chart in charts)
    for status, count in counts.items():
        if count:
            assert status in status_chart and str(count) in status_chart


def test_text_filter_narrows_the_table(page):
    page.evaluate("(() => { const f = document.getElementById('host-filter'); f.value = 'pc-retail';"
                  " f.dispatchEvent(new Event('input', {bubbles: true})); })()")
    assert visible_hosts(page) == ["pc-retail"]
    assert page.evaluate("document.getElementById('shown-count').textContent").startswith("1 of ")
    page.evaluate("(() => { const f = document.getElementById('host-filter'); f.value = '';"
                  " f.dispatchEvent(new Event('input', {bubbles: true})); })()")
    assert len(visible_hosts(page)) == len(FLEET["hosts"])


def test_status_selector_shows_only_that_status(page, audited):
    unknown = sorted(h["host"] for h in audited[1]["hosts"] if h["status"] == "unknown")
    assert unknown == ["pc-offline", "pc-sppsvc"]
    page.evaluate("(() => { const s = document.getElementById('status-filter'); s.value = 'unknown';"
                  " s.dispatchEvent(new Event('change', {bubbles: true})); })()")
    assert sorted(visible_hosts(page)) == unknown
    page.evaluate("(() => { const s = document.getElementById('status-filter'); s.value = '';"
                  " s.dispatchEvent(new Event('change', {bubbles: true})); })()")


def test_clicking_the_host_header_sorts_both_ways(page):
    page.evaluate("document.querySelector('#hosts thead th button').click()")
    ascending = visible_hosts(page)
    page.evaluate("document.querySelector('#hosts thead th button').click()")
    descending = visible_hosts(page)
    assert ascending == sorted(ascending, key=str.lower)
    assert descending == list(reversed(ascending))


def test_each_host_shows_its_reasons_and_remediation(page, audited):
    texts = page.evaluate("Object.fromEntries(Array.from(document.querySelectorAll('#hosts tbody'))"
                          ".map(b => [b.rows[0].cells[0].textContent.trim(), b.textContent]))")
    for host in audited[1]["hosts"]:
        for reason in host["reasons"]:
            assert reason in texts[host["host"]] or reason.replace("_", " ") in texts[host["host"]]
        if host["remediation"]:
            assert host["remediation"][0][:40] in texts[host["host"]]


def test_page_logged_no_error(page):
    assert not page.problems()


def test_a_first_audit_says_when_the_trend_appears_and_shows_no_change_view(page):
    assert "from the second audit on" in page.evaluate("document.getElementById('trend-pending').textContent")
    assert page.evaluate("document.querySelectorAll('#trend svg, #changes, #waivers, #change-filter, #waiver-filter').length") == 0


# --- a report over time: baseline, waivers, history ------------------------------------------

LONG_HOST = "branch-office-frankfurt-reception-desk-workstation-0042.emea.corp.example.com"
LONG_KMS = "kms-legacy-activation-server-01.branch-office-frankfurt.emea.corp.example.com"
# The Windows product row of tests/profiles/kms_client_unreachable.yml, whose KMS host the override renames.
KMS_PRODUCT_ID = "2de67392-b7a7-462a-b1ca-108dd189f588"
CREDENTIALS = {"username": "auditor", "password": "Html-Test-Passw0rd!", "listen": "ephemeral"}
# name -> profile in the baseline audit, and in the audit compared with it (None: not in it).
FLEET_OVER_TIME = {
    "pc-keeps": ("digital_license_pro", "digital_license_pro"),          # unchanged
    "pc-regresses": ("digital_license_pro", "not_activated"),             # regressed
    "pc-resolves": ("not_activated", "digital_license_pro"),              # resolved
    "pc-changes": ("retail_key", "volume_mak"),                           # changed: another method, still noncompliant
    "pc-retired": ("retail_key", None),                                   # gone
    "pc-new": (None, "retail_key"),                                       # new
    "lab-eval-01": ("evaluation_client", "evaluation_client"),            # waived
    "lab-eval-02": ("evaluation_client", "evaluation_client"),            # waived
    "kiosk-01": ("retail_key", "retail_key"),                             # its waiver expired
    LONG_HOST: ("kms_client_unreachable", "kms_client_unreachable"),      # long name, long summary
}
HOSTILE_JUSTIFICATION = "Test lab <img src=x onerror=\"document.title='pwned'\"> evaluations, rebuilt every quarter"
WAIVERS = [
    {"id": "lab", "hosts": ["lab-eval-*"], "reasons": ["evaluation"], "justification": HOSTILE_JUSTIFICATION,
     "owner": "lab-team@example.com", "expires": "2099-12-31"},
    {"id": "kiosk", "hosts": ["kiosk-01"], "justification": "Vendor-imaged kiosk, accepted until its replacement",
     "owner": "facilities", "expires": "2020-01-31"},
    {"id": "closed-branch", "hosts": ["branch-2-*"], "justification": "Branch 2 closed; its machines are gone"},
]
SEEDED_AUDITS = 4


def _fleet(which: int) -> dict:
    hosts = []
    for name, profiles in FLEET_OVER_TIME.items():
        if profiles[which] is None:
            continue
        host = {"name": name, "profile": profiles[which]}
        if name == LONG_HOST:
            host["overrides"] = {"service": {"KeyManagementServiceMachine": LONG_KMS},
                                 "products": [{"ID": KMS_PRODUCT_ID, "KeyManagementServiceMachine": LONG_KMS}]}
        hosts.append(host)
    return {"defaults": CREDENTIALS, "hosts": hosts}


def _seed_history(path, first: datetime) -> None:
    """Earlier audits' records (licensing.windows.license_audit_history/1), as the role would have written them."""
    lines = []
    for index in range(SEEDED_AUDITS):
        compliant = 2 + index // 2
        lines.append(json.dumps({
            "schema": "licensing.windows.license_audit_history/1",
            "generated_at": (first + timedelta(days=7 * index)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "generator": "licensing.windows 0.1.0", "policy": "sha256:0123456789abcdef",
            "total": 9, "by_status": {"compliant": compliant, "noncompliant": 8 - compliant, "unknown": 1},
            "by_method": {}, "by_change": None, "waived": 0, "duration_seconds": 12.5,
        }))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _audit(collections_path, state, which: int, extra_vars: dict) -> None:
    fleet = start_fleet(_fleet(which), state / f"fleet-{which}")
    try:
        result = run_playbook(collections_path, fleet.inventory, ROOT / "playbooks" / "audit.yml",
                              extra_vars={"license_audit_target": "all", **extra_vars})
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    finally:
        fleet.stop()


@pytest.fixture(scope="module")
def over_time(tmp_path_factory, collections_path):
    state = tmp_path_factory.mktemp("html-over-time")
    reports = state / "reports"
    reports.mkdir()
    baseline = state / "baseline" / "license-audit.json"
    _seed_history(reports / "license-audit-history.jsonl", datetime.now(timezone.utc) - timedelta(days=60))
    common = {"license_audit_report_dir": str(reports), "license_audit_baseline": str(baseline)}
    _audit(collections_path, state, 0, {**common, "license_audit_update_baseline": True})
    _audit(collections_path, state, 1, {**common, "license_audit_waivers": WAIVERS})
    history = [json.loads(line) for line in (reports / "license-audit-history.jsonl").read_text(encoding="utf-8").splitlines()]
    return state, reports, load_json(reports), history


@pytest.fixture(scope="module")
def later(over_time):
    executable = find_chromium()
    if executable is None:
        pytest.fail("Debian's chromium is required for this test (make test installs it as root: apt-get install chromium)")
    browser = Browser(executable)
    try:
        opened = browser.open((over_time[1] / FILE_NAMES["html"]).as_uri())
        opened.set_viewport(1366, 768)
        yield opened
    finally:
        browser.close()


def choose(page, select_id: str, value: str) -> None:
    page.evaluate(f"(() => {{ const s = document.getElementById({json.dumps(select_id)}); s.value = {json.dumps(value)};"
                  " s.dispatchEvent(new Event('change', {bubbles: true})); })()")


def test_the_report_compares_with_the_baseline_and_applies_the_waivers(over_time):
    report = over_time[2]
    changes = {host["host"]: host["change"] for host in report["hosts"]}
    assert changes == {"pc-keeps": "unchanged", "pc-regresses": "regressed", "pc-resolves": "resolved",
                       "pc-changes": "changed", "pc-new": "new", "lab-eval-01": "unchanged", "lab-eval-02": "unchanged",
                       "kiosk-01": "unchanged", LONG_HOST: "unchanged"}
    assert [gone["host"] for gone in report["baseline"]["gone"]] == ["pc-retired"]
    waivers = {host["host"]: host["waiver"]["state"] for host in report["hosts"] if host["waiver"]}
    assert waivers == {"lab-eval-01": "active", "lab-eval-02": "active", "kiosk-01": "expired"}
    assert report["waivers"]["stale"] == ["closed-branch"] and report["waivers"]["expired"] == ["kiosk"]
    assert len(over_time[3]) == SEEDED_AUDITS + 2


def test_the_change_view_sums_up_the_changes_and_lists_the_gone_host(later, over_time):
    counts = over_time[2]["summary"]["by_change"]
    line = later.evaluate("document.querySelector('#changes .change-line').textContent")
    assert ", ".join(f"{counts[change]} {change}" for change in counts) in line
    assert over_time[2]["baseline"]["generated_at"][:10] in later.evaluate("document.getElementById('changes-title').textContent")
    gone = later.evaluate("Array.from(document.querySelectorAll('#gone-hosts tbody tr')).map(r => [r.cells[0].textContent, r.cells[1].textContent])")
    assert gone == [["pc-retired", "noncompliant"]]
    headers = later.evaluate("Array.from(document.querySelectorAll('#hosts thead th')).map(th => th.textContent)")
    assert headers[-2:] == ["Change", "Summary"]


def test_the_change_chart_has_a_bar_per_change_with_its_count(later, over_time):
    counts = over_time[2]["summary"]["by_change"]
    bars = later.evaluate(
        "Array.from(document.querySelectorAll('#changes svg rect')).map(r => [r.dataset.label, Number(r.dataset.count),"
        " r.getBoundingClientRect().width, r.querySelector('title').textContent])")
    assert [(label, count) for label, count, _width, _title in bars] == list(counts.items())
    largest = max(counts.values())
    for label, count, width, title in bars:
        assert title == f"{label}: {count}"
        assert (width > 0) == (count > 0)
        if count == largest:
            assert width == pytest.approx(260, abs=1)
        else:
            assert width == pytest.approx(260 * count / largest, abs=1)


def test_the_change_filter_shows_exactly_the_new_and_regressed_hosts(later, over_time):
    wanted = sorted(host["host"] for host in over_time[2]["hosts"] if host["change"] in ("new", "regressed"))
    assert wanted == ["pc-new", "pc-regresses"]
    options = later.evaluate("Array.from(document.querySelectorAll('#change-filter option')).map(o => [o.value, o.textContent])")
    assert options[1] == ["new regressed", "new or regressed (2)"]
    assert [value for value, _text in options[2:]] == ["new", "regressed", "resolved", "changed", "unchanged"]
    choose(later, "change-filter", "new regressed")
    assert sorted(visible_hosts(later)) == wanted
    assert later.evaluate("document.getElementById('shown-count').textContent") == f"2 of {len(over_time[2]['hosts'])} hosts shown"
    for change in ("resolved", "changed", "unchanged"):
        choose(later, "change-filter", change)
        assert sorted(visible_hosts(later)) == sorted(h["host"] for h in over_time[2]["hosts"] if h["change"] == change)
    choose(later, "change-filter", "")
    assert len(visible_hosts(later)) == len(over_time[2]["hosts"])
    # The button of the change view selects the same filter.
    later.evaluate("document.getElementById('show-new-problems').click()")
    assert sorted(visible_hosts(later)) == wanted
    assert later.evaluate("document.getElementById('change-filter').value") == "new regressed"
    choose(later, "change-filter", "")


def test_waived_hosts_carry_a_badge_and_their_waiver_in_the_details(later, over_time):
    marks = later.evaluate(
        "Object.fromEntries(Array.from(document.querySelectorAll('#hosts tbody')).map(b => [b.rows[0].cells[0].textContent,"
        " Array.from(b.rows[0].cells[1].querySelectorAll('.badge')).map(x => x.textContent)]))")
    for host in over_time[2]["hosts"]:
        expected = [host["status"]]
        if host["waiver"]:
            expected.append("waived" if host["waiver"]["state"] == "active" else "waiver expired")
        assert marks[host["host"]] == expected, host["host"]
    details = later.evaluate("document.querySelector('#hosts tbody[data-waiver=\"active\"] .waiver-note').textContent")
    assert "Waived by lab" in details and "lab-team@example.com" in details and "2099-12-31" in details
    assert HOSTILE_JUSTIFICATION in details  # the justification is text, not markup
    expired = later.evaluate("document.querySelector('#hosts tbody[data-waiver=\"expired\"] .waiver-note').textContent")
    assert "kiosk" in expired and "expired" in expired and "2020-01-31" in expired


def test_the_waiver_filter_shows_and_hides_waived_hosts(later, over_time):
    hosts = over_time[2]["hosts"]
    waived = sorted(h["host"] for h in hosts if h["waiver"] and h["waiver"]["state"] == "active")
    choose(later, "waiver-filter", "waived")
    assert sorted(visible_hosts(later)) == waived == ["lab-eval-01", "lab-eval-02"]
    choose(later, "waiver-filter", "not-waived")
    assert sorted(visible_hosts(later)) == sorted(h["host"] for h in hosts if h["host"] not in waived)
    choose(later, "waiver-filter", "expired")
    assert visible_hosts(later) == ["kiosk-01"]
    choose(later, "waiver-filter", "")
    assert len(visible_hosts(later)) == len(hosts)


def test_the_waiver_section_lists_each_waiver_with_stale_and_expired_marked(later):
    entries = later.evaluate(
        "Array.from(document.querySelectorAll('#waivers article.waiver')).map(a => ({id: a.dataset.waiverId, state: a.dataset.state,"
        " badge: a.querySelector('h3 .badge').textContent, hosts: Array.from(a.querySelectorAll('ul.names li')).map(li => li.textContent),"
        " border: getComputedStyle(a).borderLeftColor, text: a.textContent}))")
    by_id = {entry["id"]: entry for entry in entries}
    assert list(by_id) == ["lab", "kiosk", "closed-branch"]
    assert (by_id["lab"]["state"], by_id["lab"]["hosts"]) == ("active", ["lab-eval-01", "lab-eval-02"])
    assert (by_id["kiosk"]["state"], by_id["kiosk"]["badge"], by_id["kiosk"]["hosts"]) == ("expired", "expired", ["kiosk-01"])
    assert (by_id["closed-branch"]["state"], by_id["closed-branch"]["badge"]) == ("stale", "stale")
    assert "waived no host" in by_id["closed-branch"]["text"]
    # Stale and expired waivers stand out from the active one (and from each other).
    assert len({entry["border"] for entry in entries}) == 3
    summary = later.evaluate("document.querySelector('#waivers > p').textContent")
    assert "1 stale" in summary and "1 expired" in summary
    assert HOSTILE_JUSTIFICATION in by_id["lab"]["text"]
    assert later.evaluate("document.querySelectorAll('img').length") == 0


def test_the_trend_chart_has_one_point_per_audit_in_each_status(later, over_time):
    history = over_time[3]
    series = later.evaluate(
        "Array.from(document.querySelectorAll('#trend svg g.series')).map(g => ({status: g.dataset.status,"
        " points: Array.from(g.querySelectorAll('circle')).map(c => ({x: c.getBoundingClientRect().x, count: Number(c.dataset.count),"
        " title: c.querySelector('title').textContent, visible: c.getBoundingClientRect().width > 0}))}))")
    assert [item["status"] for item in series] == ["compliant", "noncompliant", "unknown"]
    for item in series:
        points = item["points"]
        assert len(points) == len(history)
        assert [point["count"] for point in points] == [record["by_status"][item["status"]] for record in history]
        assert all(point["visible"] for point in points)
        assert [point["x"] for point in points] == sorted(point["x"] for point in points)
        for point, record in zip(points, history):
            assert point["title"].startswith(record["generated_at"][:10]) and item["status"] in point["title"]
    dates = later.evaluate("Array.from(document.querySelectorAll('#trend svg text.date')).map(t => t.textContent)")
    assert dates[0].startswith(history[0]["generated_at"][:10]) and dates[-1].startswith(history[-1]["generated_at"][:10])
    caption = later.evaluate("document.getElementById('trend-caption').textContent")
    assert f"last {len(history)} audits" in caption
    # The seeded audits were made with another policy: the chart marks where it changed.
    assert later.evaluate("document.querySelectorAll('#trend svg line.policy-change').length") == 1


def test_the_host_table_fits_a_1366_pixel_screen(later, over_time):
    later.set_viewport(1366, 768)
    assert later.evaluate("document.documentElement.clientWidth") <= 1366
    assert later.evaluate("document.documentElement.scrollWidth") <= 1366
    assert later.evaluate("document.getElementById('hosts').getBoundingClientRect().right") <= later.evaluate(
        "document.documentElement.clientWidth")
    # The long host name is there, wrapped, not cut; its long summary starts in the table and is whole in the details.
    row = later.evaluate(f"Array.from(document.querySelectorAll('#hosts tbody')).filter(b => b.rows[0].cells[0].textContent"
                         f" === {json.dumps(LONG_HOST)}).map(b => [b.rows[0].cells[9].textContent,"
                         " b.rows[0].cells[b.rows[0].cells.length - 1].textContent, b.rows[0].cells[0].getBoundingClientRect().height,"
                         " b.querySelector('.full-summary').textContent])[0]")
    assert row[0] == LONG_KMS + ":1688"
    summary = next(host["summary"] for host in over_time[2]["hosts"] if host["host"] == LONG_HOST)
    assert len(summary) > 160 and row[3] == summary
    assert row[1].endswith(" \u2026") and summary.startswith(row[1][:-2]) and len(row[1]) <= 160
    assert row[2] > 30  # the host name wrapped onto several lines


def test_the_first_report_fits_a_1366_pixel_screen_too(page):
    page.set_viewport(1366, 768)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366


def test_a_screenshot_at_1366_pixels(later, over_time):
    later.set_viewport(1366, 768)
    later.evaluate("window.scrollTo(0, 0)")
    path = over_time[0] / "license-audit-1366.png"
    data = later.screenshot(path, full_page=True)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 1366 and height > 768
    print(f"screenshot: {path}")


def test_the_csp_holds_and_the_page_logged_no_error(later, over_time):
    text = (over_time[1] / FILE_NAMES["html"]).read_text(encoding="utf-8")
    policy = later.evaluate("document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content")
    for tag in ("style", "script"):
        source = later.evaluate(f"document.querySelector({json.dumps(tag)}).textContent")
        digest = base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}';" in policy
    assert "'unsafe-inline'" not in policy and "default-src 'none'" in policy
    # The script ran (its hash matched): it rewrote the count.
    assert later.evaluate("document.getElementById('shown-count').textContent").endswith(" hosts shown")
    handlers = later.evaluate("Array.from(document.querySelectorAll('*')).flatMap(e => Array.from(e.attributes)"
                              ".filter(a => a.name.toLowerCase().startsWith('on') || a.name === 'style').map(a => e.tagName + ' ' + a.name))")
    assert handlers == []
    assert " onerror=" not in text.replace("onerror=&#34;", "").replace("onerror=&quot;", "") or "&lt;img" in text
    assert later.evaluate("document.title").startswith("Windows license audit")
    assert not later.problems()
