//! Running a strategy as a hot-path actor (pinned, busy-polling thread) changes its
//! latency, not its trades: the same seed gives the same orders and fills.
mod support;

use mycelium_apps::trading_fingerprint;
use mycelium_strategies::StrategyRegistry;

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_pinned_strategy_makes_the_same_trades() {
    let registry = StrategyRegistry::with_samples();
    let plain = support::config(10_000);
    let mut pinned = plain.clone();
    pinned.strategies[0].pinned_core = Some(1);
    let a = support::run_synthetic(&plain, &registry).await;
    let b = support::run_synthetic(&pinned, &registry).await;
    assert!(a.execution.stats.fills > 0);
    assert_eq!(trading_fingerprint(&a), trading_fingerprint(&b));
}
