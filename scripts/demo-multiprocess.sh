#!/usr/bin/env bash
# The trading pipeline as three processes on one host, over Unix sockets: `md` (the
# feed), `alpha` (both sample strategies) and `exec` (execution), from
# apps/config/cluster-3proc.toml. Runs until the feed's ticks are done (or for at most
# DURATION), stops the nodes, and prints each node's summary and the merged latency
# report. Given recorded files (any format `mycelium replay` reads), `md` replays them
# instead of the synthetic feed.
#
#   scripts/demo-multiprocess.sh [--busy-poll] [DURATION] [FILE...]     (default 60s)
set -euo pipefail
here="$PWD"
cd "$(dirname "$0")/.."

busy=""
if [ "${1:-}" = "--busy-poll" ]; then busy=1; shift; fi
duration=60s
if [[ "${1:-}" =~ ^[0-9.]+(ms|s|m|h)$ ]]; then duration="$1"; shift; fi
files=()
for f in "$@"; do files+=("$(cd "$here" && realpath "$f")"); done

cargo build --quiet --release -p mycelium-apps
# $CARGO_TARGET_DIR when set (relative to the repository root, where cargo runs).
bin="$(realpath "${CARGO_TARGET_DIR:-target}")/release/mycelium"
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# The example file, copied into this run's own private directory: its relative socket
# paths then put the sockets there.
cp apps/config/cluster-3proc.toml "$work/cluster.toml"
if [ -n "$busy" ]; then
    sed -i '/^\[\[node\]\]/{n;s/^name = \(.*\)$/name = \1\nbusy_poll = true/}' "$work/cluster.toml"
fi

echo "# three processes on Unix sockets${busy:+, busy-poll links} (at most $duration)"
for node in exec alpha md; do
    input=()
    if [ "$node" = md ]; then input=("${files[@]}"); fi
    "$bin" node --config "$work/cluster.toml" --name "$node" --duration "$duration" \
        --report "$work/report-$node" "${input[@]}" > "$work/$node.out" 2> "$work/$node.err" &
    pids+=("$!")
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
pids=()
for node in md alpha exec; do
    echo
    echo "## $node"
    cat "$work/$node.out"
done
if [ "$status" -ne 0 ]; then
    echo "a node failed (exit $status); its stderr:" >&2
    tail -n 20 "$work"/*.err >&2
    exit "$status"
fi
echo
echo "## latency, all nodes merged"
"$bin" report "$work"/report-md "$work"/report-alpha "$work"/report-exec
