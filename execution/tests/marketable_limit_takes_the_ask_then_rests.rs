//! A marketable limit order takes the displayed best price (not its limit) up to the
//! displayed size, as taker, and rests the rest at its limit price.

mod common;

use common::*;
use mycelium_execution::{Liquidity, OrderStatus};
use mycelium_market_data::Side;

const T0: i64 = 1_000_000;
const L: i64 = 1_000;

#[test]
fn buy_above_the_ask_takes_the_ask_size_at_the_ask_then_rests() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 3.0));
    assert_eq!(statuses(&e.submit(limit(1, Side::Buy, 5.0, 101.0, T0))), [OrderStatus::Accepted]);
    // The order arrives at T0 + L against the book before this tick; the tick moves the
    // ask above the limit, so the rest does not fill.
    let updates = e.on_tick(&quote(T0 + L, 99.0, 5.0, 102.0, 3.0));
    assert_eq!(statuses(&updates), [OrderStatus::PartiallyFilled]);
    let fill = updates[0].last_fill.expect("a fill");
    assert_eq!((fill.px, fill.qty, fill.liquidity), (100.0, 3.0, Liquidity::Taker));
    assert_eq!((updates[0].filled_qty, updates[0].leaves_qty), (3.0, 2.0));
    assert_eq!(updates[0].ts_ns, T0 + L);

    let open = e.open_orders(S1);
    assert_eq!(open.len(), 1);
    assert_eq!((open[0].leaves_qty, open[0].order.limit_px), (2.0, Some(101.0)));
    assert!(open[0].active);
}

#[test]
fn sell_below_the_bid_takes_the_bid() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 3.0));
    e.submit(limit(1, Side::Sell, 2.0, 98.0, T0));
    let updates = e.on_tick(&quote(T0 + L, 98.5, 5.0, 99.5, 3.0));
    assert_eq!(statuses(&updates), [OrderStatus::Filled]);
    assert_eq!(fills(&updates), [(99.0, 2.0)]);
    assert!(e.open_orders(S1).is_empty());
    assert_eq!(e.position(S1, sym()).qty.to_f64(), -2.0);
}

#[test]
fn a_limit_that_does_not_cross_rests_silently() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 3.0));
    e.submit(limit(1, Side::Buy, 2.0, 99.5, T0));
    assert!(e.on_tick(&quote(T0 + L, 99.0, 5.0, 100.0, 3.0)).is_empty());
    assert_eq!(e.open_orders(S1)[0].status, OrderStatus::Accepted);
}
