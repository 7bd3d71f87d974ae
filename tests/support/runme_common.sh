#!/usr/bin/env bash
# Sourced by the runme.sh of every integration target (tests/integration/targets/*/runme.sh):
#
#   here=$(cd "$(dirname "$0")" && pwd)
#   source "$here/../../../support/runme_common.sh"
#
# ansible-test runs a target from a copy (tests/output/.tmp/integration/<target>-*/) that holds
# the target's directory and the files its aliases name with needs/file/, at the same paths
# as in the collection: every target names this file (needs/file/tests/support/runme_common.sh),
# so the relative path above works in the copy and in a checkout alike.
#
# It sets COLLECTION_ROOT, the collection the copy was made from (the first directory above
# this file that has a galaxy.yml), puts that collection's tests/support on PYTHONPATH (the
# report reader, reports.py) and defines
#
#   winsim_start FLEET.yml STATE_DIR   start a simulated fleet (winsim serve --detach); it is
#                                      stopped (winsim stop) when the calling script exits.
#                                      Sets WINSIM_INVENTORY and WINSIM_CONTROL_URL.

COLLECTION_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
until [ -f "$COLLECTION_ROOT/galaxy.yml" ]; do
    COLLECTION_ROOT=$(dirname "$COLLECTION_ROOT")
    if [ "$COLLECTION_ROOT" = / ]; then
        echo "runme_common.sh: no galaxy.yml above ${BASH_SOURCE[0]}: collection root not found" >&2
        exit 1
    fi
done
export COLLECTION_ROOT
export PYTHONPATH="$COLLECTION_ROOT/tests/support${PYTHONPATH:+:$PYTHONPATH}"

winsim_start() {
    local fleet=$1 state=$2
    rm -rf "$state"
    WINSIM_STATE=$state
    trap winsim_stop EXIT
    # Returns once every listener is up; on failure it prints the simulator's log and fails.
    winsim serve --fleet "$fleet" --state-dir "$state" --detach
    WINSIM_INVENTORY=$state/inventory.yml
    WINSIM_CONTROL_URL=$(python -c 'import json, sys; print(json.load(open(sys.argv[1]))["control_url"])' "$state/ready.json")
    export WINSIM_INVENTORY WINSIM_CONTROL_URL
}

winsim_stop() {
    if [ -n "${WINSIM_STATE:-}" ] && [ -f "$WINSIM_STATE/ready.json" ]; then
        winsim stop --state-dir "$WINSIM_STATE" || true
    fi
    WINSIM_STATE=
}
