# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report document (license-audit.json): build it, load it back, merge several.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

The document is described in docs/architecture.md ("Report document"). Every renderer
takes the dictionary built here, so this is the one place where verdicts are checked
and their text made safe (_text.clean_text); a report loaded from a file goes
through the same checks, which is what makes merging files from AWX job slices safe.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import NamedTuple

from ansible_collections.licensing.windows.plugins.plugin_utils._audit.policy import PolicyError, normalize_policy
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.verdict import host_sort_key
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import (
    ACTIVATION_METHODS,
    FACT_KEYS,
    REASONS,
    STATUSES,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._report.changes import (
    HOST_KEYS,
    AnnotationError,
    annotate,
    change_counts,
    clean_baseline_block,
    clean_host_fields,
    clean_waivers_block,
    merge_baseline_blocks,
    merge_waivers_blocks,
    waived_count,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._messages import got, shown, type_word
from ansible_collections.licensing.windows.plugins.plugin_utils._text import (
    ERROR_CODE_MAX_CHARS,
    ERROR_MESSAGE_MAX_CHARS,
    FACT_MAX_CHARS,
    HOST_MAX_CHARS,
    LABEL_MAX_CHARS,
    REMEDIATION_MAX_STEPS,
    REMEDIATION_STEP_MAX_CHARS,
    SUMMARY_MAX_CHARS,
    TRUNCATION_MARKER,
    clean_text,
)

SCHEMA = "licensing.windows.license_audit/2"
# Schema 1 (licensing.windows 0.1.0) has no change, waiver, baseline or waivers fields; such a
# report still loads (as a baseline or for a merge), with those fields null.
READABLE_SCHEMAS = (SCHEMA, "licensing.windows.license_audit/1")
COLLECTION_NAME = "licensing.windows"
# by_method key of hosts whose facts were never collected (unreachable, failed).
NOT_COLLECTED = "not_collected"
# A fleet report of tens of thousands of hosts is a few tens of megabytes.
MAX_REPORT_BYTES = 256 * 1024 * 1024

_FACT_TYPES = {
    "license_status": str,
    "method": str,
    "digital_license": bool,
    "channel": str,
    "edition": str,
    "os_caption": str,
    "is_server": bool,
    "partial_product_key": str,
    "grace_days_remaining": int,
    "grace_expires_at": str,
    "evaluation_end_date": str,
    "kms_host": str,
    "firmware_key_present": bool,
}


class ReportError(ValueError):
    """A report, or the input to one, is not what the report model expects.

    The message names the file (when there is one), the field and what was expected.
    """


class RenderContext(NamedTuple):
    """What some formats show besides the report itself."""

    # Summary records of the audits so far, oldest first, this audit's last (history.py).
    history: tuple = ()
    # How long this audit took, when the caller knows (the role measures it).
    duration_seconds: float | None = None
    # Whether the metrics carry one series per host, or only fleet counts (label cardinality).
    per_host_metrics: bool = True


NO_CONTEXT = RenderContext()


class LoadedReport(dict):
    """A report read by load_report; ``source`` names the file it came from, for messages."""

    source = "report"


@functools.lru_cache(maxsize=None)
def generator_name() -> str:
    """``licensing.windows <version>``, from the installed MANIFEST.json or the source tree's galaxy.yml."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    version = None
    try:
        with open(os.path.join(root, "MANIFEST.json"), encoding="utf-8") as handle:
            version = json.load(handle)["collection_info"]["version"]
    except (OSError, ValueError, KeyError, TypeError):
        try:
            with open(os.path.join(root, "galaxy.yml"), encoding="utf-8") as handle:
                match = re.search(r"^version:\s*['\"]?([^'\"\s#]+)", handle.read(), re.MULTILINE)
            version = match.group(1) if match else None
        except OSError:
            version = None
    return f"{COLLECTION_NAME} {version}" if isinstance(version, str) and version else COLLECTION_NAME


# ---------------------------------------------------------------------------------------
# Field checks
# ---------------------------------------------------------------------------------------


# A report is JSON, so a mapping is "an object" in its messages.
def _kind(value) -> str:
    return type_word(value, mapping="an object")


def _got(value) -> str:
    return got(value, mapping="an object")


def _get(mapping: Mapping, key: str, where: str, expected: str):
    if key not in mapping:
        # "file.json:" prefixes a top-level field, anything else is a path to a nested one.
        field = f"{where} {key}" if where.endswith(":") else f"{where}.{key}"
        raise ReportError(f"{field}: missing; expected {expected}")
    return mapping[key]


def _string(value, where: str, limit: int, *, nullable: bool = False, non_empty: bool = False) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str) or (non_empty and not value.strip()):
        expected = "a non-empty string" if non_empty else "a string"
        if nullable:
            expected += " or null"
        raise ReportError(f"{where}: expected {expected}, got {_got(value)}")
    return clean_text(value, limit)


def _object(value, where: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise ReportError(f"{where}: expected an object, got {_got(value)}")
    return value


def _list(value, where: str, what: str) -> list:
    if isinstance(value, (str, Mapping)) or not isinstance(value, (list, tuple)):
        raise ReportError(f"{where}: expected a list of {what}, got {_got(value)}")
    return list(value)


def _timestamp(value, where: str) -> str:
    """A point in time as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC); naive datetimes are taken as UTC."""
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if not isinstance(moment, datetime):
        raise ReportError(f"{where}: expected an ISO-8601 date and time such as 2026-11-21T10:00:00Z, got {shown(value)}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _policy(value, prefix: str) -> dict:
    """The normalized policy; errors read "<prefix>policy.<field>: ..." like the filter's."""
    if not isinstance(value, Mapping):
        raise ReportError(f"{prefix}policy: expected an object, got {_got(value)}")
    try:
        return normalize_policy(value)
    except PolicyError as exc:
        raise ReportError(f"{prefix}{exc}") from exc


def _facts(value, where: str) -> dict:
    facts = _object(value, where)
    clean = {}
    for key in FACT_KEYS:
        kind = _FACT_TYPES[key]
        # kind() is the type's empty value ("", False, 0), which type_word names as the type.
        expected = f"{type_word(kind())} or null"
        item = _get(facts, key, where, expected)
        if item is None:
            clean[key] = None
        elif kind is str and isinstance(item, str):
            clean[key] = clean_text(item, FACT_MAX_CHARS)
        elif kind is bool and isinstance(item, bool):
            clean[key] = bool(item)
        elif kind is int and isinstance(item, int) and not isinstance(item, bool):
            clean[key] = int(item)
        else:
            raise ReportError(f"{where}.{key}: expected {expected}, got {_got(item)}")
    return clean


def _error(value, where: str) -> dict | None:
    if value is None:
        return None
    error = _object(value, where)
    return {
        "code": _string(_get(error, "code", where, "a string"), f"{where}.code", ERROR_CODE_MAX_CHARS, non_empty=True),
        "message": _string(_get(error, "message", where, "a string"), f"{where}.message", ERROR_MESSAGE_MAX_CHARS),
    }


def _reasons(value, where: str) -> list[str]:
    reasons = set()
    for index, item in enumerate(_list(value, where, "reason codes")):
        if item not in REASONS:
            raise ReportError(f"{where}[{index}]: expected one of {', '.join(REASONS)}, got {_got(item)}")
        reasons.add(str(item))
    return [reason for reason in REASONS if reason in reasons]


def _remediation(value, where: str) -> list[str]:
    steps = _list(value, where, "strings")
    clean = [_string(step, f"{where}[{index}]", REMEDIATION_STEP_MAX_CHARS) for index, step in enumerate(steps)]
    if len(clean) > REMEDIATION_MAX_STEPS:
        dropped = len(clean) - REMEDIATION_MAX_STEPS + 1
        clean = clean[: REMEDIATION_MAX_STEPS - 1] + [f"{TRUNCATION_MARKER} {dropped} more steps"]
    return clean


def clean_verdict(value, where: str) -> dict:
    """A verdict checked field by field, its text made safe; ReportError names the bad field."""
    verdict = _object(value, where)
    status = _get(verdict, "status", where, f"one of {', '.join(STATUSES)}")
    if status not in STATUSES:
        raise ReportError(f"{where}.status: expected one of {', '.join(STATUSES)}, got {_got(status)}")
    clean = {
        "host": _string(_get(verdict, "host", where, "the host name"), f"{where}.host", HOST_MAX_CHARS, non_empty=True),
        "status": str(status),
        "reasons": _reasons(_get(verdict, "reasons", where, "a list of reason codes"), f"{where}.reasons"),
        "summary": _string(_get(verdict, "summary", where, "a string"), f"{where}.summary", SUMMARY_MAX_CHARS),
        "remediation": _remediation(_get(verdict, "remediation", where, "a list of strings"), f"{where}.remediation"),
        "error": _error(_get(verdict, "error", where, "null or an object with code and message"), f"{where}.error"),
        "facts": _facts(_get(verdict, "facts", where, "an object"), f"{where}.facts"),
    }
    try:
        clean.update(clean_host_fields(verdict, where))
    except AnnotationError as exc:
        raise ReportError(str(exc)) from exc
    return clean


# ---------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------


def _method_key(verdict: dict) -> str:
    method = verdict["facts"]["method"]
    if method:
        return method
    return NOT_COLLECTED if verdict["error"] is not None else "unknown"


def summarize(hosts: list[dict], baseline_block: dict | None = None) -> dict:
    """Counts of hosts: total, by status and by reason (every key, zeros included), by method (only those present),
    by change since the baseline (None without one) and how many are waived."""
    by_status = dict.fromkeys(STATUSES, 0)
    by_reason = dict.fromkeys(REASONS, 0)
    methods: dict[str, int] = {}
    for verdict in hosts:
        by_status[verdict["status"]] += 1
        for reason in verdict["reasons"]:
            by_reason[reason] += 1
        key = _method_key(verdict)
        methods[key] = methods.get(key, 0) + 1
    order = {method: index for index, method in enumerate((*ACTIVATION_METHODS, NOT_COLLECTED))}
    by_method = {key: methods[key] for key in sorted(methods, key=lambda key: (order.get(key, len(order)), key))}
    return {
        "total": len(hosts),
        "by_status": by_status,
        "by_method": by_method,
        "by_reason": by_reason,
        "by_change": change_counts(hosts, baseline_block),
        "waived": waived_count(hosts),
    }


def _assemble(hosts: list[dict], policy: dict, generated_at: str, generator: str,
              baseline_block: dict | None = None, waivers_block: dict | None = None) -> dict:
    hosts = sorted(hosts, key=lambda verdict: host_sort_key(verdict["host"]))
    return {
        "schema": SCHEMA,
        "generated_at": generated_at,
        "generator": generator,
        "policy": policy,
        "summary": summarize(hosts, baseline_block),
        "baseline": baseline_block,
        "waivers": waivers_block,
        "hosts": hosts,
    }


def _deduplicate_names(hosts: list[dict]) -> list[dict]:
    """Give distinct names to hosts that only differed in characters the cleaning removed."""
    taken = {verdict["host"] for verdict in hosts}
    seen = set()
    for verdict in hosts:
        name = verdict["host"]
        if name in seen:
            number = 2
            while f"{name} [{number}]" in taken:
                number += 1
            verdict["host"] = f"{name} [{number}]"
            taken.add(verdict["host"])
        seen.add(verdict["host"])
    return hosts


def build_report(verdicts, policy, generated_at, generator, *, baseline=None, waivers=None, groups_of=None) -> dict:
    """The report document for ``verdicts`` (a list, or a dictionary of host name to verdict).

    ``generated_at`` is a datetime or an ISO-8601 string, stored as UTC ``...Z``;
    ``generator`` names the software (see generator_name()). ``baseline`` is an earlier
    report (as load_report returns it) to compare every host with; ``waivers`` are the
    normalized waivers (plugin_utils/_audit/waivers.py) and ``groups_of`` maps each host to
    its inventory groups, for waivers that name groups.
    """
    if isinstance(verdicts, Mapping):
        items = [(f"verdicts[{key!r}]", value) for key, value in verdicts.items()]
    elif isinstance(verdicts, (list, tuple)):
        items = [(f"verdicts[{index}]", value) for index, value in enumerate(verdicts)]
    else:
        raise ReportError(f"verdicts: expected a list of verdicts or a dictionary of host name to verdict, got {_kind(verdicts)}")
    hosts = _deduplicate_names([clean_verdict(value, where) for where, value in items])
    stamp = _timestamp(generated_at, "generated_at")
    hosts, baseline_block, waivers_block = annotate(
        hosts, baseline, waivers, groups_of or {}, date.fromisoformat(stamp[:10]),
        baseline_source=getattr(baseline, "source", None),
    )
    return _assemble(
        hosts,
        _policy(policy, ""),
        stamp,
        _string(generator, "generator", LABEL_MAX_CHARS, non_empty=True),
        baseline_block,
        waivers_block,
    )


# ---------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------


def _reject_duplicate_keys(pairs):
    document = {}
    for key, value in pairs:
        if key in document:
            raise ReportError(f"duplicate key {key!r} in a JSON object")
        document[key] = value
    return document


def _reject_constant(name):
    raise ReportError(f"{name} is not a valid JSON value")


def _read_source(source) -> tuple[str, str]:
    """(name for messages, text) of a path or of the JSON text itself."""
    if isinstance(source, (bytes, bytearray)):
        name, data = "<report text>", bytes(source)
    elif isinstance(source, str) and source.lstrip().startswith("{"):
        return "<report text>", source
    elif isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        try:
            with open(name, "rb") as handle:
                if os.fstat(handle.fileno()).st_size > MAX_REPORT_BYTES:
                    raise ReportError(f"{name}: larger than {MAX_REPORT_BYTES // (1024 * 1024)} MiB; not a license audit report")
                data = handle.read()
        except OSError as exc:
            raise ReportError(f"{name}: cannot read the report: {exc.strerror or exc}") from exc
    else:
        raise ReportError(f"report: expected a file path or the report's JSON text, got {_kind(source)}")
    try:
        return name, data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportError(f"{name}: not UTF-8 text (byte {exc.start}); expected a license-audit.json report") from exc


def _validate_document(document, name: str) -> LoadedReport:
    if not isinstance(document, Mapping):
        raise ReportError(f"{name}: expected a JSON object (a license-audit.json report), got {_kind(document)}")
    if "schema" not in document:
        raise ReportError(f"{name}: not a license audit report: the 'schema' field is missing (expected {SCHEMA!r})")
    if document["schema"] not in READABLE_SCHEMAS:
        raise ReportError(f"{name}: schema: expected one of {', '.join(repr(s) for s in READABLE_SCHEMAS)}, "
                          f"got {shown(document['schema'])}")
    where = f"{name}:"
    summary = _object(_get(document, "summary", where, "an object"), f"{name}: summary")
    if not isinstance(summary.get("total"), int) or isinstance(summary.get("total"), bool):
        raise ReportError(f"{name}: summary.total: expected an integer, got {shown(summary.get('total'))}")
    for key in ("by_status", "by_method", "by_reason"):
        counts = _object(_get(summary, key, f"{name}: summary", "an object"), f"{name}: summary.{key}")
        for label, count in counts.items():
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise ReportError(f"{name}: summary.{key}.{label}: expected a non-negative integer, got {shown(count)}")
    hosts = [
        clean_verdict(value, f"{name}: hosts[{index}]")
        for index, value in enumerate(_list(_get(document, "hosts", where, "a list of verdicts"), f"{name}: hosts", "verdicts"))
    ]
    seen = set()
    for index, verdict in enumerate(hosts):
        if verdict["host"] in seen:
            raise ReportError(f"{name}: hosts[{index}].host: host {verdict['host']!r} appears more than once")
        seen.add(verdict["host"])
    try:
        baseline_block = clean_baseline_block(document.get("baseline"), f"{name}: baseline")
        waivers_block = clean_waivers_block(document.get("waivers"), f"{name}: waivers")
    except AnnotationError as exc:
        raise ReportError(str(exc)) from exc
    # The summary is derived data: it is recomputed from the hosts rather than trusted.
    report = LoadedReport(
        _assemble(
            hosts,
            _policy(_get(document, "policy", where, "an object"), f"{name}: "),
            _timestamp(_get(document, "generated_at", where, "a date and time"), f"{name}: generated_at"),
            _string(_get(document, "generator", where, "a string"), f"{name}: generator", LABEL_MAX_CHARS, non_empty=True),
            baseline_block,
            waivers_block,
        )
    )
    report.source = name
    return report


def load_report(path_or_text) -> LoadedReport:
    """Read and strictly check a license-audit.json report (a path, or the JSON text itself).

    Corrupt JSON, another kind of document, another schema, and missing or ill-typed
    fields raise ReportError naming the file, the field and what was expected. The
    returned report is clean (same checks as build_report), its summary recomputed.
    """
    name, text = _read_source(path_or_text)
    try:
        document = json.loads(text, object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    except ReportError as exc:
        raise ReportError(f"{name}: not a valid report: {exc}") from exc
    except RecursionError as exc:
        raise ReportError(f"{name}: not a valid report: JSON nested too deeply") from exc
    return _validate_document(document, name)


# ---------------------------------------------------------------------------------------
# Merging
# ---------------------------------------------------------------------------------------


def _policy_difference(first: dict, other: dict) -> str:
    differences = [
        f"{key} is {json.dumps(first[key])} in one but {json.dumps(other[key])} in the other"
        for key in first
        if first[key] != other[key]
    ]
    return "; ".join(differences)


def merge_reports(reports) -> tuple[dict, list[str]]:
    """One fleet report from several (for example one per AWX job slice), and the warnings the merge raised.

    The reports must have been made with the same policy (ReportError otherwise, saying
    what differs). A host found in several reports keeps its record from the most
    recent report (the later one in ``reports`` on a tie) and a warning names both.
    The merged report is dated like its most recent source; its summary is recomputed.
    """
    if isinstance(reports, (str, Mapping)) or not isinstance(reports, (list, tuple)) or not reports:
        raise ReportError("merge: expected a list of at least one report")
    checked = []
    for index, report in enumerate(reports):
        if isinstance(report, LoadedReport):
            checked.append(report)
        else:
            checked.append(_validate_document(report, f"report {index + 1}"))

    policy = checked[0]["policy"]
    for report in checked[1:]:
        if report["policy"] != policy:
            raise ReportError(
                f"{report.source} was made with a different policy than {checked[0].source}: "
                f"{_policy_difference(policy, report['policy'])}. Merge only reports made with the same policy."
            )

    chosen: dict[str, tuple] = {}
    sources: dict[str, list[tuple[str, str]]] = {}
    for index, report in enumerate(checked):
        for verdict in report["hosts"]:
            rank = (report["generated_at"], index)
            sources.setdefault(verdict["host"], []).append((report.source, report["generated_at"]))
            if verdict["host"] not in chosen or rank >= chosen[verdict["host"]][0]:
                chosen[verdict["host"]] = (rank, report.source, verdict)

    notes = []
    for host in sorted(sources, key=host_sort_key):
        if len(sources[host]) > 1:
            found = ", ".join(f"{source} ({generated})" for source, generated in sources[host])
            dates = [generated for _source, generated in sources[host]]
            why = "the most recent" if dates.count(max(dates)) == 1 else "the last of the most recent in the list"
            notes.append(f"host {host!r} is in several reports: {found}; kept the record from {chosen[host][1]}, {why}")

    hosts = [entry[2] for entry in chosen.values()]
    merged = _assemble(
        hosts,
        policy,
        max(report["generated_at"] for report in checked),
        generator_name(),
        merge_baseline_blocks([report["baseline"] for report in checked], {verdict["host"] for verdict in hosts}),
        merge_waivers_blocks([report["waivers"] for report in checked]),
    )
    return merged, notes


def reannotate(report: Mapping, *, baseline=None, waivers=None, groups_of=None) -> dict:
    """``report`` compared afresh with ``baseline`` and waived afresh by ``waivers`` (for a merged fleet report)."""
    plain = [{key: value for key, value in verdict.items() if key not in HOST_KEYS} for verdict in report["hosts"]]
    hosts, baseline_block, waivers_block = annotate(
        plain, baseline, waivers, groups_of or {}, date.fromisoformat(report["generated_at"][:10]),
        baseline_source=getattr(baseline, "source", None),
    )
    return _assemble(hosts, report["policy"], report["generated_at"], report["generator"], baseline_block, waivers_block)
