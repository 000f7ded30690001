//! A full run on the synthetic feed: every tick reaches every strategy, every order is
//! accounted for, and each position's books balance: cash + position x mark equals
//! realized + unrealized PnL.
mod support;

use mycelium_market_data::Price;
use mycelium_strategies::StrategyRegistry;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_synthetic_run_accounts_for_every_order_and_balances() {
    const TICKS: u64 = 30_000;
    let config = support::config(TICKS);
    let outcome = support::run_synthetic(&config, &StrategyRegistry::with_samples()).await;
    assert_eq!(outcome.strategies.len(), 2);
    for (name, _, host) in &outcome.strategies {
        assert_eq!(host.ticks, TICKS, "strategy {name} saw every tick");
    }
    assert_eq!(outcome.execution.ticks, TICKS, "execution applied every tick");
    let stats = &outcome.execution.stats;
    let sent: u64 = outcome.strategies.iter().map(|(_, _, h)| h.orders).sum();
    assert_eq!(stats.orders, sent, "execution saw every order sent");
    assert_eq!(stats.accepted + stats.rejects(), stats.orders);
    assert!(stats.fills > 0, "the samples trade: {stats:?}");
    assert!(!outcome.execution.positions.is_empty());
    for (p, mark) in &outcome.execution.positions {
        let mark = mark.and_then(Price::from_f64).expect("a mark for a traded symbol");
        let books = p.cash + p.qty.notional(mark);
        let pnl = p.realized_pnl + p.unrealized_pnl(mark, Default::default());
        assert_eq!(books, pnl, "{p:?}: cash+qty*mark != pnl, exactly");
        assert!(
            p.qty.abs().to_f64() <= config.execution.risk.max_position,
            "position limit held: {p:?}"
        );
    }
}

#[test]
fn run_for_a_duration_stops_the_feed_and_reports() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mycelium"))
        .args(["run", "--duration", "500ms"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let ticks: u64 = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(ticks > 0, "{text}");
    assert!(
        text.contains("simulated order latency (exchange time, a setting): 100.0 us; queue model: risk-averse"),
        "{text}"
    );
    assert!(text.contains("latency (measured)"), "{text}");
}
