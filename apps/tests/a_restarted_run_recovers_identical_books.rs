//! A run with a journal, then a second start on the same journal, reports identical
//! books: orders, fills, rejects, positions and PnL, ticks applied. Without the journal
//! the second start begins empty (so the comparison can fail).
mod support;

use mycelium_apps::trading_fingerprint;
use mycelium_journal::Durability;
use mycelium_strategies::StrategyRegistry;

fn run(config: &mycelium_apps::PipelineConfig) -> String {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let outcome = rt.block_on(support::run_synthetic(config, &StrategyRegistry::with_samples()));
    format!("ticks={}\n{}", outcome.execution.ticks, trading_fingerprint(&outcome))
}

fn restarted_books_match(mode: Durability, snapshot_interval: u64) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = support::config(6_000);
    config.journal.dir = Some(dir.path().join("journal"));
    config.journal.mode = mode;
    config.journal.snapshot_interval = snapshot_interval;
    let first = run(&config);
    assert!(first.contains("fills: "), "{first}");

    config.feed.ticks = 0;
    let again = run(&config);
    assert_eq!(again, first, "the second start's books differ from the first run's");

    config.journal.dir = None;
    assert_ne!(run(&config), first, "without the journal the second start is empty");
}

#[test]
fn process_mode_replay_alone() {
    restarted_books_match(Durability::Process, 0);
}

#[test]
fn process_mode_from_a_snapshot_and_the_tail() {
    restarted_books_match(Durability::Process, 1_000);
}

#[test]
fn fsync_mode() {
    restarted_books_match(Durability::Fsync, 5_000);
}
