#!/usr/bin/env bash
# Builds the benches in release (lto, codegen-units = 1) and prints Markdown tables:
# Mycelium beside raw tokio, same work, same run, with ratios to raw tokio.
#
#   scripts/bench.sh           full run: percentile tables, then the criterion benches
#   scripts/bench.sh --quick   percentile tables on smaller runs only (under 3 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."

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
./target/release/local_report ${quick}

if [ -z "$quick" ]; then
    echo
    echo "## criterion (means per message)"
    cargo bench --quiet -p mycelium-benches --bench local -- --noplot 2>&1 | grep -E "^local/|time:|thrpt:" || true
fi
