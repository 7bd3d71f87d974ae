# -*- coding: utf-8 -*-
# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The JUnit XML report, license-audit-junit.xml: one test case per host, for CI systems.

FOR INTERNAL COLLECTION USE ONLY. This file is not part of the collection's public API:
names may change or go in any release, without notice or deprecation.

A compliant host passes, a noncompliant host is a <failure> and a host that could not
be judged is an <error>, so Jenkins, GitLab and Azure Pipelines show the audit as a
test run. ElementTree does the escaping; characters that XML 1.0 cannot hold at all
(most control characters) are removed before they reach it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SUITE_NAME = "licensing.windows.license_audit"
CASE_CLASSNAME = "license_audit"

# Everything outside the XML 1.0 Char production.
_NOT_XML_CHAR = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value) -> str:
    """``value`` as text that XML 1.0 can hold."""
    return _NOT_XML_CHAR.sub("", "" if value is None else str(value))


def _details(verdict: dict) -> str:
    lines = [verdict["summary"], "", "Reasons: " + (", ".join(verdict["reasons"]) or "none")]
    if verdict["error"]:
        lines.append(f"Error {verdict['error']['code']}: {verdict['error']['message']}")
    if verdict["remediation"]:
        lines += ["", "Remediation:"]
        lines += [f"{number}. {step}" for number, step in enumerate(verdict["remediation"], start=1)]
    return "\n".join(lines)


def _waived(verdict: dict) -> bool:
    return verdict["waiver"] is not None and verdict["waiver"]["state"] == "active"


def render_junit(report: dict) -> str:
    """The report as JUnit XML: <testsuites> holding one <testsuite> with a <testcase> per host.

    A noncompliant host is a failure and an unknown one an error, unless an active waiver
    covers it: then it is skipped, with the justification, so the waiver's decision reaches
    the CI page as well. A host gone since the baseline is a skipped test case of its own.
    """
    hosts = report["hosts"]
    gone = (report["baseline"] or {}).get("gone", [])
    counts = {
        "tests": str(len(hosts) + len(gone)),
        "failures": str(sum(1 for verdict in hosts if verdict["status"] == "noncompliant" and not _waived(verdict))),
        "errors": str(sum(1 for verdict in hosts if verdict["status"] == "unknown" and not _waived(verdict))),
        "skipped": str(sum(1 for verdict in hosts if _waived(verdict)) + len(gone)),
        "time": "0",
    }
    root = ET.Element("testsuites", {"name": SUITE_NAME, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": SUITE_NAME, **counts, "timestamp": xml_text(report["generated_at"])})
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", {"name": "generator", "value": xml_text(report["generator"])})
    for name, value in report["policy"].items():
        shown = ",".join(str(item) for item in value) if isinstance(value, list) else str(value).lower()
        ET.SubElement(properties, "property", {"name": f"policy.{name}", "value": xml_text(shown)})

    if report["baseline"] is not None:
        ET.SubElement(properties, "property", {"name": "baseline.generated_at", "value": xml_text(report["baseline"]["generated_at"])})

    for verdict in hosts:
        case = ET.SubElement(suite, "testcase", {"classname": CASE_CLASSNAME, "name": xml_text(verdict["host"]), "time": "0"})
        if verdict["change"] is not None:
            case_properties = ET.SubElement(case, "properties")
            ET.SubElement(case_properties, "property", {"name": "change", "value": xml_text(verdict["change"])})
        if verdict["status"] == "compliant":
            continue
        if _waived(verdict):
            waiver = verdict["waiver"]
            element = ET.SubElement(case, "skipped", {"message": xml_text(f"waived ({', '.join(waiver['ids'])}): {waiver['justification']}")})
            element.text = xml_text(_details(verdict))
            continue
        if verdict["status"] == "noncompliant":
            element = ET.SubElement(case, "failure", {"message": xml_text(verdict["summary"]), "type": xml_text(",".join(verdict["reasons"]))})
        else:
            error = verdict["error"] or {}
            element = ET.SubElement(
                case,
                "error",
                {"message": xml_text(error.get("message") or verdict["summary"]), "type": xml_text(error.get("code") or ",".join(verdict["reasons"]))},
            )
        element.text = xml_text(_details(verdict))

    for host in gone:
        case = ET.SubElement(suite, "testcase", {"classname": CASE_CLASSNAME, "name": xml_text(host["host"]), "time": "0"})
        ET.SubElement(case, "skipped", {"message": xml_text(f"gone since the baseline (was {host['baseline_status']})")})

    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
