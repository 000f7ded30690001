//! A strategy that panics mid-run is restarted alone: the feed, the other strategy
//! and execution go on, and the new instance starts with the position execution
//! holds for it.
mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use mycelium_apps::config::StrategySpec;
use mycelium_market_data::{MarketTick, Side, Symbol};
use mycelium_strategies::{Maker, Strategy, StrategyContext, StrategyRegistry};

/// Buys one unit at a time until it holds five (counting orders still open), panics
/// once on its 500th tick, and records the position it sees at each start. If a
/// restart forgot the position, the new instance would buy five more.
struct Fragile {
    seen: u64,
    symbol: Option<Symbol>,
    panicked: Arc<AtomicBool>,
    starts: Arc<Mutex<Vec<f64>>>,
}

impl Strategy for Fragile {
    fn on_start(&mut self, ctx: &mut StrategyContext) {
        let sym: Symbol = "SYN0".parse().unwrap();
        self.starts.lock().unwrap().push(ctx.position(&sym).qty.to_f64());
    }
    fn on_tick(&mut self, tick: &MarketTick, ctx: &mut StrategyContext) {
        let symbol = *self.symbol.get_or_insert(tick.symbol);
        self.seen += 1;
        let open: f64 = ctx.open_orders().map(|o| o.order.qty - o.filled_qty).sum();
        if tick.symbol == symbol && ctx.position(&symbol).qty.to_f64() + open < 5.0 {
            ctx.market(symbol, Side::Buy, 1.0);
        }
        if self.seen == 500 && !self.panicked.swap(true, Ordering::SeqCst) {
            panic!("fragile strategy: deliberate crash");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_crashed_strategy_recovers_its_position() {
    const TICKS: u64 = 5_000;
    let panicked = Arc::new(AtomicBool::new(false));
    let starts = Arc::new(Mutex::new(Vec::new()));
    let mut registry = StrategyRegistry::with_samples();
    let (p, s) = (panicked.clone(), starts.clone());
    registry.register(
        "fragile",
        Box::new(move |_params| {
            let (p, s) = (p.clone(), s.clone());
            let maker: Maker = Arc::new(move || {
                Box::new(Fragile {
                    seen: 0,
                    symbol: Some("SYN0".parse().unwrap()),
                    panicked: p.clone(),
                    starts: s.clone(),
                }) as Box<dyn Strategy>
            });
            Ok(maker)
        }),
    );
    let mut config = support::config(TICKS);
    config.feed.symbols = 1;
    config.strategies.push(StrategySpec {
        name: "fragile".into(),
        kind: "fragile".into(),
        params: toml::Table::new(),
        pinned_core: None,
        answer_lag: 0,
    });
    let outcome = support::run_synthetic(&config, &registry).await;

    assert!(panicked.load(Ordering::SeqCst));
    assert_eq!(outcome.restarts, 1, "exactly one restart");
    assert_eq!(*starts.lock().unwrap(), vec![0.0, 5.0], "the new instance starts with its 5 units");
    for (name, id, host) in &outcome.strategies {
        if name == "fragile" {
            let pos =
                outcome.execution.positions.iter().find(|(p, _)| p.strategy == *id).unwrap().0;
            assert_eq!(
                pos.qty.to_f64(),
                5.0,
                "execution kept the position, and the new instance did not buy again"
            );
            // The new instance counts from its start: the ticks after the crash.
            assert_eq!(host.ticks, TICKS - 500);
        } else {
            assert_eq!(host.ticks, TICKS, "{name} ran through the crash untouched");
        }
    }
    assert_eq!(outcome.execution.ticks, TICKS, "execution applied every tick");
}
