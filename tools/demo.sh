#!/usr/bin/env bash
# `make demo`: start a simulated fleet of Windows hosts on loopback addresses, audit it
# with the license_audit role, write the reports to reports/, stop the fleet. Each run keeps
# its JSON report as the next run's baseline (reports/baseline/), so a second `make demo`
# shows the change since the first, and the history of the runs in the HTML report.
set -euo pipefail
cd "$(dirname "$0")/.."

fleet=tests/fleets/demo.yml
state=build/demo
reports="$PWD/reports"
echo "Starting the simulated fleet ($fleet) ..."
rm -rf "$state"
trap 'winsim stop --state-dir "$state" || true' EXIT
# Returns once every host listens (inventory.yml, ready.json, winsim.log in $state); prints the log if not.
winsim serve --fleet "$fleet" --state-dir "$state" --detach
hosts=$(grep -c 'ansible_host:' "$state/inventory.yml" || true)
echo "$hosts simulated Windows hosts are listening on 127.0.0.0/8. Auditing them ..."

ansible-playbook -i "$state/inventory.yml" playbooks/audit.yml \
    -e "license_audit_report_dir=$reports" \
    -e "license_audit_baseline=$reports/baseline/license-audit.json" -e license_audit_update_baseline=true \
    --forks 20

echo
python - "$reports/license-audit.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
summary = report["summary"]
print("Fleet: " + ", ".join(f"{count} {status}" for status, count in summary["by_status"].items()))
print("Activation methods: " + ", ".join(f"{method} {count}" for method, count in sorted(summary["by_method"].items(), key=lambda kv: -kv[1])))
if report["baseline"]:
    print(f"Since the run of {report['baseline']['generated_at']}: "
          + ", ".join(f"{count} {change}" for change, count in summary["by_change"].items()))
else:
    print("First run: the next `make demo` compares with this one.")
PY
echo "Reports written to $reports:"
for f in license-audit.json license-audit.csv license-audit.html license-audit-junit.xml license-audit.md \
         license-audit.prom license-audit-history.jsonl; do
    echo "  $reports/$f"
done
echo "Open $reports/license-audit.html in a browser to explore the fleet."
