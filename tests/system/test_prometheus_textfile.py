# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""license-audit.prom as Prometheus itself judges it: `promtool check metrics`, and node_exporter's textfile collector.

A report of a few hosts of every status (one waived, one regressed since its baseline) is
built with the collection's report model and written by the report writer, exactly as the
license_report module writes it; promtool (Debian package prometheus) must accept the file
without a single lint complaint, and node_exporter (prometheus-node-exporter), pointed at
the directory with --collector.textfile.directory, must serve its series. Both programs are
installed by `make system-deps`; under CI a missing one fails the test instead of skipping it.
"""

from __future__ import annotations

import importlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from types import SimpleNamespace

import pytest
from conftest import registered_facts as facts
from prometheus_client.parser import text_string_to_metric_families

GENERATED = "2026-11-21T10:30:00Z"
BASELINE_GENERATED = "2026-11-20T10:00:00Z"
DAY = 1440
PREFIX = "windows_license_audit_"


RESULTS = {
    "pc-digital": facts(),
    "pc-retail": facts("product_key", False),
    "pc-grace": facts("not_activated", False, status="oob_grace", grace_remaining_minutes=5 * DAY,
                      grace_expires_at="2026-11-26T10:00:00Z"),
    "lab-retail": facts("product_key", False),
    "pc-offline": {"unreachable": True, "msg": "connection refused"},
    "pc-denied": {"failed": True, "msg": "Access is denied.", "error_code": "access_denied"},
    # A host name a label value must escape: a quote and a backslash.
    'pc-"quoted"\\name': facts(),
}
BASELINE_RESULTS = {**RESULTS, "pc-retail": facts(), "pc-retired": facts()}
WAIVERS = [{"id": "lab-keys", "hosts": ["lab-*"], "justification": "lab machines keep retail keys", "expires": "2027-06-30"}]


def required_program(name: str, package: str) -> str:
    """The program's path; missing, it fails the test under CI (make system-deps installs it) and skips it elsewhere."""
    found = shutil.which(name) or (f"/usr/bin/{name}" if os.access(f"/usr/bin/{name}", os.X_OK) else None)
    if found:
        return found
    message = f"{name} is required (Debian package {package}; `make system-deps` installs it as root)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def collection(collections_path):
    """The collection's report model and writer, imported from the collections tree."""
    if str(collections_path) not in sys.path:
        sys.path.insert(0, str(collections_path))
    base = "ansible_collections.licensing.windows.plugins.plugin_utils"
    return SimpleNamespace(
        model=importlib.import_module(f"{base}._report.model"),
        writer=importlib.import_module(f"{base}._report.writer"),
        render_json=importlib.import_module(f"{base}._report.render_json").render_json,
        verdicts=importlib.import_module(f"{base}._audit.verdict").verdicts,
        normalize_waivers=importlib.import_module(f"{base}._audit.waivers").normalize_waivers,
    )


@pytest.fixture(scope="module")
def report(collection):
    model = collection.model
    baseline = model.build_report(collection.verdicts(list(BASELINE_RESULTS), BASELINE_RESULTS, {}), {},
                                  BASELINE_GENERATED, model.generator_name())
    return model.build_report(collection.verdicts(list(RESULTS), RESULTS, {}), {}, GENERATED, model.generator_name(),
                              baseline=model.load_report(collection.render_json(baseline)),
                              waivers=collection.normalize_waivers(WAIVERS))


def write_textfile(collection, report, directory, **context):
    paths = collection.writer.write_reports(report, directory, ["prometheus"],
                                            context=collection.model.RenderContext(**context))
    assert list(paths) == ["prometheus"]
    assert sorted(os.listdir(directory)) == ["license-audit.prom"]  # no temporary left behind
    return directory / "license-audit.prom"


def promtool_check(promtool: str, path) -> subprocess.CompletedProcess:
    with open(path, "rb") as stdin:
        return subprocess.run([promtool, "check", "metrics"], stdin=stdin, capture_output=True, text=True,
                              timeout=60, check=False)


@pytest.mark.parametrize(
    "context",
    [
        {"duration_seconds": 73.25},
        {"duration_seconds": None, "per_host_metrics": False},
    ],
    ids=["per-host", "fleet-only"],
)
def test_promtool_accepts_the_textfile(collection, report, tmp_path, context):
    promtool = required_program("promtool", "prometheus")
    path = write_textfile(collection, report, tmp_path, **context)
    checked = promtool_check(promtool, path)
    assert (checked.returncode, checked.stdout + checked.stderr) == (0, ""), path.read_text(encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    names = {family.name for family in text_string_to_metric_families(text)}
    assert f"{PREFIX}change_hosts" in names  # the report has a baseline
    assert (f"{PREFIX}host_status" in names) is context.get("per_host_metrics", True)
    assert (f"{PREFIX}duration_seconds" in names) is (context["duration_seconds"] is not None)


def test_promtool_is_a_real_check(tmp_path):
    """The same check rejects what the naming conventions forbid, so a pass above means something."""
    promtool = required_program("promtool", "prometheus")
    bad = tmp_path / "bad.prom"
    bad.write_text("# HELP license_grace_days Days left.\n# TYPE license_grace_days counter\nlicense_grace_days 3\n",
                   encoding="utf-8")
    checked = promtool_check(promtool, bad)
    assert checked.returncode != 0
    assert "license_grace_days" in checked.stdout + checked.stderr


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def scrape(url: str, process: subprocess.Popen, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # loopback only
                return response.read().decode("utf-8")
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_node_exporter_textfile_collector_serves_the_series(collection, report, tmp_path):
    exporter = required_program("prometheus-node-exporter", "prometheus-node-exporter")
    textfiles = tmp_path / "textfile"
    path = write_textfile(collection, report, textfiles, duration_seconds=73.25)
    port = free_port()
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        [exporter, "--collector.disable-defaults", "--collector.textfile",
         f"--collector.textfile.directory={textfiles}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        served = scrape(f"http://127.0.0.1:{port}/metrics", process)
    finally:
        process.terminate()
        try:
            _out, log = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            _out, log = process.communicate()
    samples = {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
               for family in text_string_to_metric_families(served) for sample in family.samples}
    assert samples[("node_textfile_scrape_error", ())] == 0, log
    assert (("node_textfile_mtime_seconds", (("file", str(path)),)) in samples
            or ("node_textfile_mtime_seconds", (("file", path.name),)) in samples), log
    summary = report["summary"]
    assert samples[(f"{PREFIX}hosts", ())] == summary["total"] == len(RESULTS)
    for status, count in summary["by_status"].items():
        assert samples[(f"{PREFIX}status_hosts", (("status", status),))] == count
    assert samples[(f"{PREFIX}change_hosts", (("change", "regressed"),))] == 1
    assert samples[(f"{PREFIX}waived_hosts", ())] == 1
    assert samples[(f"{PREFIX}duration_seconds", ())] == 73.25
    quoted = 'pc-"quoted"\\name'
    assert samples[(f"{PREFIX}host_status", (("host", quoted), ("status", "compliant")))] == 1
    assert samples[(f"{PREFIX}host_grace_remaining_seconds", (("host", "pc-grace"),))] == 5 * 86400
