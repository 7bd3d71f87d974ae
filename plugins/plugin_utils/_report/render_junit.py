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


def render_junit(report: dict) -> str:
    """The report as JUnit XML: <testsuites> holding one <testsuite> with a <testcase> per host."""
    by_status = report["summary"]["by_status"]
    counts = {
        "tests": str(report["summary"]["total"]),
        "failures": str(by_status["noncompliant"]),
        "errors": str(by_status["unknown"]),
        "skipped": "0",
        "time": "0",
    }
    root = ET.Element("testsuites", {"name": SUITE_NAME, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": SUITE_NAME, **counts, "timestamp": xml_text(report["generated_at"])})
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", {"name": "generator", "value": xml_text(report["generator"])})
    for name, value in report["policy"].items():
        shown = ",".join(str(item) for item in value) if isinstance(value, list) else str(value).lower()
        ET.SubElement(properties, "property", {"name": f"policy.{name}", "value": xml_text(shown)})

    for verdict in report["hosts"]:
        case = ET.SubElement(suite, "testcase", {"classname": CASE_CLASSNAME, "name": xml_text(verdict["host"]), "time": "0"})
        if verdict["status"] == "compliant":
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

    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
