//! Positions balance at any mark: `cash + qty x mark == realized + unrealized`, over
//! random fill sequences (with and without fees) and over a random strategy trading
//! synthetic ticks through the engine; average-cost accounting on known examples.

mod common;

use common::*;
use mycelium_execution::{
    ClientOrderId, FeeSchedule, Fill, Liquidity, Order, Position, Positions, StrategyId, TickStamp,
};
use mycelium_market_data::{Side, SyntheticConfig, SyntheticSource, TickEvent};
use proptest::prelude::*;

fn assert_balanced(p: &Position, mark: f64) {
    let lhs = p.cash + p.qty * mark;
    let rhs = p.realized_pnl + p.unrealized_pnl(mark);
    let scale = 1.0 + p.cash.abs() + (p.qty * mark).abs() + p.realized_pnl.abs();
    assert!((lhs - rhs).abs() <= 1e-9 * scale, "{lhs} != {rhs} for {p:?} at {mark}");
    assert!((p.equity(mark) - p.total_pnl(mark)).abs() <= 1e-9 * scale);
}

fn fill(side: Side, px: f64, qty: f64) -> Fill {
    Fill { px, qty, side, liquidity: Liquidity::Taker }
}

#[test]
fn average_cost_examples() {
    let mut p = Position::flat(S1, sym());
    p.apply_fill(&fill(Side::Buy, 100.0, 10.0), 0.0);
    p.apply_fill(&fill(Side::Sell, 110.0, 4.0), 0.0);
    assert_eq!((p.qty, p.avg_px, p.realized_pnl), (6.0, 100.0, 40.0));
    // Flip through zero: close 6 at 90 (-60), open 4 short at 90.
    p.apply_fill(&fill(Side::Sell, 90.0, 10.0), 0.0);
    assert_eq!((p.qty, p.avg_px, p.realized_pnl), (-4.0, 90.0, -20.0));
    assert_eq!(p.unrealized_pnl(80.0), 40.0);
    p.apply_fill(&fill(Side::Buy, 80.0, 4.0), 1.5);
    assert_eq!((p.qty, p.avg_px, p.realized_pnl, p.fees), (0.0, 0.0, 18.5, 1.5));
    assert_eq!(p.cash, 18.5);
}

fn arb_fill() -> impl Strategy<Value = (bool, f64, f64, bool)> {
    (any::<bool>(), 1.0f64..1_000.0, 0.001f64..100.0, any::<bool>())
}

proptest! {
    #[test]
    fn cash_plus_position_at_mark_equals_realized_plus_unrealized(
        fills in prop::collection::vec(arb_fill(), 1..200),
        marks in prop::collection::vec(0.5f64..2_000.0, 1..5),
        maker_bps in -2.0f64..5.0,
        taker_bps in 0.0f64..10.0,
    ) {
        let mut book = Positions::new(FeeSchedule { maker_bps, taker_bps });
        let mut signed_qty = 0.0;
        for (buy, px, qty, maker) in fills {
            let side = if buy { Side::Buy } else { Side::Sell };
            let liquidity = if maker { Liquidity::Maker } else { Liquidity::Taker };
            let p = *book.apply(S1, sym(), &Fill { px, qty, side, liquidity });
            signed_qty += if buy { qty } else { -qty };
            prop_assert!((p.qty - signed_qty).abs() <= 1e-9 * (1.0 + signed_qty.abs()));
            for &mark in &marks {
                assert_balanced(&p, mark);
            }
        }
    }
}

/// A tiny deterministic PRNG for the random strategy (xorshift64).
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn balanced_after_a_random_strategy_trades_synthetic_ticks() {
    let mut e = engine(50_000);
    let source = SyntheticSource::new(SyntheticConfig { symbols: 2, ..SyntheticConfig::default() })
        .expect("synthetic source");
    let mut rng = 0x9E37_79B9_7F4A_7C15_u64;
    let mut id = 0;
    let strategies = [StrategyId(1), StrategyId(2)];
    let mut fills = 0;
    for tick in source.take(20_000) {
        fills += e.on_tick(&tick).iter().filter(|u| u.last_fill.is_some()).count();
        let TickEvent::Quote(q) = tick.event else {
            continue;
        };
        if !next(&mut rng).is_multiple_of(4) {
            continue;
        }
        id += 1;
        let r = next(&mut rng);
        let strategy = strategies[(r % 2) as usize];
        let side = if r & 2 == 0 { Side::Buy } else { Side::Sell };
        let qty = (1 + r % 7) as f64;
        let stamp = TickStamp { exchange_ts_ns: tick.exchange_ts_ns, seq: tick.seq };
        let cid = ClientOrderId(id);
        let order = match (r >> 8) % 3 {
            0 => Order::market(strategy, cid, tick.symbol, side, qty, stamp),
            1 => Order::ioc(strategy, cid, tick.symbol, side, qty, q.ask_px, stamp),
            _ => Order::limit(strategy, cid, tick.symbol, side, qty, q.bid_px, stamp),
        };
        e.submit(order);
        if r.is_multiple_of(5) {
            e.cancel(mycelium_execution::Cancel {
                client_order_id: ClientOrderId(id - 1),
                strategy,
                symbol: tick.symbol,
                reacted_to: stamp,
            });
        }
    }
    assert!(fills > 1_000, "the run traded ({fills} fills)");
    assert_eq!(e.stats().fills, fills as u64);
    let positions: Vec<_> = e.positions().copied().collect();
    assert_eq!(positions.len(), 4);
    for p in positions {
        let mark = e.mark(p.symbol).expect("a market");
        assert_balanced(&p, mark);
    }
}
