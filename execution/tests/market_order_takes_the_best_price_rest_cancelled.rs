//! A market order takes the best opposite price up to the displayed size; whatever is
//! left is cancelled. With no opposite side when it arrives, it is cancelled unfilled.

mod common;

use common::*;
use mycelium_execution::{Liquidity, OrderStatus};
use mycelium_market_data::Side;

const T0: i64 = 1_000_000;
const L: i64 = 1_000;

#[test]
fn market_buy_larger_than_the_ask_fills_the_ask_and_cancels_the_rest() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 3.0));
    e.submit(market(1, Side::Buy, 5.0, T0));
    let updates = e.on_tick(&quote(T0 + L, 99.0, 5.0, 100.0, 3.0));
    assert_eq!(statuses(&updates), [OrderStatus::PartiallyFilled, OrderStatus::Cancelled]);
    assert_eq!(fills(&updates), [(100.0, 3.0)]);
    assert_eq!(updates[0].last_fill.map(|f| f.liquidity), Some(Liquidity::Taker));
    assert_eq!((updates[1].filled_qty, updates[1].leaves_qty), (3.0, 0.0));
    assert!(e.open_orders(S1).is_empty());
    assert_eq!(e.position(S1, sym()).qty.to_f64(), 3.0);
}

#[test]
fn market_sell_fills_at_the_bid() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 3.0));
    e.submit(market(1, Side::Sell, 2.0, T0));
    let updates = e.advance_to(T0 + L);
    assert_eq!(statuses(&updates), [OrderStatus::Filled]);
    assert_eq!(fills(&updates), [(99.0, 2.0)]);
}

#[test]
fn market_order_with_no_side_left_on_arrival_is_cancelled_unfilled() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 3.0));
    e.submit(market(1, Side::Buy, 1.0, T0));
    // Before the order arrives the ask disappears (price 0 = no ask).
    e.on_tick(&quote(T0 + 1, 99.0, 5.0, 0.0, 0.0));
    let updates = e.on_tick(&quote(T0 + L, 99.0, 5.0, 100.0, 3.0));
    assert_eq!(statuses(&updates), [OrderStatus::Cancelled]);
    assert_eq!(updates[0].filled_qty, 0.0);
}
