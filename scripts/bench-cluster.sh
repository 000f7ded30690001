#!/usr/bin/env bash
# Tick-to-order across processes: the feed and a market maker in one
# process (`trader`), execution in another (`venue`), over a Unix socket and over TCP
# loopback, with default and busy-poll links; beside the same pipeline in one
# process. Prints each run's merged hop table: p50 to p99.9 per hop, the tail over the
# median (p99/p50, p99.9/p50), and what the host did to each process (context switches,
# time runnable but waiting for a CPU, steal). First, the machine's own floor
# (`jitter`, benches/src/bin/jitter.rs): the delay a spinning thread gives an event
# (one thread, then two: what two spinning processes get), and a raw Unix socket's
# wake-up of a reader that sleeps (what a default link's reader gets), at the run's
# rate and for as long as one run.
#
# Placement: each node's runtime thread on a core of its own (`trader` core 0,
# `venue` core 1). Threads that spin: the trader's (its feed spins to each tick's
# deadline), and with busy_poll = true a node's link reader.
#
# LAG=n gives the market maker an answer lag of n (`answer_lag`: it takes its next
# ticks while its steps' answers cross the link); 0, the default, steps in lockstep.
#
#   scripts/bench-cluster.sh [TICKS]      (default 20000, paced at RATE=5000 ticks/s)
#   RATE=50000 LAG=4 scripts/bench-cluster.sh 500000
#   MYCELIUM_BIN=/path/to/mycelium PIN=0 scripts/bench-cluster.sh 100000
#
# MYCELIUM_BIN runs a binary built elsewhere (an older commit, for a before and after
# in one session) instead of building this tree's; PIN=0 leaves the nodes unpinned
# (binaries older than `[[node]] core` refuse the key).
set -euo pipefail
cd "$(dirname "$0")/.."
ticks="${1:-20000}"
rate="${RATE:-5000}"
lag="${LAG:-0}"
pin="${PIN:-1}"

if [ -n "${MYCELIUM_BIN:-}" ]; then
    bin="$(realpath "$MYCELIUM_BIN")"
else
    cargo build --quiet --release -p mycelium-apps
    # $CARGO_TARGET_DIR when set (relative to the repository root, where cargo runs).
    bin="$(realpath "${CARGO_TARGET_DIR:-target}")/release/mycelium"
fi
cargo build --quiet --release -p mycelium-benches --bin jitter
jitter="$(realpath "${CARGO_TARGET_DIR:-target}")/release/jitter"
secs=$(( (ticks + rate - 1) / rate ))
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

pipeline() {
    cat <<TOML
[pipeline.feed]
symbols = 4
seed = 1
rate = $rate
ticks = $ticks
[pipeline.execution.exchange]
order_latency_ns = 100000
[[pipeline.strategy]]
name = "mm"
kind = "market_maker"
$( [ "$lag" = 0 ] || echo "answer_lag = $lag" )
[pipeline.strategy.params]
half_spread_bps = 2.0
qty = 1.0
max_inventory = 5.0
TOML
}

cluster() { # transport busy_trader [busy_venue]
    local t="$1" busy="$2" busy_venue="${3:-$2}" a b core_t="" core_v=""
    if [ "$pin" = 1 ]; then core_t="core = 0"; core_v="core = 1"; fi
    if [ "$t" = unix ]; then a="unix = \"$work/t.sock\""; b="unix = \"$work/v.sock\""
    else a='tcp = "127.0.0.1:7301"'; b='tcp = "127.0.0.1:7302"'; fi
    cat <<TOML
secret = "bench"
[roles]
feed = "trader"
execution = "venue"
strategies = { mm = "trader" }
[[node]]
name = "trader"
$a
busy_poll = $busy
$core_t
[[node]]
name = "venue"
$b
busy_poll = $busy_venue
$core_v
TOML
    pipeline
}

echo "## the machine's floor, $secs s each"
"$jitter" spin "$secs" 1
"$jitter" spin "$secs" 2
"$jitter" wake "$secs" "$rate"
echo
echo "## one process, $rate ticks/s, answer lag $lag"
{ printf 'secret = "bench"\n[roles]\nfeed = "solo"\nexecution = "solo"\nstrategies = { mm = "solo" }\n[[node]]\nname = "solo"\n'; pipeline; } > "$work/solo.toml"
"$bin" node --config "$work/solo.toml" --name solo --report "$work/solo" > /dev/null
"$bin" report "$work/solo" | grep -E "^hop|tick_to|strategy_to|^host noise"
# The last placement busy-polls only the venue's link (the trader's feed spins to each
# tick's deadline anyway): two spinning threads, one per vCPU.
for t in unix tcp; do
    for busy in "false false" "true true" "false true"; do
        set -- $busy
        echo
        echo "## two processes over $t, busy_poll = $1 (trader), $2 (venue), $rate ticks/s, answer lag $lag"
        cluster "$t" "$1" "$2" > "$work/c.toml"
        "$bin" node --config "$work/c.toml" --name venue --report "$work/v" > /dev/null &
        venue=$!
        "$bin" node --config "$work/c.toml" --name trader --report "$work/t" > /dev/null
        wait "$venue"
        "$bin" report "$work/t" "$work/v" | grep -E "^hop|tick_to|strategy_to|^host noise"
        rm -rf "$work/t" "$work/v"
    done
done
