#!/usr/bin/env bash
# license_facts against one simulated host per profile, over Basic (HTTP), NTLM with message
# encryption (HTTP) and Basic over HTTPS with certificate validation; every host's facts must
# match its profile's `expect` block. Also checks the wire cost per host and that nothing
# printed at -vvvv holds a product key or a password.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# ansible-test runs a copy of this directory from tests/output/.tmp/..., so find the
# collection root by walking up to galaxy.yml rather than by a fixed relative path.
root=$here
until [ -f "$root/galaxy.yml" ]; do root=$(dirname "$root"); [ "$root" != / ] || { echo "collection root not found" >&2; exit 1; }; done
export COLLECTION_ROOT=$root
source "$root/tools/winsim_fleet.sh"
state="${OUTPUT_DIR:-$here/output}/license_facts"
mkdir -p "$state"

python "$here/make_fleet.py" > "$state/fleet.yml"
winsim_start "$state/fleet.yml" "$state/run"

export ANSIBLE_CALLBACK_RESULT_FORMAT=yaml
ansible-playbook -i "$WINSIM_INVENTORY" "$here/test_facts.yml" -e "winsim_stats_url=$(python -c 'import json,sys;print(json.load(open(sys.argv[1]))["control_url"])' "$state/run/ready.json")" "$@"

# Secrets: run the module at -vvvv and scan everything printed.
ansible-playbook -i "$WINSIM_INVENTORY" "$here/collect_only.yml" -vvvv > "$state/vvvv.log" 2>&1 || true
python "$here/scan_secrets.py" "$state/vvvv.log" "$state/fleet.yml"
