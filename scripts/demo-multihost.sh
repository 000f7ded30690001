#!/usr/bin/env bash
# The trading pipeline on two "hosts": two network namespaces joined by a veth pair,
# TCP between them (no Unix socket path is shared, so the links use TCP). `trader`
# runs the feed and the strategies, `venue` runs execution. Prints both nodes'
# summaries and the merged latency report. Addresses are private test addresses that
# exist only inside the two namespaces this script makes; everything it makes is
# removed on exit, also on failure.
#
#   sudo scripts/demo-multihost.sh [DURATION]      (default 60s)
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-60s}"

if [ "$(id -u)" -ne 0 ]; then
    echo "demo-multihost: needs root (it creates network namespaces); run it with sudo" >&2
    exit 2
fi
if ! command -v ip > /dev/null || ! ip netns list > /dev/null 2>&1; then
    echo "demo-multihost: needs iproute2 with network namespace support (ip netns)" >&2
    exit 2
fi

cargo build --quiet --release -p mycelium-apps
# $CARGO_TARGET_DIR when set (relative to the repository root, where cargo runs).
bin="$(realpath "${CARGO_TARGET_DIR:-target}")/release/mycelium"
work="$(mktemp -d)"
id="$$"
ns_a="myc-trader-$id"
ns_b="myc-venue-$id"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    ip netns del "$ns_a" 2>/dev/null || true
    ip netns del "$ns_b" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Two hosts, one cable.
ip netns add "$ns_a"
ip netns add "$ns_b"
ip link add "mya$id" type veth peer name "myb$id"
ip link set "mya$id" netns "$ns_a"
ip link set "myb$id" netns "$ns_b"
ip -n "$ns_a" addr add 10.231.0.1/24 dev "mya$id"
ip -n "$ns_b" addr add 10.231.0.2/24 dev "myb$id"
for ns in "$ns_a" "$ns_b"; do ip -n "$ns" link set lo up; done
ip -n "$ns_a" link set "mya$id" up
ip -n "$ns_b" link set "myb$id" up

# The two-host example, at these hosts' addresses.
sed -e 's/127.0.0.1:7201/10.231.0.1:7201/' -e 's/127.0.0.1:7202/10.231.0.2:7202/' \
    -e "s#secret_file = \"cluster.secret\"#secret = \"demo-multihost $id\"#" \
    apps/config/cluster-2host.toml > "$work/cluster.toml"

echo "# two hosts (network namespaces $ns_a, $ns_b), TCP between them (at most $duration)"
ip netns exec "$ns_b" "$bin" node --config "$work/cluster.toml" --name venue \
    --duration "$duration" --report "$work/report-venue" > "$work/venue.out" 2> "$work/venue.err" &
pids+=("$!")
ip netns exec "$ns_a" "$bin" node --config "$work/cluster.toml" --name trader \
    --duration "$duration" --report "$work/report-trader" > "$work/trader.out" 2> "$work/trader.err" &
pids+=("$!")
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
pids=()
for node in trader venue; do
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
echo "## latency, both hosts merged"
"$bin" report "$work/report-trader" "$work/report-venue"
