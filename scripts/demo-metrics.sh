#!/usr/bin/env bash
# The three-process pipeline of demo-multiprocess.sh with its metrics live: each node
# serves /metrics (`--metrics ADDR`), a Prometheus scrapes all three every second, and
# once it has data the script prints the tick-to-order p50 and p99 and the order rate
# as Prometheus computes them, then stops everything.
#
#   scripts/demo-metrics.sh [DURATION]          (default 60s)
#
# Needs Prometheus (scripts/setup-prometheus.sh installs it) and curl. Ports: the
# nodes' endpoints on 127.0.0.1:${METRICS_PORT:-9464} and the two above it, Prometheus
# on 127.0.0.1:${PROMETHEUS_PORT:-9090}.
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${1:-60s}"
base_port="${METRICS_PORT:-9464}"
prom_port="${PROMETHEUS_PORT:-9090}"

command -v prometheus >/dev/null || { echo "no prometheus on PATH: run scripts/setup-prometheus.sh" >&2; exit 1; }
command -v curl >/dev/null || { echo "this script needs curl" >&2; exit 1; }

cargo build --quiet --release -p mycelium-apps
bin="$PWD/target/release/mycelium"
if ! "$bin" node --help | grep -q -- '--metrics'; then
    echo "this build of mycelium has no --metrics flag (the endpoint is not wired into the commands yet)" >&2
    exit 1
fi

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# The cluster file's 20,000 ticks last four seconds: here the feed runs until the
# duration ends the nodes.
sed -e "s#/tmp/mycelium-cluster#$work#g" -e 's/^ticks = .*/ticks = 1000000000/' \
    apps/config/cluster-3proc.toml > "$work/cluster.toml"

targets=()
port=$base_port
for node in exec alpha md; do
    "$bin" node --config "$work/cluster.toml" --name "$node" --duration "$duration" \
        --metrics "127.0.0.1:$port" > "$work/$node.out" 2> "$work/$node.err" &
    pids+=("$!")
    targets+=("'127.0.0.1:$port'")
    port=$((port + 1))
done

cat > "$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: mycelium
    static_configs:
      - targets: [$(IFS=,; echo "${targets[*]}")]
EOF
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
    --web.listen-address="127.0.0.1:$prom_port" > "$work/prometheus.log" 2>&1 &
pids+=("$!")

query() {
    curl -sfG "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1"
}
# The first value of a query's answer, or nothing.
value() {
    query "$1" | sed -n 's/.*"value":\[[^,]*,"\([^"]*\)"\].*/\1/p'
}

echo "# three nodes with --metrics, Prometheus on 127.0.0.1:$prom_port (at most $duration)"
p99='histogram_quantile(0.99, sum by (le) (rate(mycelium_hop_latency_seconds_bucket{hop="tick_to_order"}[10s])))'
for _ in $(seq 1 120); do
    [ -n "$(value "$p99")" ] && break
    sleep 1
done
if [ -z "$(value "$p99")" ]; then
    echo "Prometheus has no tick-to-order data after two minutes; its log and the nodes' stderr:" >&2
    tail -n 20 "$work/prometheus.log" "$work"/*.err >&2
    exit 1
fi
p50='histogram_quantile(0.5, sum by (le) (rate(mycelium_hop_latency_seconds_bucket{hop="tick_to_order"}[10s])))'
orders='sum(rate(mycelium_orders_total[10s]))'
echo "tick-to-order p50, seconds:  $(value "$p50")      ($p50)"
echo "tick-to-order p99, seconds:  $(value "$p99")      ($p99)"
echo "orders per second:           $(value "$orders")      ($orders)"
echo "targets up:                  $(value 'sum(up)') of 3"
