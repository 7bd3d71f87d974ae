#!/usr/bin/env bash
# Make sure the programs the tests need are installed; install the missing ones from Debian's
# packages when that is possible and allowed.
#
#   tools/system_packages.sh COMMAND:PACKAGE:WHAT-NEEDS-IT ...
#
# SYSTEM_PACKAGES=auto (the default) installs what is missing when this runs as root on a
# machine with apt-get (a fresh CI machine); SYSTEM_PACKAGES=no only reports what is missing.
# A missing program is not fatal here: the test that needs it fails with its own message
# (and, in CI, never skips).
#
# Some of these packages ship services (prometheus, prometheus-node-exporter, krb5-kdc). The
# tests start their own instances on loopback; the packaged services must not start, on any
# address, so the install runs under a policy-rc.d that refuses every service start (the
# Debian mechanism that invoke-rc.d and deb-systemd-invoke honour).
set -euo pipefail

missing_packages=()
for entry in "$@"; do
    IFS=: read -r command package why <<<"$entry"
    why=${why//-/ }
    if ! command -v "$command" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$command" ] && [ ! -x "/usr/bin/$command" ]; then
        echo "missing: $command (Debian package $package) for $why"
        missing_packages+=("$package")
    fi
done
[ "${#missing_packages[@]}" -eq 0 ] && exit 0

if [ "${SYSTEM_PACKAGES:-auto}" != auto ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "not installing them here (SYSTEM_PACKAGES=${SYSTEM_PACKAGES:-auto}, uid $(id -u)); install them with apt-get" >&2
    exit 0
fi

policy=/usr/sbin/policy-rc.d
created_policy=
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# written by licensing.windows tools/system_packages.sh during an install\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    created_policy=1
fi
cleanup() { if [ -n "$created_policy" ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

echo "installing: ${missing_packages[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_packages[@]}" >/dev/null
