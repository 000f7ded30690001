//! The same seed and config give the same orders, fills and positions, however the
//! threads interleave: on one thread and on two workers alike. A different seed
//! gives a different run.
mod support;

use mycelium_apps::trading_fingerprint;
use mycelium_strategies::StrategyRegistry;

fn run_on(workers: Option<usize>, seed: u64) -> String {
    let rt = match workers {
        None => tokio::runtime::Builder::new_current_thread(),
        Some(n) => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(n);
            b
        }
    }
    .enable_all()
    .build()
    .unwrap();
    let mut config = support::config(20_000);
    config.feed.seed = seed;
    let outcome = rt.block_on(support::run_synthetic(&config, &StrategyRegistry::with_samples()));
    assert!(outcome.execution.stats.fills > 0);
    trading_fingerprint(&outcome)
}

#[test]
fn same_seed_same_trades_on_any_placement() {
    let one_thread = run_on(None, 7);
    assert_eq!(one_thread, run_on(Some(2), 7));
    assert_eq!(one_thread, run_on(Some(2), 7));
    assert_ne!(one_thread, run_on(None, 8), "the seed must matter");
}
