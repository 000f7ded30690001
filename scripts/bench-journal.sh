#!/usr/bin/env bash
# Tick-to-order with execution's journal off and in `process` mode, in one run:
# alternating `mycelium run --strategy mm --ticks N` without and with `--journal`
# (a fresh directory each time), one current_thread runtime, the default paced feed.
#
#   scripts/bench-journal.sh [PAIRS] [TICKS]      default 5 pairs of 200000 ticks
#   BASELINE=path/to/mycelium scripts/bench-journal.sh   adds a third binary's run
#                                                         (e.g. an earlier commit's)
set -euo pipefail
cd "$(dirname "$0")/.."
release="${CARGO_TARGET_DIR:-target}/release"
pairs="${1:-5}"
ticks="${2:-200000}"

cargo build --quiet --release -p mycelium-apps --bin mycelium
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "- date: $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "- machine: $(nproc) vCPU, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- command: scripts/bench-journal.sh $pairs $ticks"
echo
echo '```'
echo "run                      p50        p90        p99      p99.9        max      count"
for i in $(seq 1 "$pairs"); do
    if [ -n "${BASELINE:-}" ]; then
        printf 'baseline %-3s' "$i"
        "$BASELINE" run --strategy mm --ticks "$ticks" | grep '^tick_to_order' | sed 's/^tick_to_order//'
    fi
    printf 'off      %-3s' "$i"
    "$release"/mycelium run --strategy mm --ticks "$ticks" | grep '^tick_to_order' | sed 's/^tick_to_order//'
    printf 'process  %-3s' "$i"
    "$release"/mycelium run --strategy mm --ticks "$ticks" --journal "$work/j$i" \
        | grep '^tick_to_order' | sed 's/^tick_to_order//'
    rm -rf "$work/j$i"
done
echo '```'
