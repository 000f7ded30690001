//! Each sample strategy trades the symbols of its config (all of the feed's when it
//! lists none): the default four-symbol run trades all four, with both strategies.
mod support;

use std::collections::BTreeSet;

use mycelium_strategies::StrategyRegistry;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_samples_trade_all_four_symbols() {
    let config = support::config(20_000);
    let outcome = support::run_synthetic(&config, &StrategyRegistry::with_samples()).await;
    let all: BTreeSet<String> = (0..4).map(|i| format!("SYN{i}")).collect();
    for (name, id, _) in &outcome.strategies {
        let traded: BTreeSet<String> = outcome
            .execution
            .positions
            .iter()
            .filter(|(p, _)| p.strategy == *id && p.fills > 0)
            .map(|(p, _)| p.symbol.to_string())
            .collect();
        assert_eq!(traded, all, "{name} traded only {traded:?}");
    }
}
