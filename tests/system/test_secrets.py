# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""No product key and no password leaves the collection, at any verbosity, in any file.

The fault fleet's audit (fault_fleet_audit.py) ran at -vvvv with everything recorded:
stdout and stderr, ANSIBLE_LOG_PATH, a JSON fact cache, and the five reports. Hosts of
that fleet put (fake) full product keys where a leak would come from: the firmware key of
the OEM profiles, CIM strings (OS caption, product name, in both the dashed and the
run-together form), a banner printed instead of JSON, and a WMI error message.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import yaml

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "tests" / "profiles"
FLEET_FILE = ROOT / "tests" / "fleets" / "fault_fleet.yml"

# The printed form of a product key: five dashed groups of five letters or digits.
PRODUCT_KEY = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z0-9]{5}-){4}[A-Za-z0-9]{5}(?![A-Za-z0-9])")
# What the collection shows instead: the last five characters only.
MASKED = "*****-*****-*****-*****-"


def recorded_texts(audit) -> dict[str, str]:
    """Everything the run printed or wrote, by where it was found."""
    texts = {"stdout": audit.run.stdout, "stderr": audit.run.stderr, "ANSIBLE_LOG_PATH": audit.log_file.read_text(errors="replace")}
    for directory in (audit.fact_cache, audit.report_dir):
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                texts[str(path.relative_to(audit.work_dir))] = path.read_text(encoding="utf-8", errors="replace")
    return texts


def known_full_keys() -> set[str]:
    """Every full key the fleet's hosts hold: the profiles' (fake) firmware keys and the fleet's own."""
    keys = set()
    for path in [*PROFILES.glob("*.yml"), FLEET_FILE]:
        keys.update(PRODUCT_KEY.findall(path.read_text(encoding="utf-8")))
    return keys


def secret_forms(secret: str, user: str | None = None) -> set[str]:
    """The ways a secret could show up: as is, JSON-, HTML- or XML-escaped, or in a Basic Authorization header."""
    forms = {secret, json.dumps(secret)[1:-1], html.escape(secret), html.escape(secret, quote=False), xml_escape(secret)}
    if user is not None:
        forms.add(base64.b64encode(f"{user}:{secret}".encode()).decode())
    return forms


def find_leaks(texts: dict[str, str], needles: set[str]) -> list[str]:
    leaks = []
    for where, text in texts.items():
        lowered = text.lower()
        for needle in needles:
            if needle.lower() in lowered:
                leaks.append(f"{where}: {needle[:6]}...")
    return leaks


def test_the_scan_sees_what_it_should(fault_fleet_audit):
    """The recordings are complete enough for a clean scan to mean something."""
    texts = recorded_texts(fault_fleet_audit)
    assert fault_fleet_audit.run.returncode == 0
    assert "<127.0.0.1> ESTABLISH WINRM CONNECTION" in texts["stdout"], "not a -vvvv recording"
    assert "windows_license" in texts["stdout"]  # the facts themselves are printed at this verbosity
    assert texts["ANSIBLE_LOG_PATH"].count("\n") > 1000
    cached = [where for where, text in texts.items() if where.startswith("fact_cache") and "windows_license" in text]
    assert len(cached) > 150, "the fact cache holds the licensing facts of the healthy hosts"
    # The key-shaped values did reach the controller, masked: in the facts, the reports, the errors.
    assert MASKED + "CIM77" in texts["stdout"]
    assert MASKED + "cim78" in texts["stdout"]
    assert MASKED + "XQ7RT" in texts["reports/license-audit.json"]
    assert MASKED + "WM1ER" in texts["reports/license-audit.json"]
    assert MASKED + "CIM77" in texts["reports/license-audit.csv"]
    # A firmware key's last five characters are reported; the rest never leaves the host.
    assert "XK9QB" in texts["reports/license-audit.json"]
    # And the scan itself finds what it looks for.
    assert find_leaks({"probe": "x FAKE1-FAKE2-FAKE3-FAKE4-XK9QB y"}, known_full_keys())
    assert PRODUCT_KEY.search("key: abcde-fghij-klmno-pqrst-uvwxy.")


def test_no_full_product_key_anywhere(fault_fleet_audit):
    texts = recorded_texts(fault_fleet_audit)
    shaped = {where: PRODUCT_KEY.findall(text) for where, text in texts.items()}
    shaped = {where: found for where, found in shaped.items() if found}
    assert not shaped, {where: [key[-5:] for key in found][:5] for where, found in shaped.items()}
    known = known_full_keys()
    assert len(known) >= 6
    run_together = {key.replace("-", "") for key in known} | {"fake9key12not34real5cim78"}
    assert not find_leaks(texts, known | run_together)


def test_no_password_anywhere(fault_fleet_audit):
    texts = recorded_texts(fault_fleet_audit)
    credentials = {(variables["ansible_user"], variables["ansible_password"]) for variables in fault_fleet_audit.inventory.values()}
    # Two accounts: one with a password winsim made up for the run, one with a quoting-hostile one.
    assert len(credentials) == 2
    needles = set()
    for user, password in credentials:
        needles |= secret_forms(password, user)
    assert not find_leaks(texts, needles)


def test_the_collection_opens_no_connection_of_its_own():
    """Only the inventory's connection plugin reaches hosts, so its certificate settings are the only ones.

    Nothing under plugins/ imports a network client, and no role, playbook or plugin
    sets a certificate validation option: validation stays at the connection plugin's
    default (validate) unless the inventory turns it off.
    """
    network = re.compile(r"^\s*(?:import|from)\s+(requests|urllib3?|http\.client|socket|ssl|winrm|pypsrp|httpx|aiohttp)\b",
                         re.MULTILINE)
    offenders = {}
    for path in (ROOT / "plugins").rglob("*.py"):
        found = network.findall(path.read_text(encoding="utf-8"))
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert not offenders
    for folder in ("plugins", "roles", "playbooks"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".yml", ".yaml", ".ps1", ".j2"):
                text = path.read_text(encoding="utf-8", errors="replace")
                assert "cert_validation" not in text and "validate_certs" not in text, path


def test_turning_validation_off_is_explicit_and_documented(fault_fleet_audit):
    """Every HTTPS host of the generated inventory validates; the docs say how (and that) turning it off is explicit."""
    https = [v for v in fault_fleet_audit.inventory.values() if v["ansible_winrm_scheme"] == "https"]
    assert https and all(v["ansible_winrm_server_cert_validation"] == "validate" for v in https)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "ansible_winrm_server_cert_validation: validate" in readme
    reliability = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert "ansible_winrm_server_cert_validation: ignore" in reliability and "explicit" in reliability


def test_fleet_file_keys_are_fake():
    """The keys this test plants are recognisably fake, so the repository holds no real key."""
    fleet = yaml.safe_load(FLEET_FILE.read_text(encoding="utf-8"))
    planted = PRODUCT_KEY.findall(json.dumps(fleet))
    assert planted and all(key.upper().startswith("FAKE") for key in planted)
