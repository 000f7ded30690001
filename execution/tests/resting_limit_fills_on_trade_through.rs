//! A resting limit order fills when a trade prints at or through its price: at its limit
//! price, as maker, up to the print's quantity, which resting orders share in priority
//! order (best price, then arrival).

mod common;

use common::*;
use mycelium_execution::{ClientOrderId, Liquidity, OrderStatus};
use mycelium_market_data::Side;

const T0: i64 = 1_000_000;
const L: i64 = 1_000;

/// An engine with a 99 / 100 market and the given orders resting.
fn resting(orders: &[(u64, Side, f64, f64)]) -> mycelium_execution::ExecutionEngine {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    for &(id, side, qty, px) in orders {
        e.submit(limit(id, side, qty, px, T0));
    }
    assert!(e.advance_to(T0 + L).is_empty(), "nothing marketable");
    e
}

#[test]
fn buy_fills_at_its_limit_on_prints_at_or_below_it() {
    let mut e = resting(&[(1, Side::Buy, 5.0, 99.5)]);
    assert!(e.on_tick(&trade(T0 + 2 * L, 99.6, 10.0)).is_empty(), "print above the limit");
    let at_limit = e.on_tick(&trade(T0 + 3 * L, 99.5, 2.0));
    assert_eq!(statuses(&at_limit), [OrderStatus::PartiallyFilled]);
    assert_eq!(fills(&at_limit), [(99.5, 2.0)]);
    assert_eq!(at_limit[0].last_fill.map(|f| f.liquidity), Some(Liquidity::Maker));
    let through = e.on_tick(&trade(T0 + 4 * L, 99.0, 10.0));
    assert_eq!(statuses(&through), [OrderStatus::Filled]);
    assert_eq!(fills(&through), [(99.5, 3.0)], "at the limit, not the print");
    assert_eq!((through[0].filled_qty, through[0].ts_ns), (5.0, T0 + 4 * L));
}

#[test]
fn sell_fills_on_prints_at_or_above_it() {
    let mut e = resting(&[(1, Side::Sell, 2.0, 100.5)]);
    assert!(e.on_tick(&trade(T0 + 2 * L, 100.4, 10.0)).is_empty());
    assert_eq!(fills(&e.on_tick(&trade(T0 + 3 * L, 101.0, 10.0))), [(100.5, 2.0)]);
    assert_eq!(e.position(S1, sym()).qty.to_f64(), -2.0);
}

#[test]
fn one_print_is_shared_by_price_then_time_priority() {
    let mut e =
        resting(&[(1, Side::Buy, 2.0, 99.5), (2, Side::Buy, 2.0, 99.5), (3, Side::Buy, 2.0, 99.6)]);
    let updates = e.on_tick(&trade(T0 + 2 * L, 99.4, 3.0));
    let who: Vec<(ClientOrderId, f64)> =
        updates.iter().map(|u| (u.client_order_id, u.last_fill.map_or(0.0, |f| f.qty))).collect();
    assert_eq!(who, [(ClientOrderId(3), 2.0), (ClientOrderId(1), 1.0)]);
    assert_eq!(e.open_orders(S1).len(), 2);
}
