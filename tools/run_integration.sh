#!/usr/bin/env bash
# Run the integration targets (tests/integration/targets) with ansible-test, from a staged
# copy of the collection, in this virtual environment (which has pywinrm and the simulator).
set -euo pipefail
cd "$(dirname "$0")/.."
stage="$PWD/build/stage"
python tools/stage_collection.py "$stage" >/dev/null
cd "$stage/ansible_collections/licensing/windows"
exec ansible-test integration --local --python 3.11 --color no "$@"
