# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""Writing the report files: names, encodings, format checks, and atomic replacement when something fails."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timezone

import pytest

from ansible_collections.licensing.windows.plugins.plugin_utils._audit.verdict import verdicts
from ansible_collections.licensing.windows.plugins.plugin_utils._report import writer as report_writer
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_csv import render_csv
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_html import render_html
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_json import render_json
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_junit import render_junit
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_markdown import render_markdown
from ansible_collections.licensing.windows.plugins.plugin_utils._report.render_prometheus import render_prometheus
from ansible_collections.licensing.windows.plugins.plugin_utils._report.model import ReportError, build_report, load_report
from ansible_collections.licensing.windows.plugins.plugin_utils._report.writer import (
    check_formats,
    report_paths,
    write_reports,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import REPORT_FORMATS

GENERATED = datetime(2026, 11, 21, 10, 30, tzinfo=timezone.utc)
NAMES = {
    "json": "license-audit.json",
    "csv": "license-audit.csv",
    "html": "license-audit.html",
    "junit": "license-audit-junit.xml",
    "markdown": "license-audit.md",
    "prometheus": "license-audit.prom",
}


def make_report(hosts=("win-1", "win-2")) -> dict:
    return build_report(verdicts(list(hosts), {}, {}), {}, GENERATED, "licensing.windows 0.1.0")


def listing(directory) -> list[str]:
    return sorted(os.listdir(directory))


def test_every_format_is_written_under_its_name(tmp_path):
    report = make_report()
    dest = tmp_path / "reports" / "nested"
    paths = write_reports(report, dest, REPORT_FORMATS)
    assert paths == {fmt: str(dest / name) for fmt, name in NAMES.items()}
    assert listing(dest) == sorted(NAMES.values())
    assert (dest / "license-audit.json").read_text(encoding="utf-8") == render_json(report)
    assert (dest / "license-audit.html").read_text(encoding="utf-8") == render_html(report)
    assert (dest / "license-audit-junit.xml").read_text(encoding="utf-8") == render_junit(report)
    assert (dest / "license-audit.md").read_text(encoding="utf-8") == render_markdown(report)
    assert (dest / "license-audit.prom").read_text(encoding="utf-8") == render_prometheus(report)
    raw_csv = (dest / "license-audit.csv").read_bytes()
    assert raw_csv.startswith(b"\xef\xbb\xbf")  # so that Excel reads UTF-8
    assert raw_csv.decode("utf-8-sig") == render_csv(report)
    assert load_report(dest / "license-audit.json") == report
    for name in NAMES.values():
        assert stat.S_IMODE(os.stat(dest / name).st_mode) == 0o644


def test_only_the_requested_formats_are_written(tmp_path):
    paths = write_reports(make_report(), tmp_path, ["junit", "json", "junit"], mode=0o600)
    assert list(paths) == ["json", "junit"]
    assert listing(tmp_path) == ["license-audit-junit.xml", "license-audit.json"]
    assert stat.S_IMODE(os.stat(tmp_path / "license-audit.json").st_mode) == 0o600


def test_report_paths_compute_without_writing(tmp_path):
    dest = tmp_path / "not-yet"
    assert report_paths(dest, ["markdown", "csv"]) == {"csv": str(dest / "license-audit.csv"), "markdown": str(dest / "license-audit.md")}
    assert not dest.exists()


@pytest.mark.parametrize(
    "formats, message",
    [
        (["json", "pdf"], "formats: unknown format 'pdf'; expected some of json, csv, html, junit, markdown, prometheus"),
        ("json", "formats: expected a list of formats (some of json, csv, html, junit, markdown, prometheus), got 'json'"),
        ([], "formats: expected at least one of json, csv, html, junit, markdown, prometheus"),
        (None, "formats: expected a list of formats (some of json, csv, html, junit, markdown, prometheus), got None"),
    ],
)
def test_formats_are_validated(tmp_path, formats, message):
    with pytest.raises(ReportError) as caught:
        write_reports(make_report(), tmp_path, formats)
    assert str(caught.value) == message
    assert listing(tmp_path) == []


def test_formats_are_deduplicated_in_a_fixed_order():
    assert check_formats(("markdown", "json", "markdown", "html")) == ["json", "html", "markdown"]


def previous_reports(tmp_path) -> dict:
    """A directory holding the reports of an earlier run."""
    old = make_report(("old-host",))
    write_reports(old, tmp_path, REPORT_FORMATS)
    return {name: (tmp_path / name).read_bytes() for name in NAMES.values()}


def test_failure_in_the_middle_of_a_write_keeps_the_previous_file(tmp_path, monkeypatch):
    before = previous_reports(tmp_path)
    real_fdopen = os.fdopen

    class DiskFull:
        """Writes half of what it is given, then fails like a full disk."""

        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()
            return False

        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            raise OSError(28, "No space left on device")

        def flush(self):
            self.handle.flush()

        def fileno(self):
            return self.handle.fileno()

    monkeypatch.setattr(report_writer.os, "fdopen", lambda fd, mode: DiskFull(real_fdopen(fd, mode)))
    with pytest.raises(OSError, match="No space left on device"):
        write_reports(make_report(("new-host",)), tmp_path, REPORT_FORMATS)
    assert listing(tmp_path) == sorted(NAMES.values())  # no temporary file left behind
    assert {name: (tmp_path / name).read_bytes() for name in NAMES.values()} == before
    assert load_report(tmp_path / "license-audit.json")["hosts"][0]["host"] == "old-host"


def test_failure_to_flush_keeps_the_previous_file(tmp_path, monkeypatch):
    before = previous_reports(tmp_path)

    def broken_fsync(_descriptor):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(report_writer.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="Input/output error"):
        write_reports(make_report(("new-host",)), tmp_path, ["json"])
    assert listing(tmp_path) == sorted(NAMES.values())
    assert (tmp_path / "license-audit.json").read_bytes() == before["license-audit.json"]


def test_a_failed_rename_leaves_earlier_formats_new_and_later_ones_old(tmp_path, monkeypatch):
    before = previous_reports(tmp_path)
    real_replace = os.replace

    def replace(source, target):
        if str(target).endswith("license-audit.html"):
            raise PermissionError(13, "Permission denied", str(target))
        real_replace(source, target)

    monkeypatch.setattr(report_writer.os, "replace", replace)
    with pytest.raises(PermissionError):
        write_reports(make_report(("new-host",)), tmp_path, REPORT_FORMATS)
    assert listing(tmp_path) == sorted(NAMES.values())
    assert load_report(tmp_path / "license-audit.json")["hosts"][0]["host"] == "new-host"  # json comes before html
    assert (tmp_path / "license-audit.html").read_bytes() == before["license-audit.html"]  # intact, not truncated
    assert (tmp_path / "license-audit.md").read_bytes() == before["license-audit.md"]  # never reached
    assert (tmp_path / "license-audit.prom").read_bytes() == before["license-audit.prom"]  # never reached


def test_a_rendering_error_writes_nothing(tmp_path, monkeypatch):
    before = previous_reports(tmp_path)

    def broken(_report, _context):
        raise RuntimeError("template error")

    monkeypatch.setitem(report_writer.RENDERERS, "markdown", broken)
    with pytest.raises(RuntimeError):
        write_reports(make_report(("new-host",)), tmp_path, REPORT_FORMATS)
    assert {name: (tmp_path / name).read_bytes() for name in NAMES.values()} == before


def test_destination_that_is_a_file_fails_with_os_error(tmp_path):
    target = tmp_path / "reports"
    target.write_text("not a directory")
    with pytest.raises(OSError):
        write_reports(make_report(), target, ["json"])
    assert target.read_text() == "not a directory"


def test_stale_temporaries_of_a_killed_run_are_removed_and_fresh_ones_kept(tmp_path):
    stale = tmp_path / ".license-audit.json.abc123.tmp"
    fresh = tmp_path / ".license-audit.csv.def456.tmp"
    foreign = tmp_path / ".somebody-else.json.tmp"
    for path in (stale, fresh, foreign):
        path.write_text("partial", encoding="utf-8")
    old = os.path.getmtime(stale) - report_writer.STALE_TEMPORARY_SECONDS - 10
    os.utime(stale, (old, old))
    os.utime(foreign, (old, old))
    assert report_writer.remove_stale_temporaries(str(tmp_path)) == [stale.name]
    assert not stale.exists() and fresh.exists() and foreign.exists()
