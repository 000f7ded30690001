#!/usr/bin/env bash
# Installs Prometheus and promtool from the distribution's `prometheus` package, for the
# metrics tests (a real Prometheus scrapes the exporter) and scripts/demo-metrics.sh.
#
#   scripts/setup-prometheus.sh
#
# Idempotent: does nothing when both binaries are already on PATH. Needs root (or
# passwordless sudo) and apt; talks to no network but the package archives apt is
# configured with. Where it cannot install, it says why and exits 0: the tests that
# need Prometheus then report themselves skipped.
set -euo pipefail

say() { echo "setup-prometheus: $*"; }
skip() {
    say "SKIPPED: $* (the tests that need Prometheus will say they were skipped)"
    exit 0
}

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    say "already installed: $(prometheus --version 2>&1 | head -n 1)"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    skip "not root and no passwordless sudo"
fi
command -v apt-get >/dev/null 2>&1 || skip "no apt-get on this system"

export DEBIAN_FRONTEND=noninteractive

# The package installs a service; a container or CI runner has no init to start it
# and the tests start their own Prometheus. A policy-rc.d that answers 101 ("action
# forbidden") keeps the maintainer scripts from starting one. An existing policy is
# left alone; ours is removed on exit.
policy=/usr/sbin/policy-rc.d
own_policy=""
cleanup() {
    if [ -n "$own_policy" ]; then "${as_root[@]}" rm -f "$policy"; fi
}
trap cleanup EXIT
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
    "${as_root[@]}" chmod 755 "$policy"
    own_policy=1
fi

# Refresh the package lists only when they do not know the package yet.
candidate() { apt-cache policy prometheus 2>/dev/null | awk '/Candidate:/ { print $2 }'; }
if [ -z "$(candidate)" ] || [ "$(candidate)" = "(none)" ]; then
    say "apt-get update"
    "${as_root[@]}" apt-get update -qq || skip "apt-get update failed (no access to the package archives?)"
fi
if [ -z "$(candidate)" ] || [ "$(candidate)" = "(none)" ]; then
    skip "no 'prometheus' package in the configured archives"
fi

say "installing prometheus $(candidate)"
if ! "${as_root[@]}" apt-get install -y -qq --no-install-recommends prometheus >/dev/null; then
    skip "apt-get install prometheus failed"
fi
# The package's postinst may have started the daemon where an init system runs: stop
# it, so it holds no port and scrapes nothing while the tests run.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    "${as_root[@]}" systemctl stop prometheus || true
fi

command -v promtool >/dev/null 2>&1 || skip "the package installed no promtool"
say "installed: $(prometheus --version 2>&1 | head -n 1)"
