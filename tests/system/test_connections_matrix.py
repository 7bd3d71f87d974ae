# Copyright: (c) 2026, licensing.windows contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every connection and authentication a Windows fleet uses, end to end (issue 15).

One simulated fleet (``winsim serve``, its own inventory, unedited) holds one row of the matrix
per connection x authentication, each row with a few representative profiles and a host that
refuses the credential:

==========  =====================================================================================
winrm       Basic/HTTPS, NTLM/HTTP (message encryption), NTLM/HTTPS (channel binding),
            Kerberos/HTTP (message encryption), Kerberos/HTTPS, CredSSP/HTTPS, certificate/HTTPS
psrp        Basic/HTTPS, negotiate (NTLM)/HTTP (message encryption), Kerberos/HTTP (message
            encryption), Kerberos/HTTPS, CredSSP/HTTPS, certificate/HTTPS
ssh         public key, password (DefaultShell powershell), public key with DefaultShell cmd
==========  =====================================================================================

Certificate validation is on wherever TLS is used (the fleet's CA), ssh host keys are checked
against the fleet's known_hosts, Kerberos runs against a real MIT KDC on 127.0.0.1 started by
``winsim serve`` (``KRB5_CONFIG`` from the ready file's ``env``). The whole matrix runs in
one ``ansible-playbook -vvvv`` whose output is scanned for secrets. Nothing here skips: a
missing client library or Debian package fails the test (make test installs them).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

from pathlib import Path

import pytest
import yaml
from conftest import BIN, ansible_env, start_fleet

PASSWORD = "Sim-Matrix-Passw0rd-15"
WRONG_PASSWORD = "Not-The-Passw0rd-15"
PROFILES = ("digital_license_pro", "kms_client", "oem_firmware_key")

#: row name -> fleet-file fields of its hosts
ROWS = {
    "winrm-basic-https": {"auth": "basic", "transport": "https"},
    "winrm-ntlm-http": {"auth": "ntlm"},
    "winrm-ntlm-https": {"auth": "ntlm", "transport": "https"},
    "winrm-kerberos-http": {"auth": ["kerberos"]},
    "winrm-kerberos-https": {"auth": ["kerberos"], "transport": "https"},
    "winrm-credssp-https": {"auth": ["credssp"], "transport": "https"},
    "winrm-certificate-https": {"auth": ["certificate"], "transport": "https"},
    "psrp-basic-https": {"connection": "psrp", "auth": "basic", "transport": "https"},
    "psrp-negotiate-http": {"connection": "psrp", "auth": "ntlm"},
    "psrp-kerberos-http": {"connection": "psrp", "auth": ["kerberos"]},
    "psrp-kerberos-https": {"connection": "psrp", "auth": ["kerberos"], "transport": "https"},
    "psrp-credssp-https": {"connection": "psrp", "auth": ["credssp"], "transport": "https"},
    "psrp-certificate-https": {"connection": "psrp", "auth": ["certificate"], "transport": "https"},
    "ssh-publickey": {"connection": "ssh", "auth": "publickey"},
    "ssh-password": {"connection": "ssh", "auth": "password"},
    "ssh-publickey-cmd": {"connection": "ssh", "auth": "publickey", "default_shell": "cmd"},
}

#: what the UNREACHABLE message of a refused credential says, per row (it must say which credential failed)
REFUSED = {
    "winrm-basic-https": "credentials were rejected",
    "winrm-ntlm-http": "credentials were rejected",
    "winrm-ntlm-https": "credentials were rejected",
    "winrm-kerberos-http": "credentials were rejected",
    "winrm-kerberos-https": "credentials were rejected",
    "winrm-credssp-https": "credssp: Server did not response with a CredSSP token after step Credential exchange",
    "winrm-certificate-https": "credentials were rejected",
    "psrp-basic-https": "failed to authenticate",
    "psrp-negotiate-http": "failed to authenticate",
    "psrp-kerberos-http": "failed to authenticate",
    "psrp-kerberos-https": "failed to authenticate",
    "psrp-credssp-https": "Server did not response with a CredSSP token after step Credential exchange",
    "psrp-certificate-https": "failed to authenticate",
    "ssh-publickey": "Permission denied",
    "ssh-password": "Permission denied",
    "ssh-publickey-cmd": "Permission denied",
}
#: rows whose refused credential is a task failure, not UNREACHABLE: pypsrp lets requests-credssp's
#: AuthenticationException through, and ansible's psrp plugin only turns pypsrp's own AuthenticationError
#: into a connection failure (the same message is reported for a wrong CredSSP password on real hosts)
REFUSED_AS_FAILURE = {"psrp-credssp-https"}
#: a Kerberos password that the KDC itself refuses: ansible's managed kinit says so
WRONG_KINIT = {"winrm-kerberos-http-wrong-password": ("winrm-kerberos-http", "kinit: Password incorrect")}

#: the facts every profile's expect block names, and where they are in windows_license
_EXPECT = {
    "license_status": ("license_status",), "method": ("activation", "method"),
    "digital_license": ("activation", "digital_license"), "is_server": ("os", "is_server"),
    "channel": ("product", "channel"), "edition": ("product", "edition"),
    "partial_product_key": ("product", "partial_product_key"), "firmware_key_present": ("firmware_key", "present"),
}

# The playbook that collects and keeps every host's result (shared with the other connection test).
PLAYBOOK = (Path(__file__).resolve().parents[1] / "support" / "collect_results.yml").read_text(encoding="utf-8")


def fleet_document() -> dict:
    hosts = []
    for row, fields in ROWS.items():
        hosts += [{"name": f"{row}--{profile}", "profile": profile, **fields} for profile in PROFILES]
        hosts.append({"name": f"{row}--refused", "profile": PROFILES[0], "fault": "refuse_credentials", **fields})
    for name, (row, dummy) in WRONG_KINIT.items():
        hosts.append({"name": name, "profile": PROFILES[0], **ROWS[row]})
    return {"defaults": {"listen": "ephemeral", "password": PASSWORD}, "hosts": hosts}


def _dig(facts: dict, path: tuple[str, ...]):
    value = facts
    for key in path:
        value = (value or {}).get(key)
    return value


@pytest.fixture(scope="module")
def matrix(tmp_path_factory, collections_path):
    """The matrix fleet, audited once at -vvvv: (results by host, output, fleet, inventory, ready file)."""
    for program in ("ssh", "kinit", "krb5kdc", "kadmin.local", "kdb5_util"):
        assert shutil.which(program) or shutil.which(program, path="/usr/sbin:/sbin"), (
            f"{program} is missing: apt-get install openssh-client krb5-kdc krb5-admin-server krb5-user")
    work = tmp_path_factory.mktemp("matrix")
    fleet = start_fleet(fleet_document(), work / "fleet")
    try:
        inventory = yaml.safe_load(fleet.inventory.read_text(encoding="utf-8"))
        overrides = {name: {"ansible_password": WRONG_PASSWORD} for name in WRONG_KINIT}
        override_file = work / "overrides.yml"
        override_file.write_text(yaml.safe_dump({"all": {"hosts": overrides}}), encoding="utf-8")
        playbook = work / "matrix.yml"
        playbook.write_text(PLAYBOOK, encoding="utf-8")
        results_file = work / "results.json"
        env = ansible_env(collections_path, **fleet.ready.get("env", {}))
        completed = subprocess.run(
            [str(BIN / "ansible-playbook"), "-vvvv", "-f", "16", "-i", str(fleet.inventory), "-i", str(override_file),
             str(playbook), "-e", json.dumps({"results_file": str(results_file)})],
            env=env, capture_output=True, text=True, timeout=300, check=False)
        assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-3000:]
        results = json.loads(results_file.read_text(encoding="utf-8"))
        with __import__("urllib.request").request.urlopen(fleet.ready["control_url"] + "/stats", timeout=10) as answer:
            stats = json.load(answer)
        yield {"results": results, "output": completed.stdout + completed.stderr, "inventory": inventory,
               "stats": stats, "fleet": fleet, "work": work}
    finally:
        fleet.stop()


@pytest.mark.parametrize("row", list(ROWS))
def test_each_row_returns_the_profiles_facts(matrix, row):
    hosts = matrix["inventory"]["all"]["children"]["windows"]["hosts"]
    baseline = None
    for profile in PROFILES:
        name = f"{row}--{profile}"
        result = matrix["results"][name]
        assert not result.get("failed") and not result.get("unreachable"), f"{name}: {result.get('msg')}"
        facts = result["ansible_facts"]["windows_license"]
        expect = hosts[name]["winsim_expect"]
        for key, path in _EXPECT.items():
            if key in expect:
                assert _dig(facts, path) == expect[key], f"{name}: {key}"
        if profile == PROFILES[0]:
            baseline = facts
    assert baseline is not None


def test_the_same_profile_gives_the_same_facts_on_every_row(matrix):
    for profile in PROFILES:
        seen = {}
        for row in ROWS:
            facts = dict(matrix["results"][f"{row}--{profile}"]["ansible_facts"]["windows_license"])
            # The controller's clock: when the facts were collected and what that makes of the grace period's end.
            facts.pop("collected_at", None)
            facts.pop("grace_expires_at", None)
            seen[row] = facts
        first = next(iter(seen.values()))
        different = [row for row, facts in seen.items() if facts != first]
        assert not different, f"{profile}: facts differ on {different}"


@pytest.mark.parametrize("row", list(ROWS))
def test_a_refused_credential_is_unreachable_and_says_so(matrix, row):
    result = matrix["results"][f"{row}--refused"]
    if row in REFUSED_AS_FAILURE:
        assert result.get("failed") is True and not result.get("unreachable"), result
    else:
        assert result.get("unreachable") is True, result
    assert REFUSED[row] in result["msg"], result["msg"]
    assert "error_code" not in result, "a refused credential never reaches the collector"


def test_a_wrong_kerberos_password_fails_at_kinit(matrix):
    for name, (dummy, message) in WRONG_KINIT.items():
        result = matrix["results"][name]
        assert result.get("unreachable") is True, result
        assert message in result["msg"] and "Kerberos auth failure" in result["msg"], result["msg"]


def test_inventory_names_the_connection_and_keeps_validation_on(matrix):
    hosts = matrix["inventory"]["all"]["children"]["windows"]["hosts"]
    for row, fields in ROWS.items():
        variables = hosts[f"{row}--{PROFILES[0]}"]
        connection = fields.get("connection", "winrm")
        assert variables["ansible_connection"] == connection
        if connection == "ssh":
            assert variables["ansible_ssh_host_key_checking"] is True
            assert "StrictHostKeyChecking=yes" in variables["ansible_ssh_common_args"]
        elif fields.get("transport") == "https":
            key = "ansible_winrm_server_cert_validation" if connection == "winrm" else "ansible_psrp_cert_validation"
            assert variables[key] == "validate"
        if fields.get("auth") == ["kerberos"] and connection == "winrm":
            assert variables["ansible_winrm_kinit_env_vars"] == ["KRB5_CONFIG"]
    assert "KRB5_CONFIG" in matrix["fleet"].ready["env"]


def test_requests_and_commands_per_host_per_connection(matrix):
    hosts = matrix["stats"]["hosts"]
    for row in ROWS:
        counters = hosts[f"{row}--{PROFILES[0]}"]
        assert counters["commands"] == 1, (row, counters)
        if row.startswith("ssh"):
            assert counters["requests"] == 0 and counters["actions"]["ssh-exec"] == 1
        elif row.startswith("psrp"):
            # one RunspacePool per task: Create, Receive (pool), Command, Receive (pipeline), Delete
            assert {key: counters["actions"][key] for key in ("Create", "Receive", "Command", "Delete")} == \
                {"Create": 1, "Receive": 2, "Command": 1, "Delete": 1}, (row, counters)
        else:
            assert {key: counters["actions"][key] for key in ("Create", "Command", "Receive", "Signal", "Delete")} == \
                {"Create": 1, "Command": 1, "Receive": 1, "Signal": 1, "Delete": 1}, (row, counters)
    assert hosts["winrm-basic-https--digital_license_pro"]["requests"] == 5
    assert hosts["winrm-ntlm-http--digital_license_pro"]["requests"] == 8


def test_no_secret_in_the_vvvv_output(matrix):
    output = matrix["output"]
    assert len(output) > 50_000, "the -vvvv output is suspiciously short"
    problems = []
    for secret in (PASSWORD, WRONG_PASSWORD):
        if secret in output:
            problems.append("a password")
    if re.search(r"(?<![A-Za-z0-9])(?:[A-Za-z0-9]{5}-){4}[A-Za-z0-9]{5}(?![A-Za-z0-9])", output):
        problems.append("a full product key")
    if "PRIVATE KEY" in output:
        problems.append("a private key")
    state = matrix["fleet"].state_dir / "sim"
    for key_file in list(state.glob("ssh/id_ed25519")) + list(state.glob("certs/*-key.pem")):
        body = "".join(line for line in key_file.read_text().splitlines() if "PRIVATE KEY" not in line)
        if body[20:80] in output:
            problems.append(f"the private key {key_file.name}")
    keytab = state / "krb5" / "http.keytab"
    assert keytab.is_file()
    if __import__("base64").b64encode(keytab.read_bytes()[:48]).decode() in output:
        problems.append("Kerberos key material")
    if re.search(r"Authorization: (Basic|Negotiate|Kerberos|CredSSP) [A-Za-z0-9+/=]{8,}", output):
        problems.append("an Authorization header")
    assert not problems, problems


def _without_host(value: object, host: str) -> object:
    return json.loads(json.dumps(value, sort_keys=True).replace(host.upper(), "<HOST>").replace(host, "<host>"))


def test_the_audit_role_over_the_mixed_fleet_reports_every_host_right(matrix, collections_path):
    """licensing.windows.audit once over every connection in one inventory: every host in every report, judged alike."""
    from reports import read_reports  # tests/support, put on sys.path by conftest

    reports = matrix["work"] / "reports"
    env = ansible_env(collections_path, **matrix["fleet"].ready.get("env", {}))
    completed = subprocess.run(
        [str(BIN / "ansible-playbook"), "-f", "16", "-i", str(matrix["fleet"].inventory), "licensing.windows.audit",
         "-e", json.dumps({"license_audit_report_dir": str(reports)})],
        env=env, capture_output=True, text=True, timeout=300, check=False)
    report_set = read_reports(reports)
    hosts = matrix["inventory"]["all"]["children"]["windows"]["hosts"]
    assert sorted(report_set.json_hosts) == sorted(hosts), completed.stdout[-3000:]
    for name in hosts:
        counts = report_set.host_counts(name)
        assert counts["json"] == counts["csv"] == counts["junit"] == 1, (name, counts)
    verdicts = report_set.verdicts()
    statuses = report_set.statuses()
    for row in ROWS:
        assert statuses[f"{row}--refused"] == "unknown", row
        for profile in PROFILES:
            name = f"{row}--{profile}"
            assert statuses[name] in ("compliant", "noncompliant"), (name, verdicts[name])
            baseline = f"winrm-basic-https--{profile}"
            assert _without_host(verdicts[name], name) == _without_host(verdicts[baseline], baseline), name
