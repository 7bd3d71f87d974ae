# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Prometheus textfile, license-audit.prom: the audit as gauges for a textfile collector.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

node_exporter's and windows_exporter's textfile collectors read ``*.prom`` files from a
directory and serve them with their own metrics, so an audit that writes this file into
that directory is scraped like any exporter (docs/inventories.md, "Prometheus textfile").

The exposition itself is prometheus-client's (``generate_latest`` over a registry of our
own), not written by hand: escaping, number formatting and the HELP/TYPE lines are the
library's. It is imported only when this format is rendered, so a controller without it
can still write every other format; asking for this one there is a ReportError that says
what to install.

Naming follows the Prometheus conventions: the ``windows_license_audit_`` prefix, base
units in names (seconds, never days), no ``_total`` (nothing here is a counter: every
metric is a gauge that the next audit replaces). The status of a host is a state set, the
windows_exporter ``windows_license_status{state=...}`` way: one series per status, 1 for
the host's status and 0 for the others. Every label value that comes from a host goes
through _text.clean_text first.
"""

from __future__ import annotations

from datetime import datetime, timezone

from ansible_collections.licensing.windows.plugins.plugin_utils._report.model import NO_CONTEXT, RenderContext, ReportError
from ansible_collections.licensing.windows.plugins.plugin_utils._text import FACT_MAX_CHARS, HOST_MAX_CHARS, clean_text
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import CHANGES, REASONS, STATUSES

PREFIX = "windows_license_audit_"
SECONDS_PER_DAY = 86400

# Every metric of the file: name (without the prefix), help text and label names, in the
# order they are written. The per-host ones are left out with per_host_metrics=False.
METRICS = {
    "hosts": ("Hosts in the license audit report.", ()),
    "status_hosts": ("Hosts in the license audit report by verdict status.", ("status",)),
    "method_hosts": ("Hosts in the license audit report by activation method (not_collected: facts never collected).",
                     ("method",)),
    "reason_hosts": ("Hosts in the license audit report with each reason (a host may have several).", ("reason",)),
    "change_hosts": ("Hosts by change since the baseline report (only when the audit had a baseline).", ("change",)),
    "waived_hosts": ("Hosts whose findings are all covered by an active waiver.", ()),
    "duration_seconds": ("How long the license audit took, in seconds (only when known).", ()),
    "last_success_timestamp_seconds": ("When the license audit report was generated, as a Unix time.", ()),
    "host_status": ("Verdict status of each host: 1 for its status, 0 for the others (a state set).",
                    ("host", "status")),
    "host_grace_remaining_seconds": ("Time left in the grace period of each host whose period counts down "
                                     "(GracePeriodRemaining), in whole days as seconds, as of the audit.", ("host",)),
}
PER_HOST_METRICS = ("host_status", "host_grace_remaining_seconds")

MISSING_LIBRARY = (
    "formats: the prometheus format needs the Python package prometheus-client on the controller, "
    "which is not installed ({error}); install it with: pip install prometheus-client "
    "(or leave prometheus out of formats)"
)


def _library():
    """prometheus_client's registry, metric family and exposition, or a ReportError saying how to get them."""
    try:
        # Imported here, not at the top: only this format needs the package.
        # pylint: disable-next=import-outside-toplevel
        from prometheus_client import CollectorRegistry, generate_latest
        # pylint: disable-next=import-outside-toplevel
        from prometheus_client.core import GaugeMetricFamily
    except ImportError as exc:
        raise ReportError(MISSING_LIBRARY.format(error=exc)) from exc
    return CollectorRegistry, GaugeMetricFamily, generate_latest


def unix_time(stamp: str) -> float:
    """``YYYY-MM-DDTHH:MM:SSZ`` (the report's generated_at) as seconds since the epoch."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def host_label(name) -> str:
    return clean_text(name, HOST_MAX_CHARS)


def _distinct_host_labels(hosts: list[dict]) -> list[tuple[str, dict]]:
    """(label, record) for each host; two names that clean to the same label get a ``[n]`` suffix, so no series merges."""
    taken, labelled = set(), []
    for verdict in hosts:
        label = host_label(verdict["host"])
        if label in taken:
            number = 2
            while f"{label} [{number}]" in taken:
                number += 1
            label = f"{label} [{number}]"
        taken.add(label)
        labelled.append((label, verdict))
    return labelled


def _samples(report: dict, context: RenderContext) -> dict[str, list[tuple[tuple, float]]]:
    """Each metric's samples, (label values, value), for the metrics this report has."""
    summary = report["summary"]
    samples: dict[str, list[tuple[tuple, float]]] = {
        "hosts": [((), summary["total"])],
        "status_hosts": [((status,), summary["by_status"].get(status, 0)) for status in STATUSES],
        "method_hosts": [((clean_text(method, FACT_MAX_CHARS),), count) for method, count in summary["by_method"].items()],
        "reason_hosts": [((reason,), summary["by_reason"].get(reason, 0)) for reason in REASONS],
    }
    if report.get("baseline") is not None and summary.get("by_change") is not None:
        samples["change_hosts"] = [((change,), summary["by_change"].get(change, 0)) for change in CHANGES]
    samples["waived_hosts"] = [((), summary.get("waived", 0))]
    if context.duration_seconds is not None:
        samples["duration_seconds"] = [((), float(context.duration_seconds))]
    samples["last_success_timestamp_seconds"] = [((), unix_time(report["generated_at"]))]
    if context.per_host_metrics:
        labelled = _distinct_host_labels(report["hosts"])
        samples["host_status"] = [
            ((label, status), 1 if verdict["status"] == status else 0) for label, verdict in labelled for status in STATUSES
        ]
        # A period that does not count down (a permanent activation: no grace_expires_at) has
        # no series, rather than a 0 that would read as "expired".
        samples["host_grace_remaining_seconds"] = [
            ((label,), verdict["facts"]["grace_days_remaining"] * SECONDS_PER_DAY)
            for label, verdict in labelled
            if verdict["facts"]["grace_days_remaining"] is not None and verdict["facts"]["grace_expires_at"] is not None
        ]
    return samples


class _ReportCollector:  # pylint: disable=too-few-public-methods
    """A prometheus_client collector that yields the report's metric families once."""

    def __init__(self, families):
        self._families = families

    def collect(self):
        return iter(self._families)


def render_prometheus(report: dict, context: RenderContext = NO_CONTEXT) -> str:
    """The report in the Prometheus text exposition format (for a textfile collector); ends in a newline."""
    registry_class, gauge_family, generate_latest = _library()
    families = []
    for name, values in _samples(report, context).items():
        documentation, labels = METRICS[name]
        family = gauge_family(PREFIX + name, documentation, labels=labels)
        for label_values, value in values:
            family.add_metric(list(label_values), float(value))
        families.append(family)
    registry = registry_class(auto_describe=False)
    registry.register(_ReportCollector(families))
    text = generate_latest(registry).decode("utf-8")
    return text if text.endswith("\n") else text + "\n"
