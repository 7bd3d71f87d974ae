#!/usr/bin/env bash
# license_facts against one simulated host per profile, over Basic (HTTP), NTLM with message
# encryption (HTTP) and Basic over HTTPS with certificate validation; every host's facts must
# match its profile's `expect` block. Also checks the wire cost per host and that nothing
# printed at -vvvv holds a product key or a password.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# COLLECTION_ROOT, tests/support on PYTHONPATH, winsim_start (see that file; aliases: needs/file/).
source "$here/../../../support/runme_common.sh"
state="${OUTPUT_DIR:-$here/output}/license_facts"
mkdir -p "$state"

python "$here/make_fleet.py" > "$state/fleet.yml"
winsim_start "$state/fleet.yml" "$state/run"

export ANSIBLE_CALLBACK_RESULT_FORMAT=yaml
ansible-playbook -i "$WINSIM_INVENTORY" "$here/test_facts.yml" -e "winsim_stats_url=$WINSIM_CONTROL_URL" "$@"

# Secrets: run the module at -vvvv and scan everything printed.
ansible-playbook -i "$WINSIM_INVENTORY" "$here/collect_only.yml" -vvvv > "$state/vvvv.log" 2>&1 || true
python "$here/scan_secrets.py" "$state/vvvv.log" "$state/fleet.yml"
