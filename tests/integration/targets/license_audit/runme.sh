#!/usr/bin/env bash
# The license_audit role end to end against a simulated fleet: every policy knob, the CI
# gate's exit code, unreachable/failed/slow hosts in every report format, hostile values
# escaped in every format, and a bad policy refused before any host is touched.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# COLLECTION_ROOT, tests/support on PYTHONPATH, winsim_start (see that file; aliases: needs/file/).
source "$here/../../../support/runme_common.sh"
out="${OUTPUT_DIR:-$here/output}/license_audit"
mkdir -p "$out"
winsim_start "$here/fleet.yml" "$out/run"
stats_url=$WINSIM_CONTROL_URL

audit() {  # audit SCENARIO [ansible-playbook args...]; leaves the exit code in $rc
    local scenario=$1; shift
    set +e
    ansible-playbook -i "$WINSIM_INVENTORY" "$COLLECTION_ROOT/playbooks/audit.yml" \
        -e license_audit_target=all -e "license_audit_report_dir=$out/$scenario" \
        -e license_audit_host_timeout=4 "$@" > "$out/$scenario.log" 2>&1
    rc=$?
    set -e
}

check() {  # check SCENARIO: every host in every format with the expected verdict
    python "$here/check_reports.py" "$out/$1" "$here/expectations.yml" "$1" "$WINSIM_INVENTORY"
}

audit default
[ "$rc" = 0 ] || { cat "$out/default.log"; echo "default audit failed with rc=$rc" >&2; exit 1; }
check default

# Facts and groups as a later play sees them, for hosts judged by the facts task and for the
# unreachable and failed hosts judged afterwards.
for choice in attention all; do
    ansible-playbook -i "$WINSIM_INVENTORY" "$here/check_groups.yml" -e license_audit_target=all \
        -e "license_audit_status_groups=$choice" -e "license_audit_report_dir=$out/groups-$choice" \
        -e license_audit_host_timeout=4 > "$out/groups-$choice.log" 2>&1 \
        || { tail -60 "$out/groups-$choice.log"; echo "status groups $choice: facts and groups do not match the report" >&2; exit 1; }
done

audit no_firmware_keys -e '{"license_audit_entitled_methods": ["digital_license", "subscription"]}'
check no_firmware_keys
audit servers_like_clients -e license_audit_server_policy=entitled_methods
check servers_like_clients
audit evaluations_allowed -e license_audit_allow_evaluation=true
check evaluations_allowed
audit evaluations_allowed_long_horizon -e license_audit_allow_evaluation=true -e license_audit_min_days_remaining=120
check evaluations_allowed_long_horizon
audit expected_kms -e '{"license_audit_expected_kms_hosts": ["KMS01.corp.example.com:1688"]}'
check expected_kms

# The CI gate: non-compliant hosts fail the play (ansible-playbook exits 2) after the reports are written.
audit gate_closed -e '{"license_audit_fail_on": ["noncompliant"]}'
[ "$rc" = 2 ] || { tail -40 "$out/gate_closed.log"; echo "gate: expected rc 2, got $rc" >&2; exit 1; }
grep -q "License audit gate" "$out/gate_closed.log"
test -s "$out/gate_closed/license-audit.json"
# ... and a fleet with only compliant hosts passes it.
audit gate_open -e '{"license_audit_fail_on": ["noncompliant", "unknown"]}' --limit 'digital:firmware:server'
[ "$rc" = 0 ] || { tail -40 "$out/gate_open.log"; echo "gate: expected rc 0, got $rc" >&2; exit 1; }

# A bad policy is refused by name before any host is contacted.
curl_reset() { python -c 'import sys,urllib.request;urllib.request.urlopen(urllib.request.Request(sys.argv[1]+"/reset",method="POST"),timeout=5)' "$stats_url"; }
curl_reset
audit bad_policy -e license_audit_min_days_remaining=-3
[ "$rc" != 0 ] || { echo "a negative min_days_remaining was accepted" >&2; exit 1; }
grep -q "min_days_remaining" "$out/bad_policy.log"
python - "$stats_url" <<'PY'
import json, sys, urllib.request
stats = json.load(urllib.request.urlopen(sys.argv[1] + "/stats", timeout=5))
commands = sum(host.get("commands", 0) for host in stats["hosts"].values())
assert commands == 0, f"{commands} commands reached hosts despite the bad policy"
PY
audit bad_type -e license_audit_allow_evaluation=perhaps
[ "$rc" != 0 ] && grep -q "license_audit_allow_evaluation" "$out/bad_type.log"
echo "license_audit: all scenarios passed"
