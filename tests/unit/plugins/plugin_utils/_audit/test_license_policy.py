# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: (c) 2026, licensing.windows contributors
"""The audit policy: validation of every knob, and the verdict of every kind of host."""

from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.licensing.windows.plugins.plugin_utils._audit.kms_host import parse_kms_host
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.policy import (
    DEFAULT_POLICY,
    PolicyError,
    normalize_policy,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._audit.verdict import (
    host_sort_key,
    verdict,
    verdicts,
    verdicts_from_mapping,
)
from ansible_collections.licensing.windows.plugins.plugin_utils._vocabulary import FACT_KEYS, REASONS

DAY = 1440
FULL_KEY = "ABCDE-FGHIJ-KLMNO-PQRST-VWXYZ"


def _merge(base: dict, changes: dict) -> dict:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def make_facts(**changes) -> dict:
    """ansible_facts.windows_license of a Windows 11 Pro with a digital license (docs/architecture.md), changed as asked."""
    facts = {
        "schema_version": 1,
        "collected_at": "2026-11-21T10:00:00Z",
        "license_status": "licensed",
        "license_status_code": 1,
        "license_status_reason": "0x4004F401",
        "license_status_reason_text": "the application has a store license",
        "genuine_status": 0,
        "product": {
            "name": "Windows(R), Professional edition",
            "description": "Windows(R) Operating System, RETAIL channel",
            "edition": "Professional",
            "channel": "retail",
            "channel_source": "product_key_channel",
            "partial_product_key": "3V66T",
            "activation_id": "4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c",
            "product_key_id": "00330-80000-00000-AA403",
        },
        "activation": {
            "method": "digital_license",
            "digital_license": True,
            "permanent": True,
            "evidence": ["partial key 3V66T is the generic Windows Pro key and the product is licensed"],
            "microsoft_account_linked": None,
        },
        "grace_remaining_minutes": 0,
        "grace_expires_at": None,
        "evaluation_end_date": None,
        "kms": None,
        "ad_activation": None,
        "token_activation": None,
        "avma": None,
        "subscription": {"edition_id_mismatch": False, "edition_id": "Professional", "license_family": "Professional"},
        "firmware_key": {"present": False, "partial": None, "description": None, "matches_installed": None},
        "add_ons": [],
        "other_products": [],
        "os": {
            "caption": "Microsoft Windows 11 Pro",
            "version": "10.0.22631",
            "build": "22631",
            "edition_id": "Professional",
            "product_type": 1,
            "sku": 48,
            "is_server": False,
        },
        "warnings": [],
        "errors": [],
    }
    return _merge(facts, copy.deepcopy(changes))


def kms_block(**changes) -> dict:
    block = {
        "configured_host": None,
        "configured_port": None,
        "discovered_host": "kms01.corp.example.com",
        "discovered_port": 1688,
        "discovered_ip": "10.0.0.5",
        "lookup_domain": "corp.example.com",
        "activation_interval_minutes": 120,
        "renewal_interval_minutes": 10080,
        "activation_type_configured": "all",
        "activation_type_last": "kms",
        "is_kms_host": False,
    }
    block.update(changes)
    return block


def success(facts: dict) -> dict:
    return {"changed": False, "ansible_facts": {"windows_license": facts}}


def retail_key(**changes) -> dict:
    facts = make_facts(
        license_status_reason="0x00000000",
        license_status_reason_text=None,
        product={"partial_product_key": "7XKQ2"},
        activation={"method": "product_key", "digital_license": False},
    )
    return _merge(facts, copy.deepcopy(changes))


def kms_client(grace_minutes: int = 170 * DAY, **changes) -> dict:
    facts = make_facts(
        license_status_reason="0x00000000",
        license_status_reason_text=None,
        product={"description": "Windows(R) Operating System, VOLUME_KMSCLIENT channel", "channel": "volume_gvlk",
                 "partial_product_key": "T83GX"},
        activation={"method": "kms", "digital_license": False, "permanent": False},
        grace_remaining_minutes=grace_minutes,
        kms=kms_block(),
    )
    if "kms" in changes:
        facts["kms"] = None  # a whole new block, not merged into the default one
    return _merge(facts, copy.deepcopy(changes))


def server(facts: dict) -> dict:
    return _merge(facts, {"os": {"caption": "Microsoft Windows Server 2022 Standard", "is_server": True, "product_type": 3,
                                 "sku": 7, "edition_id": "ServerStandard"}})


def judge(facts: dict, **policy) -> dict:
    return verdict("win-01", success(facts), policy)


# ---------------------------------------------------------------------------------------
# Policy validation
# ---------------------------------------------------------------------------------------


def test_empty_and_missing_policies_take_every_default():
    assert normalize_policy({}) == DEFAULT_POLICY
    assert normalize_policy(None) == DEFAULT_POLICY
    assert normalize_policy({key: None for key in DEFAULT_POLICY}) == DEFAULT_POLICY
    assert DEFAULT_POLICY == {
        "entitled_methods": ["digital_license", "subscription", "oem_firmware_key"],
        "server_policy": "any_activation",
        "min_days_remaining": 14,
        "allow_evaluation": False,
        "expected_kms_hosts": [],
    }


def test_defaults_are_not_shared_between_calls():
    first = normalize_policy({})
    first["entitled_methods"].append("kms")
    assert normalize_policy({})["entitled_methods"] == ["digital_license", "subscription", "oem_firmware_key"]


def test_policy_is_normalized_to_a_canonical_form():
    policy = normalize_policy({
        "entitled_methods": ["Subscription", "digital_license", " kms ", "digital_license"],
        "server_policy": "Entitled_Methods",
        "min_days_remaining": "7",
        "allow_evaluation": "yes",
        "expected_kms_hosts": ["KMS02.corp.example.com.", "kms01.corp.example.com:1689", "kms02.corp.example.com:1688",
                               "[FE80::1]", "10.0.0.5"],
    })
    assert policy == {
        "entitled_methods": ["digital_license", "subscription", "kms"],
        "server_policy": "entitled_methods",
        "min_days_remaining": 7,
        "allow_evaluation": True,
        "expected_kms_hosts": ["10.0.0.5:1688", "[fe80::1]:1688", "kms01.corp.example.com:1689", "kms02.corp.example.com:1688"],
    }
    # Same meaning, same dictionary: what merging reports relies on.
    assert normalize_policy(policy) == policy


@pytest.mark.parametrize(
    "policy, message",
    [
        ({"min_days_remaining": -3}, "policy.min_days_remaining: expected a non-negative integer, got -3"),
        ({"min_days_remaining": True}, "policy.min_days_remaining: expected a non-negative integer, got True"),
        ({"min_days_remaining": 1.5}, "policy.min_days_remaining: expected a non-negative integer, got 1.5"),
        ({"min_days_remaining": "two weeks"}, "policy.min_days_remaining: expected a non-negative integer, got 'two weeks'"),
        ({"entitled_methods": "digital_license"},
         "policy.entitled_methods: expected a list of activation methods, got a string 'digital_license'"),
        ({"entitled_methods": []},
         "policy.entitled_methods: expected at least one activation method (for example digital_license), got an empty list"),
        ({"entitled_methods": ["digital_license", "hwid"]},
         "policy.entitled_methods[1]: unknown activation method 'hwid'; expected some of digital_license, subscription, "
         "oem_firmware_key, product_key, volume_mak, kms, ad_based, token, avma, kms_host"),
        ({"entitled_methods": ["not_activated"]},
         "policy.entitled_methods[0]: unknown activation method 'not_activated'; expected some of digital_license, "
         "subscription, oem_firmware_key, product_key, volume_mak, kms, ad_based, token, avma, kms_host"),
        ({"entitled_methods": ["evaluation"]},
         "policy.entitled_methods[0]: 'evaluation' is not an entitlement; set policy.allow_evaluation to true to accept "
         "running evaluation editions"),
        ({"entitled_methods": [7]}, "policy.entitled_methods[0]: expected an activation method name, got an integer 7"),
        ({"server_policy": "strict"}, "policy.server_policy: expected one of any_activation, entitled_methods, got a string 'strict'"),
        ({"allow_evaluation": "maybe"}, "policy.allow_evaluation: expected a boolean (true or false), got a string 'maybe'"),
        ({"allow_evaluation": 1}, "policy.allow_evaluation: expected a boolean (true or false), got an integer 1"),
        ({"expected_kms_hosts": "kms01"},
         "policy.expected_kms_hosts: expected a list of KMS host names or host:port strings (empty for any host), got a "
         "string 'kms01'"),
        ({"expected_kms_hosts": ["kms 01"]},
         "policy.expected_kms_hosts[0]: expected a host name, address or host:port such as kms01.example.com:1688, got a "
         "string 'kms 01'"),
        ({"expected_kms_hosts": ["ok.example.com", "kms01:99999"]},
         "policy.expected_kms_hosts[1]: expected a host name, address or host:port such as kms01.example.com:1688, got a "
         "string 'kms01:99999'"),
        ({"expected_kms_hosts": ["kms01:"]},
         "policy.expected_kms_hosts[0]: expected a host name, address or host:port such as kms01.example.com:1688, got a "
         "string 'kms01:'"),
        ({"expected_kms_hosts": [""]},
         "policy.expected_kms_hosts[0]: expected a host name, address or host:port such as kms01.example.com:1688, got a "
         "string ''"),
        ({"expected_kms_hosts": [None]},
         "policy.expected_kms_hosts[0]: expected a host name, address or host:port such as kms01.example.com:1688, got "
         "null None"),
        ({"colour": "blue"},
         "policy: unknown setting 'colour'; expected some of allow_evaluation, entitled_methods, expected_kms_hosts, "
         "min_days_remaining, server_policy"),
        ({"colour": 1, "size": 2},
         "policy: unknown settings 'colour', 'size'; expected some of allow_evaluation, entitled_methods, "
         "expected_kms_hosts, min_days_remaining, server_policy"),
        (["digital_license"], "policy: expected a dictionary of policy settings, got a list ['digital_license']"),
    ],
)
def test_bad_policies_are_rejected_with_the_field_and_what_is_expected(policy, message):
    with pytest.raises(PolicyError) as caught:
        normalize_policy(policy)
    assert str(caught.value) == message


def test_verdict_validates_the_policy_too():
    with pytest.raises(PolicyError, match=r"^policy\.min_days_remaining: expected a non-negative integer, got -1$"):
        verdict("win-01", success(make_facts()), {"min_days_remaining": -1})


@pytest.mark.parametrize(
    "text, expected",
    [
        ("kms01", ("kms01", 1688)),
        ("KMS01.Corp.Example.COM.", ("kms01.corp.example.com", 1688)),
        ("kms01:1689", ("kms01", 1689)),
        ("10.0.0.5:1688", ("10.0.0.5", 1688)),
        ("[2001:DB8::5]:1700", ("2001:db8::5", 1700)),
        ("2001:db8::5", ("2001:db8::5", 1688)),
        ("kms_01.example.com", ("kms_01.example.com", 1688)),
        ("kms01:0", None),
        ("kms01:65536", None),
        ("kms01:port", None),
        ("-kms01", None),
        ("kms..example.com", None),
        ("[not-an-address]:1688", None),
        ("a" * 254, None),
        ("http://kms01", None),
    ],
)
def test_kms_host_parsing(text, expected):
    assert parse_kms_host(text) == expected


# ---------------------------------------------------------------------------------------
# Verdicts of collected hosts
# ---------------------------------------------------------------------------------------


def test_digital_license_client_is_compliant_with_the_full_verdict_shape():
    result = judge(make_facts())
    assert result == {
        "host": "win-01",
        "status": "compliant",
        "reasons": [],
        "summary": "Activated with a digital license",
        "remediation": [],
        "error": None,
        "facts": {
            "license_status": "licensed",
            "method": "digital_license",
            "digital_license": True,
            "channel": "retail",
            "edition": "Professional",
            "os_caption": "Microsoft Windows 11 Pro",
            "is_server": False,
            "partial_product_key": "3V66T",
            "grace_days_remaining": 0,
            "grace_expires_at": None,
            "evaluation_end_date": None,
            "kms_host": None,
            "firmware_key_present": False,
        },
    }
    assert tuple(result["facts"]) == FACT_KEYS
    json.dumps(result)  # a fact Ansible stores must be plain JSON


@pytest.mark.parametrize("method", ["subscription", "oem_firmware_key"])
def test_default_entitled_methods_are_compliant(method):
    result = judge(make_facts(activation={"method": method, "digital_license": None}))
    assert (result["status"], result["reasons"]) == ("compliant", [])


def test_product_key_client_is_not_a_digital_entitlement():
    result = judge(retail_key())
    assert result["status"] == "noncompliant"
    assert result["reasons"] == ["not_digital_entitlement"]
    assert result["summary"] == "Activated with a product key (retail); not a digital entitlement"
    steps = "\n".join(result["remediation"])
    for words in ("Settings > Accounts > Your info", "Microsoft account", "administrator", "Settings > System > Activation",
                  "Windows is activated with a digital license", "Change product key", "Troubleshoot",
                  "add product_key to the policy's entitled_methods (role: license_audit_entitled_methods)"):
        assert words in steps
    assert result["error"] is None


def test_oem_product_key_names_its_channel():
    result = judge(retail_key(product={"channel": "oem_slp", "description": "Windows(R) Operating System, OEM_SLP channel"}))
    assert result["summary"] == "Activated with a product key (OEM); not a digital entitlement"


def test_entitling_a_method_makes_it_compliant():
    assert judge(retail_key(), entitled_methods=["digital_license", "product_key"])["status"] == "compliant"


def test_tightened_policy_rejects_the_firmware_key():
    facts = make_facts(activation={"method": "oem_firmware_key", "digital_license": False}, firmware_key={"present": True})
    result = judge(facts, entitled_methods=["digital_license", "subscription"])
    assert result["reasons"] == ["not_digital_entitlement"]
    assert "add oem_firmware_key to the policy's entitled_methods (role: license_audit_entitled_methods)" in result["remediation"][-1]
    assert result["facts"]["firmware_key_present"] is True


def test_a_digital_license_behind_another_method_counts_as_digital():
    facts = make_facts(activation={"method": "oem_firmware_key", "digital_license": True})
    assert judge(facts, entitled_methods=["digital_license"])["status"] == "compliant"


@pytest.mark.parametrize("method", ["oem_firmware_key", "product_key"])
def test_undecidable_digital_license_is_unknown_when_it_matters(method):
    facts = make_facts(activation={"method": method, "digital_license": None})
    result = judge(facts, entitled_methods=["digital_license"])
    assert (result["status"], result["reasons"]) == ("unknown", ["unclassified"])
    assert "cannot tell whether it carries a digital license" in result["summary"]
    assert "Settings > System > Activation" in result["remediation"][0]
    assert result["error"] is None


def test_undecidable_digital_license_does_not_matter_when_digital_is_not_entitled():
    facts = make_facts(activation={"method": "product_key", "digital_license": None})
    assert judge(facts, entitled_methods=["subscription"])["reasons"] == ["not_digital_entitlement"]


def test_methods_that_are_never_digital_are_not_undecidable():
    facts = kms_client()
    facts["activation"]["digital_license"] = None
    assert judge(facts)["reasons"] == ["not_digital_entitlement"]


def test_server_is_judged_by_any_activation_by_default():
    result = judge(server(retail_key()))
    assert result["status"] == "compliant"
    assert result["summary"] == "Activated with a product key (retail); Windows Server: any activation accepted"
    assert result["facts"]["is_server"] is True


def test_server_judged_by_entitled_methods_gets_server_remediation():
    result = judge(server(retail_key()), server_policy="entitled_methods")
    assert result["reasons"] == ["not_digital_entitlement"]
    assert result["summary"] == "Activated with a product key (retail); not an entitled activation method"
    steps = "\n".join(result["remediation"])
    assert "Windows Server has no digital licenses" in steps
    assert "license_audit_server_policy" in steps
    assert "Your info" not in steps  # Server has no Microsoft-account path to a digital license


def test_unknown_server_flag_is_judged_as_a_client():
    facts = retail_key()
    facts["os"]["is_server"] = None
    assert judge(facts)["reasons"] == ["not_digital_entitlement"]


def test_not_activated_explains_the_error_code_from_the_facts():
    facts = make_facts(
        license_status="unlicensed",
        license_status_code=0,
        license_status_reason="0xC004F014",
        license_status_reason_text="the product key is not available",
        activation={"method": "not_activated", "digital_license": False},
    )
    result = judge(facts)
    assert (result["status"], result["reasons"]) == ("noncompliant", ["not_activated"])
    assert result["summary"] == "Not activated (unlicensed, 0xC004F014: the product key is not available)"
    steps = "\n".join(result["remediation"])
    assert "0xC004F014: the product key is not available" in steps
    assert "No product key is installed" in steps
    assert "Settings > System > Activation" in steps and "slmgr /ato" in steps


@pytest.mark.parametrize(
    "grace_minutes, reasons",
    [(10 * DAY, ["not_activated", "grace_expiring"]), (20 * DAY, ["not_activated"]), (0, ["not_activated"])],
)
def test_grace_period_running_out_is_flagged(grace_minutes, reasons):
    facts = make_facts(license_status="oob_grace", license_status_reason="0x4004F00C",
                       activation={"method": "not_activated", "digital_license": False}, grace_remaining_minutes=grace_minutes)
    result = judge(facts)
    assert result["reasons"] == reasons
    assert result["summary"].startswith("Not activated (initial grace period, 0x4004F00C")


@pytest.mark.parametrize(
    "grace_minutes, min_days, flagged",
    [
        (14 * DAY, 14, False),       # exactly the minimum is enough
        (14 * DAY - 1, 14, True),    # a minute less is not
        (1, 0, False),               # 0 turns the check off
        (30 * DAY, 31, True),
    ],
)
def test_min_days_remaining_boundary(grace_minutes, min_days, flagged):
    result = judge(server(kms_client(grace_minutes)), min_days_remaining=min_days)
    assert ("grace_expiring" in result["reasons"]) is flagged
    assert result["status"] == ("noncompliant" if flagged else "compliant")


def test_grace_expiring_on_a_kms_client_points_at_the_kms_host():
    result = judge(server(kms_client(5 * DAY)))
    assert result["reasons"] == ["grace_expiring"]
    assert result["summary"] == "Activated with KMS host kms01.corp.example.com:1688; ends in 5 days, fewer than the 14 required"
    steps = "\n".join(result["remediation"])
    assert "nslookup -type=srv _vlmcs._tcp.corp.example.com" in steps
    assert "Test-NetConnection kms01.corp.example.com -Port 1688" in steps
    assert result["facts"]["grace_days_remaining"] == 5


def test_avma_guests_are_not_flagged_for_their_short_validity():
    facts = server(make_facts(activation={"method": "avma", "digital_license": False}, grace_remaining_minutes=6 * DAY))
    assert judge(facts)["status"] == "compliant"
    facts["grace_remaining_minutes"] = DAY
    result = judge(facts)
    assert result["reasons"] == ["grace_expiring"]
    assert "fewer than the 2 required" in result["summary"]
    assert "Hyper-V host" in "\n".join(result["remediation"])


def evaluation(**changes) -> dict:
    facts = make_facts(
        product={"description": "Windows(R) Operating System, TIMEBASED_EVAL channel", "channel": "retail_tb_eval",
                 "edition": "ServerStandardEval"},
        activation={"method": "evaluation", "digital_license": False, "permanent": False},
        license_status_reason="0x4004FC04",
        grace_remaining_minutes=100 * DAY,
        evaluation_end_date="2027-03-01T00:00:00Z",
    )
    return _merge(facts, copy.deepcopy(changes))


def test_evaluation_is_flagged_unless_allowed():
    result = judge(server(evaluation()))
    assert (result["status"], result["reasons"]) == ("noncompliant", ["evaluation"])
    # 100 days of grace, but the end date comes first: 99.6 days after collection, 99 whole days.
    assert result["summary"] == "Evaluation edition (ends 2027-03-01); 99 days left; evaluation editions are not allowed"
    steps = "\n".join(result["remediation"])
    assert "DISM /Online /Set-Edition" in steps and "license_audit_allow_evaluation" in steps
    assert "reinstall" not in steps  # the client-only advice is not given to a server
    assert judge(server(evaluation()), allow_evaluation=True)["status"] == "compliant"


def test_client_evaluation_is_told_to_reinstall():
    steps = "\n".join(judge(evaluation())["remediation"])
    assert "cannot be converted: reinstall" in steps and "DISM" not in steps


def test_allowed_evaluation_ending_soon_counts_down_to_its_end_date():
    # Collected 2026-11-21T10:00Z, ends 2026-11-30T00:00Z: 8 whole days, though the grace says 100.
    facts = server(evaluation(evaluation_end_date="2026-11-30T00:00:00Z"))
    result = judge(facts, allow_evaluation=True)
    assert result["reasons"] == ["grace_expiring"]
    assert "ends in 8 days, fewer than the 14 required" in result["summary"]


def test_expired_evaluation_is_not_activated_and_evaluation():
    facts = server(evaluation(license_status="notification", license_status_reason="0xC004FC07",
                              license_status_reason_text="the evaluation ended", grace_remaining_minutes=0,
                              activation={"method": "not_activated"}))
    assert judge(facts)["reasons"] == ["not_activated", "evaluation"]
    assert judge(facts, allow_evaluation=True)["reasons"] == ["not_activated"]
    assert "The evaluation period has ended" in "\n".join(judge(facts)["remediation"])


@pytest.mark.parametrize("reason", ["0xC004F074", "0xC004F038", "0xC004F039", "0xC004F041", "0xC004F042", "0xC004F056",
                                    "0x8007232B"])
def test_kms_client_that_cannot_reach_its_kms_host(reason):
    facts = kms_client(0, license_status="notification", license_status_reason=reason,
                       activation={"method": "not_activated", "permanent": False})
    result = judge(facts)
    assert result["reasons"] == ["not_activated", "kms_unreachable"]
    steps = "\n".join(result["remediation"])
    for words in ("_vlmcs._tcp", "1688", "slmgr /skms", "slmgr /ato", reason):
        assert words in steps


def test_kms_reason_given_as_a_number_is_understood():
    facts = kms_client(0, license_status="notification", license_status_reason=3221549172,
                       activation={"method": "not_activated"})
    assert judge(facts)["reasons"] == ["not_activated", "kms_unreachable"]


def test_unlicensed_kms_client_recognised_by_its_kms_block_alone():
    facts = kms_client(0, license_status="notification", license_status_reason="0xC004F074",
                       product={"description": "Windows(R) Operating System", "channel": None},
                       activation={"method": "not_activated"})
    assert judge(facts)["reasons"] == ["not_activated", "kms_unreachable"]


def test_kms_error_on_a_host_that_is_not_a_kms_client_is_just_not_activated():
    facts = retail_key(license_status="notification", license_status_reason="0xC004F074",
                       activation={"method": "not_activated"})
    assert judge(facts)["reasons"] == ["not_activated"]


@pytest.mark.parametrize(
    "kms, expected, flagged",
    [
        (kms_block(), ["KMS01.corp.example.com"], False),
        (kms_block(discovered_host="kms01.corp.example.com."), ["kms01.corp.example.com:1688"], False),
        (kms_block(), ["kms02.corp.example.com"], True),
        (kms_block(), ["kms01.corp.example.com:1689"], True),
        (kms_block(discovered_host=None), ["10.0.0.5"], False),  # found by address
        (kms_block(configured_host="KMS09.corp.example.com", configured_port=0), ["kms09.corp.example.com"], False),
        (kms_block(configured_host="kms09.corp.example.com", configured_port=1700), ["kms09.corp.example.com"], True),
        (kms_block(configured_host="rogue.example.net", configured_port=1688), ["kms01.corp.example.com"], True),
        (kms_block(discovered_host=None, discovered_ip=None), ["kms01.corp.example.com"], True),
        (kms_block(discovered_host="kms02.corp.example.com"), [], False),  # empty list: any host
    ],
)
def test_expected_kms_hosts(kms, expected, flagged):
    result = judge(server(kms_client(kms=kms)), expected_kms_hosts=expected)
    assert ("kms_host_unexpected" in result["reasons"]) is flagged
    if flagged:
        assert "license_audit_expected_kms_hosts" in result["remediation"][0]


def test_unexpected_kms_host_without_a_name_says_so():
    result = judge(server(kms_client(kms=kms_block(discovered_host=None, discovered_ip=None))),
                   expected_kms_hosts=["kms01.corp.example.com"])
    assert "KMS host not reported is not an expected KMS host" in result["summary"]
    assert result["facts"]["kms_host"] is None


@pytest.mark.parametrize("grace_minutes, flagged", [(180 * DAY, False), (180 * DAY + 1, True), (4380 * DAY, True)])
def test_kms_validity_longer_than_180_days_is_anomalous(grace_minutes, flagged):
    result = judge(server(kms_client(grace_minutes)))
    assert ("kms_validity_anomalous" in result["reasons"]) is flagged
    if flagged:
        assert "KMS38" in "\n".join(result["remediation"])
        assert result["status"] == "noncompliant"


def test_reasons_come_in_the_documented_order():
    result = judge(kms_client(4380 * DAY), expected_kms_hosts=["kms09.example.com"])
    assert result["reasons"] == ["not_digital_entitlement", "kms_host_unexpected", "kms_validity_anomalous"]
    assert result["reasons"] == [reason for reason in REASONS if reason in result["reasons"]]


@pytest.mark.parametrize("method", ["unknown", None])
def test_licensed_host_with_an_unrecognised_method_is_unknown(method):
    facts = make_facts(activation={"method": method, "digital_license": None})
    result = judge(facts)
    assert (result["status"], result["reasons"], result["error"]) == ("unknown", ["unclassified"], None)
    assert "slmgr /dlv" in result["remediation"][0]


def test_missing_license_status_is_unclassified():
    result = judge(make_facts(license_status=None))
    assert (result["status"], result["reasons"]) == ("unknown", ["unclassified"])
    assert result["summary"].startswith("License status not reported")


def test_a_definite_problem_wins_over_unclassified():
    facts = make_facts(activation={"method": "unknown"}, grace_remaining_minutes=DAY)
    result = judge(facts)
    assert result["reasons"] == ["grace_expiring", "unclassified"]
    assert result["status"] == "noncompliant"


def test_partial_key_is_never_longer_than_five_characters():
    facts = make_facts(product={"partial_product_key": FULL_KEY})
    assert judge(facts)["facts"]["partial_product_key"] == "VWXYZ"


# ---------------------------------------------------------------------------------------
# Hosts that could not be judged
# ---------------------------------------------------------------------------------------


def test_host_that_never_ran_the_task_is_unreachable():
    result = verdict("win-09", None, {})
    assert result["status"] == "unknown"
    assert result["reasons"] == ["unreachable"]
    assert result["error"] == {"code": "no_result", "message": "no result: the host was not reached"}
    assert result["facts"] == dict.fromkeys(FACT_KEYS)
    assert result["remediation"]


def test_unreachable_host_keeps_the_connection_message():
    result = verdict("win-09", {"unreachable": True, "changed": False,
                                "msg": "ntlm: HTTPSConnectionPool(host='127.0.0.9', port=5986): Connection refused"}, {})
    assert (result["status"], result["reasons"]) == ("unknown", ["unreachable"])
    assert result["error"] == {"code": "unreachable",
                               "message": "ntlm: HTTPSConnectionPool(host='127.0.0.9', port=5986): Connection refused"}
    assert result["summary"].startswith("Not reached: ntlm:")
    steps = "\n".join(result["remediation"])
    assert "WinRM" in steps and "credentials" in steps and "administrator" in steps


@pytest.mark.parametrize(
    "code, words",
    [
        ("access_denied", "local administrator"),
        ("service_disabled", "sppsvc"),
        ("powershell_too_old", "Windows Management Framework 5.1"),
        ("not_powershell", "ansible_connection"),
        ("output_not_json", "profile"),
        ("output_too_large", "max_output_bytes"),
        ("schema_mismatch", "version"),
        ("wmi_error", "winmgmt /verifyrepository"),
        ("no_windows_product", "slmgr /ipk"),
        ("command_failed", "-vvv"),
        ("timeout", "license_audit_host_timeout"),
    ],
)
def test_failed_collection_keeps_the_error_and_advises_per_code(code, words):
    result = verdict("win-07", {"failed": True, "changed": False, "error_code": code, "msg": f"it failed: {code}"}, {})
    assert (result["status"], result["reasons"]) == ("unknown", ["collection_failed"])
    assert result["error"] == {"code": code, "message": f"it failed: {code}"}
    assert result["summary"] == f"Licensing facts not collected ({code}): it failed: {code}"
    assert words in "\n".join(result["remediation"])


def test_task_timeout_without_an_error_code_is_a_timeout():
    result = verdict("win-07", {"failed": True, "msg": "The task timed out", "timedout": {"period": 120}}, {})
    assert result["error"] == {"code": "timeout", "message": "The task timed out"}


def test_failure_without_code_or_message():
    result = verdict("win-07", {"failed": True}, {})
    assert result["error"] == {"code": "task_failed", "message": "the license_facts task failed without a message"}


def test_skipped_task_and_missing_facts_are_collection_failures():
    skipped = verdict("win-07", {"skipped": True, "skip_reason": "Conditional result was False"}, {})
    assert skipped["error"] == {"code": "skipped", "message": "Conditional result was False"}
    no_facts = verdict("win-07", {"changed": False}, {})
    assert no_facts["error"]["code"] == "no_facts"
    assert no_facts["reasons"] == ["collection_failed"]


def test_error_messages_never_carry_a_full_product_key():
    result = verdict("win-07", {"failed": True, "error_code": "command_failed", "msg": f"key {FULL_KEY} rejected\nretry"}, {})
    assert FULL_KEY not in json.dumps(result)
    assert result["error"]["message"] == "key *****-*****-*****-*****-VWXYZ rejected retry"


# ---------------------------------------------------------------------------------------
# A whole play
# ---------------------------------------------------------------------------------------


def test_verdicts_cover_every_host_once_in_natural_order():
    results = {"win-10": success(make_facts()), "win-2": success(retail_key()), "win-1": {"unreachable": True, "msg": "down"}}
    judged = verdicts(["win-10", "win-2", "win-1", "win-2", None, "win-3"], results, {})
    assert [item["host"] for item in judged] == ["win-1", "win-2", "win-3", "win-10"]
    assert [item["status"] for item in judged] == ["unknown", "noncompliant", "unknown", "compliant"]
    assert judged[2]["error"]["code"] == "no_result"


def test_verdicts_without_results_are_all_unreachable():
    judged = verdicts(("a", "b"), None, None)
    assert [item["reasons"] for item in judged] == [["unreachable"], ["unreachable"]]


@pytest.mark.parametrize(
    "hosts, results, message",
    [
        ("win-1", {}, "hosts: expected a list of host names, got a string 'win-1'"),
        (["win-1", 5], {}, "hosts[1]: expected a host name, got an integer 5"),
        (["win-1", ""], {}, "hosts[1]: expected a host name, got a string ''"),
        (["win-1"], ["x"], "results: expected a dictionary of host name to task result, got a list ['x']"),
    ],
)
def test_verdicts_reject_bad_input(hosts, results, message):
    with pytest.raises(PolicyError) as caught:
        verdicts(hosts, results, {})
    assert str(caught.value) == message


def test_verdicts_are_deterministic():
    results = {"a": success(kms_client(4380 * DAY)), "b": success(evaluation())}
    assert verdicts(["b", "a"], results, {}) == verdicts(["a", "b", "a"], results, {})


def test_host_sort_key_is_natural_and_total():
    hosts = ["win-10", "Win-2", "win-2", "a", "win-1.example.com", "win-01"]
    assert sorted(hosts, key=host_sort_key) == ["a", "win-01", "win-1.example.com", "Win-2", "win-2", "win-10"]


def test_verdicts_from_mapping_accepts_the_filter_output_and_lists():
    judged = verdicts(["b", "a"], {}, {})
    as_mapping = {item["host"]: item for item in reversed(judged)}
    assert verdicts_from_mapping(as_mapping) == judged
    assert verdicts_from_mapping(list(reversed(judged))) == judged
    assert verdicts_from_mapping({"c": {"status": "unknown"}}) == [{"status": "unknown", "host": "c"}]


@pytest.mark.parametrize(
    "value, message",
    [
        ("nope", "verdicts: expected a dictionary of host name to verdict (the output of licensing.windows.license_verdicts) "
                 "or a list of verdicts, got a string 'nope'"),
        ({"a": "x"}, "verdicts['a']: expected a verdict dictionary, got a string 'x'"),
        ({"a": {"host": "b"}}, "verdicts['a'].host: expected 'a' (the key it is stored under), got 'b'"),
        ([{"host": "a"}, {"host": "a"}], "verdicts[1].host: host 'a' appears more than once"),
        ([{"status": "compliant"}], "verdicts[0].host: expected a host name, got null None"),
        ([3], "verdicts[0]: expected a verdict dictionary, got an integer 3"),
    ],
)
def test_verdicts_from_mapping_rejects_bad_input(value, message):
    with pytest.raises(PolicyError) as caught:
        verdicts_from_mapping(value)
    assert str(caught.value) == message


@pytest.mark.parametrize("changes", [
    {"product": {"edition": "ServerStandardEval"}},
    {"os": {"edition_id": "EnterpriseEval"}},
])
def test_an_evaluation_that_ended_is_known_by_its_edition_alone(changes):
    thin = {"product": {"description": None, "channel": None, "channel_source": None}}
    facts = make_facts(license_status="notification", license_status_code=5, license_status_reason="0xC004F009",
                       activation={"method": "not_activated", "digital_license": False, "permanent": False}, **thin)
    facts = _merge(facts, copy.deepcopy(changes))
    result = judge(facts)
    assert result["status"] == "noncompliant"
    assert result["reasons"] == ["not_activated", "evaluation"]
    assert judge(facts, allow_evaluation=True)["reasons"] == ["not_activated"]
