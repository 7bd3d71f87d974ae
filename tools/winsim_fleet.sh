#!/usr/bin/env bash
# Shared by the demo and the integration targets: start a simulated fleet in the
# background and stop it (and clean up) when the calling script exits.
#   source tools/winsim_fleet.sh; winsim_start FLEET.yml STATE_DIR
# sets WINSIM_INVENTORY (the generated Ansible inventory) and WINSIM_PID.

winsim_start() {
    local fleet=$1 state=$2
    rm -rf "$state"
    mkdir -p "$state"
    WINSIM_INVENTORY="$state/inventory.yml"
    winsim serve --fleet "$fleet" --inventory "$WINSIM_INVENTORY" --state-dir "$state/sim" \
        --ready-file "$state/ready.json" >"$state/winsim.log" 2>&1 &
    WINSIM_PID=$!
    trap winsim_stop EXIT
    local waited=0
    until [ -s "$state/ready.json" ]; do
        if ! kill -0 "$WINSIM_PID" 2>/dev/null; then
            echo "the simulated fleet did not start:" >&2
            cat "$state/winsim.log" >&2
            return 1
        fi
        if [ "$waited" -ge 300 ]; then
            echo "the simulated fleet was not ready after 30 s" >&2
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    export WINSIM_INVENTORY WINSIM_PID
}

winsim_stop() {
    if [ -n "${WINSIM_PID:-}" ] && kill -0 "$WINSIM_PID" 2>/dev/null; then
        kill -TERM "$WINSIM_PID" 2>/dev/null || true
        wait "$WINSIM_PID" 2>/dev/null || true
    fi
    WINSIM_PID=
}
