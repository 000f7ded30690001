#!/usr/bin/env bash
# Tick-to-order in one process with `--metrics` on, scraped every second, and off, in
# alternating turns of one run: `mycelium run --strategy mm --ticks TICKS` (synthetic
# feed paced at 50k ticks/s, one market maker, one current_thread runtime). Prints
# each turn's p50 and p99 (from its --report summary.json) and each side's medians.
#
#   scripts/bench-metrics.sh [TURNS] [TICKS]     (default 5 turns each of 500,000 ticks)
#   RATE=10000 scripts/bench-metrics.sh 5 200000
#
# RATE=N paces the feed at N ticks/s instead (on a busy host, a rate the pipeline
# keeps up with: behind its schedule, latency measures the backlog). Needs curl. The
# endpoint listens on 127.0.0.1:${METRICS_PORT:-9464}.
set -euo pipefail
cd "$(dirname "$0")/.."
release="${CARGO_TARGET_DIR:-target}/release"
turns="${1:-5}"
ticks="${2:-500000}"
port="${METRICS_PORT:-9464}"
rate="${RATE:-50000}"
command -v curl >/dev/null || { echo "this script needs curl" >&2; exit 1; }

cargo build --quiet --release -p mycelium-apps
bin="$release/mycelium"
work="$(mktemp -d)"
scraper=""
cleanup() {
    [ -n "$scraper" ] && kill "$scraper" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
"$bin" config | sed "s/^rate = .*/rate = $rate/" > "$work/config.toml"

# tick_to_order's "p50 p99" in ns from a report's summary.json.
percentiles() {
    sed -n '/"hop": "tick_to_order"/,/}/p' "$1/summary.json" \
        | sed -n 's/.*"\(p50\|p99\)": \([0-9]*\),/\2/p' | paste -sd' '
}

# One turn: $1 is on or off; prints "p50 p99 scrapes".
turn() {
    local dir="$work/$1-$2" scrapes=0
    if [ "$1" = on ]; then
        "$bin" run --config "$work/config.toml" --strategy mm --ticks "$ticks" --report "$dir" \
            --metrics "127.0.0.1:$port" > /dev/null 2> "$work/err" &
        local run=$!
        # Scrape every second while the run lasts.
        ( while kill -0 "$run" 2>/dev/null; do
              curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && echo >> "$work/scrapes-$2"
              sleep 1
          done ) &
        scraper=$!
        wait "$run"
        wait "$scraper" || true
        scraper=""
        scrapes=$(wc -l < "$work/scrapes-$2" 2>/dev/null || echo 0)
    else
        "$bin" run --config "$work/config.toml" --strategy mm --ticks "$ticks" --report "$dir" \
            > /dev/null 2> "$work/err"
    fi
    echo "$(percentiles "$dir") $scrapes"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "# tick_to_order, --metrics off and on (scraped every second), $turns turns each of $ticks ticks at $rate ticks/s"
echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) vCPU, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| turn | off p50 | off p99 | on p50 | on p99 | scrapes |"
echo "|---:|---:|---:|---:|---:|---:|"
: > "$work/off" ; : > "$work/on"
for i in $(seq 1 "$turns"); do
    # Alternate which side goes first, so a drift of the host favours neither.
    if [ $((i % 2)) -eq 1 ]; then
        off=$(turn off "$i"); on=$(turn on "$i")
    else
        on=$(turn on "$i"); off=$(turn off "$i")
    fi
    echo "$off" >> "$work/off"; echo "$on" >> "$work/on"
    set -- $off; op50=$1; op99=$2
    set -- $on; np50=$1; np99=$2; n=$3
    echo "| $i | $op50 ns | $op99 ns | $np50 ns | $np99 ns | $n |"
done
echo
for side in off on; do
    p50=$(cut -d' ' -f1 "$work/$side" | median)
    p99=$(cut -d' ' -f2 "$work/$side" | median)
    echo "- $side: median p50 $p50 ns, median p99 $p99 ns"
done
