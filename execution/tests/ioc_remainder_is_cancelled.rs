//! An IOC order takes what is marketable on arrival and cancels the rest; it never
//! rests, so later prints cannot fill it.

mod common;

use common::*;
use mycelium_execution::OrderStatus;
use mycelium_market_data::Side;

const T0: i64 = 1_000_000;
const L: i64 = 1_000;

#[test]
fn ioc_partial_fill_then_cancel() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 3.0));
    e.submit(ioc(1, Side::Buy, 5.0, 100.0, T0));
    let updates = e.advance_to(T0 + L);
    assert_eq!(statuses(&updates), [OrderStatus::PartiallyFilled, OrderStatus::Cancelled]);
    assert_eq!(fills(&updates), [(100.0, 3.0)]);
    assert_eq!((updates[1].filled_qty, updates[1].leaves_qty), (3.0, 0.0));
    assert!(e.open_orders(S1).is_empty());
    assert!(e.on_tick(&trade(T0 + L + 1, 98.0, 100.0)).is_empty());
    assert_eq!(e.position(S1, sym()).qty.to_f64(), 3.0);
}

#[test]
fn non_marketable_ioc_is_cancelled_unfilled() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 3.0));
    e.submit(ioc(1, Side::Sell, 5.0, 99.5, T0));
    let updates = e.advance_to(T0 + L);
    assert_eq!(statuses(&updates), [OrderStatus::Cancelled]);
    assert_eq!((updates[0].filled_qty, updates[0].last_fill), (0.0, None));
    assert!(e.on_tick(&trade(T0 + L + 1, 101.0, 100.0)).is_empty());
    assert_eq!(e.stats().cancelled_orders, 1);
}

#[test]
fn ioc_filling_completely_is_just_filled() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 3.0));
    e.submit(ioc(1, Side::Buy, 3.0, 100.5, T0));
    let updates = e.advance_to(T0 + L);
    assert_eq!(statuses(&updates), [OrderStatus::Filled]);
    assert_eq!(fills(&updates), [(100.0, 3.0)]);
}
