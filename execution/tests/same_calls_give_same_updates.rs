//! Execution is deterministic: the same ticks and the same calls give the same updates,
//! positions and stats.

mod common;

use common::*;
use mycelium_execution::{ClientOrderId, ExecutionEngine, Order, OrderUpdate, Position, TickStamp};
use mycelium_market_data::{Side, SyntheticConfig, SyntheticSource, TickEvent};

fn run() -> (Vec<OrderUpdate>, Vec<Position>, String) {
    let mut e: ExecutionEngine = engine(30_000);
    let source =
        SyntheticSource::new(SyntheticConfig { symbols: 3, seed: 7, ..SyntheticConfig::default() })
            .expect("synthetic source");
    let mut all = Vec::new();
    for (i, tick) in source.take(5_000).enumerate() {
        all.extend(e.on_tick(&tick));
        if let TickEvent::Quote(q) = tick.event {
            let stamp = TickStamp { exchange_ts_ns: tick.exchange_ts_ns, seq: tick.seq };
            let side = if i % 2 == 0 { Side::Buy } else { Side::Sell };
            let px = if i % 3 == 0 { q.ask_px } else { q.bid_px };
            all.extend(e.submit(Order::limit(
                S1,
                ClientOrderId(i as u64),
                tick.symbol,
                side,
                1.0,
                px,
                stamp,
            )));
        }
    }
    (all, e.positions().copied().collect(), format!("{:?}", e.stats()))
}

#[test]
fn two_runs_agree_exactly() {
    let (a, b) = (run(), run());
    assert!(a.0.iter().any(|u| u.last_fill.is_some()));
    assert_eq!(a, b);
}
