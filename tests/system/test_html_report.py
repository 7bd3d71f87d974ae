# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTML report of a real audit, opened in headless Chromium: the table and the charts
render, the filter and the status selector narrow the table, the headers sort it, and
the page logs no error (a Content-Security-Policy violation would be one)."""

from __future__ import annotations

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
