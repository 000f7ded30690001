//! Partial fills report `PartiallyFilled` with the cumulative filled quantity and the
//! leaves; the last one reports `Filled` with exactly the order quantity.

mod common;

use common::*;
use mycelium_execution::OrderStatus;
use mycelium_market_data::Side;

const T0: i64 = 1_000_000;
const L: i64 = 1_000;

#[test]
fn cumulative_qty_and_leaves_add_up() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(limit(1, Side::Buy, 10.0, 99.5, T0));
    let mut seen = Vec::new();
    for (i, qty) in [1.0, 2.0, 3.0, 4.0].into_iter().enumerate() {
        let updates = e.on_tick(&trade(T0 + L * (i as i64 + 1), 99.5, qty));
        assert_eq!(updates.len(), 1);
        let u = &updates[0];
        assert_eq!(u.filled_qty + u.leaves_qty, 10.0);
        seen.push((u.status, u.filled_qty, u.leaves_qty));
    }
    use OrderStatus::*;
    assert_eq!(
        seen,
        [
            (PartiallyFilled, 1.0, 9.0),
            (PartiallyFilled, 3.0, 7.0),
            (PartiallyFilled, 6.0, 4.0),
            (Filled, 10.0, 0.0)
        ]
    );
    assert_eq!(e.stats().fills, 4);
    assert_eq!(e.stats().filled_orders, 1);
}

#[test]
fn inexact_decimals_still_end_exactly_filled() {
    let mut e = engine(L);
    // Inside the spread: first in its queue, so each print fills it.
    e.on_tick(&quote(T0, 99.0, 5.0, 101.0, 5.0));
    e.submit(limit(1, Side::Sell, 0.3, 100.5, T0));
    e.on_tick(&trade(T0 + L, 100.5, 0.1));
    let last = e.on_tick(&trade(T0 + 2 * L, 100.5, 0.2));
    assert_eq!(last[0].status, OrderStatus::Filled);
    assert_eq!((last[0].filled_qty, last[0].leaves_qty), (0.3, 0.0));
    assert!(e.open_orders(S1).is_empty());
}
