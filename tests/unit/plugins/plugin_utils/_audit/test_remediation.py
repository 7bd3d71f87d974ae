# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The words of a verdict, driven directly through the FactsView seam: summaries and steps per reason."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible_collections.licensing.windows.plugins.plugin_utils._audit.policy import DEFAULT_POLICY
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.remediation import (
    KMS_CONTACT_REASONS,
    Assessment,
    remediation_steps,
    setting_words,
    summary_line,
    unknown_words,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._text import SUMMARY_MAX_CHARS


def facts(**values):
    """A FactsView: a licensed retail client unless told otherwise."""
    view = {
        "license_status": "licensed", "licensed": True, "reason": None, "reason_text": None, "method": "product_key",
        "channel": "retail", "is_evaluation": False, "is_kms_client": False, "is_server": False,
        "evaluation_end_date": None, "grace_minutes": 0, "kms_host": None, "kms_lookup_domain": None,
    }
    view.update(values)
    return SimpleNamespace(**view)


def assessment(policy=None, minutes_left=None, threshold_days=14, judged_as_client=True, undecided_digital=False):
    return Assessment(policy or DEFAULT_POLICY, minutes_left, threshold_days, judged_as_client, undecided_digital)


def test_setting_words_name_the_policy_setting_and_the_role_variable():
    assert setting_words("min_days_remaining") == "the policy's min_days_remaining (role: license_audit_min_days_remaining)"


@pytest.mark.parametrize("reasons, view, expected", [
    ({"not_digital_entitlement"}, facts(), "Activated with a product key (retail); not a digital entitlement"),
    (set(), facts(method="digital_license", channel="retail"), "Activated with a digital license"),
    ({"evaluation"}, facts(method="evaluation", is_evaluation=True), "evaluation editions are not allowed"),
    ({"kms_unreachable", "not_activated"},
     facts(licensed=False, license_status="notification", method="not_activated", reason="0xC004F074", is_kms_client=True),
     KMS_CONTACT_REASONS["0xC004F074"]),
])
def test_the_summary_says_what_was_found_and_why_it_matters(reasons, view, expected):
    line = summary_line(view, reasons, assessment())
    assert expected in line
    assert "\n" not in line and len(line) <= SUMMARY_MAX_CHARS


@pytest.mark.parametrize("reasons, view, policy, words", [
    ({"not_digital_entitlement"}, facts(), None, [setting_words("entitled_methods"), "Change product key"]),
    ({"not_digital_entitlement"}, facts(is_server=True), None, [setting_words("server_policy"), "slmgr /ipk"]),
    ({"evaluation"}, facts(method="evaluation", is_evaluation=True, is_server=True), None,
     ["DISM /Online /Set-Edition", setting_words("allow_evaluation")]),
    ({"kms_host_unexpected"}, facts(method="kms", is_kms_client=True, kms_host="rogue:1688"),
     {**DEFAULT_POLICY, "expected_kms_hosts": ["kms01:1688"]}, ["rogue:1688", setting_words("expected_kms_hosts"), "kms01:1688"]),
    ({"kms_validity_anomalous"}, facts(method="kms", is_kms_client=True, grace_minutes=400 * 1440), None,
     ["400 days", "at most 180", "KMS38"]),
])
def test_each_reason_has_steps_that_name_what_to_change(reasons, view, policy, words):
    steps = "\n".join(remediation_steps(view, reasons, assessment(policy)))
    for word in words:
        assert word in steps


def test_steps_are_never_repeated():
    steps = remediation_steps(facts(), {"not_digital_entitlement", "grace_expiring"}, assessment(minutes_left=60))
    assert len(steps) == len(set(steps))


@pytest.mark.parametrize("code, fragment", [
    ("timeout", "license_audit_host_timeout"),
    ("access_denied", "Administrators"),
    ("no_windows_product", "product key"),
])
def test_a_host_that_could_not_be_judged_gets_steps_for_its_error(code, fragment):
    summary, steps = unknown_words("collection_failed", code, "the message")
    assert code in summary or "the message" in summary
    assert any(fragment in step for step in steps)
