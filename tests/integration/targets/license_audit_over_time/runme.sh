#!/usr/bin/env bash
# Licensing over time, end to end: last night's audit kept as the baseline, tonight's fleet
# changed (hosts deactivated, fixed, retired, added), every host's change and waiver right
# in every format, the gate on new problems, and bad baseline and waiver files refused
# before any host is contacted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# COLLECTION_ROOT, tests/support on PYTHONPATH, winsim_start (see that file; aliases: needs/file/).
source "$here/../../../support/runme_common.sh"
out="${OUTPUT_DIR:-$here/output}/license_audit_over_time"
rm -rf "$out"
mkdir -p "$out"
baseline="$out/baseline/license-audit.json"

audit() {  # audit SCENARIO [ansible-playbook args...]; leaves the exit code in $rc
    local scenario=$1; shift
    set +e
    ansible-playbook -i "$WINSIM_INVENTORY" "$COLLECTION_ROOT/playbooks/audit.yml" \
        -e license_audit_target=all -e "license_audit_report_dir=$out/$scenario" \
        -e license_audit_host_timeout=10 "$@" > "$out/$scenario.log" 2>&1
    rc=$?
    set -e
}

fail() { tail -40 "$out/$1.log"; echo "$1: $2" >&2; exit 1; }

commands_sent() {  # how many commands reached the simulated hosts since the last reset
    python - "$WINSIM_CONTROL_URL" <<'PY'
import json, sys, urllib.request
stats = json.load(urllib.request.urlopen(sys.argv[1] + "/stats", timeout=5))
print(sum(host.get("commands", 0) for host in stats["hosts"].values()))
PY
}

reset_counters() {
    python -c 'import sys,urllib.request;urllib.request.urlopen(urllib.request.Request(sys.argv[1]+"/reset",method="POST"),timeout=5)' "$WINSIM_CONTROL_URL"
}

# Last night: the first audit of an audit that keeps its own baseline (no baseline file yet).
winsim_start "$here/fleet_before.yml" "$out/fleet-before"
audit last_night -e "license_audit_baseline=$baseline" -e license_audit_update_baseline=true
[ "$rc" = 0 ] || fail last_night "expected rc 0, got $rc"
test -s "$baseline" || fail last_night "the report was not kept as the baseline"
winsim_stop

# Tonight, the fleet has changed.
winsim_start "$here/fleet_after.yml" "$out/fleet-after"

# Without waivers, gating on new problems: the new and the regressed host fail the run.
audit tonight -e "license_audit_baseline=$baseline" -e '{"license_audit_fail_on": ["noncompliant"]}' \
    -e license_audit_fail_on_new_only=true
[ "$rc" = 2 ] || fail tonight "gate on new problems: expected rc 2, got $rc"
grep -q "License audit gate: 2 host(s) noncompliant (new or regressed since the baseline of" "$out/tonight.log" \
    || fail tonight "the gate message does not say what is new"
python "$here/check_over_time.py" "$out/tonight" "$here/expectations.yml" changes

# With the waivers: marked in every format, the expired one counts again, the stale one is named.
audit waived -e "license_audit_baseline=$baseline" -e "license_audit_waivers=$here/waivers.yml" \
    -e '{"license_audit_fail_on": ["noncompliant"]}'
[ "$rc" = 2 ] || fail waived "gate with waivers: expected rc 2 (an expired waiver and new problems), got $rc"
grep -q "waived host(s) not counted" "$out/waived.log" || fail waived "the gate does not say waived hosts were left out"
grep -q "waiver 'decommissioned' waived nothing in this audit (stale)" "$out/waived.log" || fail waived "no stale warning"
python "$here/check_over_time.py" "$out/waived" "$here/expectations.yml" waivers

# Accepted debt does not fail the gate on new problems: only the known hosts, waived or unchanged.
audit known_only -e "license_audit_baseline=$baseline" -e "license_audit_waivers=$here/waivers.yml" \
    -e '{"license_audit_fail_on": ["noncompliant"]}' -e license_audit_fail_on_new_only=true \
    --limit 'steady:fixed:known-kms:lab-eval:lab-old'
[ "$rc" = 0 ] || fail known_only "gate on new problems over known hosts: expected rc 0, got $rc"

# Bad inputs are refused by name before any host is contacted.
reset_counters
audit bad_waivers -e "license_audit_baseline=$baseline" -e "license_audit_waivers=$here/bad_waivers.yml"
[ "$rc" != 0 ] || fail bad_waivers "a waiver without a justification was accepted"
grep -q "waivers\[0\].justification: required" "$out/bad_waivers.log" || fail bad_waivers "the field is not named"
echo '{"name": "left-pad"}' > "$out/not-a-report.json"
audit bad_baseline -e "license_audit_baseline=$out/not-a-report.json"
[ "$rc" != 0 ] || fail bad_baseline "a file that is not a report was accepted as the baseline"
grep -q "baseline: $out/not-a-report.json: not a license audit report" "$out/bad_baseline.log" \
    || fail bad_baseline "the file is not named"
audit missing_baseline -e "license_audit_baseline=$out/nowhere.json"
[ "$rc" != 0 ] || fail missing_baseline "a missing baseline was accepted without license_audit_update_baseline"
sent=$(commands_sent)
[ "$sent" = 0 ] || { echo "$sent commands reached hosts despite bad waiver or baseline files" >&2; exit 1; }
echo "license_audit_over_time: all scenarios passed"
