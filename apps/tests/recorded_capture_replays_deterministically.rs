//! Replaying the real BTCUSDT capture through the pipeline twice gives identical
//! orders and fills.
mod support;

use mycelium_apps::trading_fingerprint;
use mycelium_market_data::{open_source, ReaderOptions, Speed};
use mycelium_strategies::StrategyRegistry;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_capture_trades_the_same_twice() {
    let Some(capture) = support::capture() else {
        return;
    };
    let config = support::config(0);
    let registry = StrategyRegistry::with_samples();
    let mut prints = Vec::new();
    for _ in 0..2 {
        let source = open_source(&capture, &ReaderOptions::default()).unwrap();
        let outcome = support::run_ticks(&config, &registry, source, Speed::Max).await;
        assert_eq!(outcome.execution.ticks, 99_625, "every tick of the capture");
        assert!(outcome.execution.stats.fills > 0);
        prints.push(trading_fingerprint(&outcome));
    }
    assert_eq!(prints[0], prints[1]);
}
