//! Positions balance at any mark: `cash + qty x mark == realized + unrealized`, over
//! random fill sequences (with and without fees) and over a random strategy trading
//! synthetic ticks through the engine; average-cost accounting on known examples. All
//! in fixed point, so the balance is exact.

mod common;

use common::*;
use mycelium_execution::{
    ClientOrderId, FeeSchedule, Fill, Liquidity, Order, Position, Positions, StrategyId, Terms,
    TickStamp,
};
use mycelium_market_data::{Money, Price, Qty, Side, SyntheticConfig, SyntheticSource, TickEvent};
use proptest::prelude::*;

/// Linear, multiplier 1: the terms of a symbol without an instrument.
const L: Terms = Terms { inverse: false, multiplier: Qty(1_000_000_000) };

fn assert_balanced(p: &Position, mark: f64) {
    let mark = Price::from_f64(mark).expect("a finite mark");
    let lhs = p.cash + p.qty.notional(mark);
    let rhs = p.realized_pnl + p.unrealized_pnl(mark, L);
    assert_eq!(lhs, rhs, "for {p:?} at {mark}");
    assert_eq!(p.equity(mark, L), p.total_pnl(mark, L));
}

fn m(text: &str) -> Money {
    text.parse().expect("decimal")
}

fn fill(side: Side, px: f64, qty: f64) -> Fill {
    Fill { px, qty, side, liquidity: Liquidity::Taker }
}

#[test]
fn average_cost_examples() {
    let mut p = Position::flat(S1, sym());
    p.apply_fill(&fill(Side::Buy, 100.0, 10.0), L, Money::ZERO);
    p.apply_fill(&fill(Side::Sell, 110.0, 4.0), L, Money::ZERO);
    assert_eq!((p.qty, p.avg_px(L), p.realized_pnl), (Qty::from_int(6), 100.0, m("40")));
    // Flip through zero: close 6 at 90 (-60), open 4 short at 90.
    p.apply_fill(&fill(Side::Sell, 90.0, 10.0), L, Money::ZERO);
    assert_eq!((p.qty, p.avg_px(L), p.realized_pnl), (Qty::from_int(-4), 90.0, m("-20")));
    assert_eq!(p.unrealized_pnl(Price::from_int(80), L), m("40"));
    p.apply_fill(&fill(Side::Buy, 80.0, 4.0), L, m("1.5"));
    assert_eq!(
        (p.qty, p.cost, p.realized_pnl, p.fees),
        (Qty::ZERO, Money::ZERO, m("18.5"), m("1.5"))
    );
    assert_eq!(p.cash, m("18.5"));
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
        let mut book = Positions::new(
            FeeSchedule { maker_bps: Some(maker_bps), taker_bps: Some(taker_bps) },
            Default::default(),
        );
        let mut signed_qty = Qty::ZERO;
        for (buy, px, qty, maker) in fills {
            let side = if buy { Side::Buy } else { Side::Sell };
            let liquidity = if maker { Liquidity::Maker } else { Liquidity::Taker };
            let p = *book.apply(S1, sym(), &Fill { px, qty, side, liquidity });
            let q = Qty::from_f64(qty).expect("finite");
            signed_qty += if buy { q } else { -q };
            prop_assert_eq!(p.qty, signed_qty);
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
            e.cancel(mycelium_execution::Cancel::order(
                strategy,
                ClientOrderId(id - 1),
                tick.symbol,
                stamp,
            ));
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
