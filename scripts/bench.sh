#!/usr/bin/env bash
# Builds the benches in release (lto, codegen-units = 1) and prints Markdown tables:
# Mycelium beside raw tokio, same work, same run, with ratios to raw tokio.
#
#   scripts/bench.sh           full run: percentile tables, then the criterion benches
#   scripts/bench.sh --quick   percentile tables on smaller runs only (under 3 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
# Where cargo puts the binaries: $CARGO_TARGET_DIR when set (relative to the
# repository root, where cargo runs), else ./target.
release="${CARGO_TARGET_DIR:-target}/release"

quick=""
[ "${1:-}" = "--quick" ] && quick="--quick"

echo "# Mycelium local benchmarks"
echo
echo "- date: $(date -u +%Y-%m-%d)"
echo "- machine: $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr)"
echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "- command: scripts/bench.sh ${quick}"
echo

cargo build --quiet --release -p mycelium-benches --bin local_report
"$release"/local_report ${quick}

# Remote actors: two nodes over loopback Unix and TCP sockets beside raw sockets.
echo
echo "## Remote actors over loopback (remote_report)"
echo
cargo build --quiet --release -p mycelium-benches --bin remote_report
"$release"/remote_report ${quick}

# The peer comparison: Mycelium task/pinned actors beside raw tokio, a raw SPSC ring
# and the peer runtimes (actix, ractor, kameo: built only with `--features peers`).
echo
echo "## Mycelium beside actix, ractor and kameo (peer_report)"
echo
cargo run --quiet --release -p mycelium-benches --features peers --bin peer_report -- ${quick}
echo

# The two-worker p99: one run's p99 lands on either side of the wake-up cliff
# by the host's phase, so it is judged over many pairs of turns on one runtime.
echo
echo "## Two-worker tails, many pairs of turns (tails pair)"
echo
cargo build --quiet --release -p mycelium-benches --bin tails
pairs=50
one_way_pairs=30
[ -n "$quick" ] && pairs=20 && one_way_pairs=10
echo '```'
for scenario in ping-pong ask ask-by-send ask-timeout; do
    echo "$scenario:"
    "$release"/tails pair "$scenario" "$pairs" | tail -3
done
echo "one-way:"
"$release"/tails pair one-way "$one_way_pairs" | tail -3
echo '```'

# The trading stack, through the `mycelium` binary (one current_thread runtime).
cargo build --quiet --release -p mycelium-apps
bin="$release/mycelium"
data="${MYCELIUM_DATA_DIR:-../shared/data}"
capture="$data/hftbacktest_binance-usdm_BTCUSDT_20240808.jsonl.gz"
ticks=200000
[ -n "$quick" ] && ticks=50000

echo
echo "## Tick-to-order in one process (paced 50k ticks/s synthetic feed, one market maker)"
echo
echo '```'
"$bin" run --strategy mm --ticks "$ticks" | sed -n '/^latency/,$p'
echo '```'

echo
echo "## Replay throughput (feed + one counting subscriber, as fast as possible)"
echo
# A replay of the capture lasts 20-100 ms, so one run shows the host's noise as much
# as the code: each source is replayed several times and the median is the figure.
runs=7
[ -n "$quick" ] && runs=3
replay_runs() {
    local rates
    rates=$(for _ in $(seq "$runs"); do
        "$bin" replay --stats-only "$1" | tail -1 | awk '{print $(NF-3)}'
    done | sort -n)
    echo "median $(echo "$rates" | awk '{a[NR]=$1} END {printf "%.2fM", a[int((NR+1)/2)]/1e6}') events/s;" \
        "$runs runs: $(echo "$rates" | awk '{printf "%s%.2fM", (NR>1 ? ", " : ""), $1/1e6}')"
}
if [ -f "$capture" ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    "$bin" record --out "$tmp/capture.myct" "$capture" > /dev/null
    echo "- gzip JSON capture (inflate, parse, book, broadcast): $(replay_runs "$capture")"
    echo "- its binary recording: $(replay_runs "$tmp/capture.myct")"
else
    echo "skipped: $capture not found (set MYCELIUM_DATA_DIR)"
fi

if [ -z "$quick" ]; then
    echo
    echo "## criterion (means per message)"
    cargo bench --quiet -p mycelium-benches --bench local -- --noplot 2>&1 | grep -E "^local/|time:|thrpt:" || true
    cargo bench --quiet -p mycelium-benches --bench remote -- --noplot 2>&1 | grep -E "^wire/|^remote_rtt/|time:|thrpt:" || true
fi
