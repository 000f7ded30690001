//! A fill-or-kill order fills its whole quantity on arrival or nothing: no partial fill
//! ever leaks, whatever took part of the displayed size before it.

mod common;

use common::*;
use mycelium_execution::{ClientOrderId, Liquidity, Order, OrderStatus};
use mycelium_market_data::Side;

const T0: i64 = 1_000_000;
const L: i64 = 1_000;

fn fok(id: u64, side: Side, qty: f64, px: f64, ts: i64) -> Order {
    Order::fok(S1, ClientOrderId(id), sym(), side, qty, px, at(ts))
}

#[test]
fn a_fok_larger_than_the_displayed_size_is_cancelled_unfilled() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 2.0));
    let mut all = e.submit(fok(1, Side::Buy, 3.0, 100.0, T0));
    all.extend(e.advance_to(T0 + L));
    assert_eq!(statuses(&all), [OrderStatus::Accepted, OrderStatus::Cancelled]);
    assert!(fills(&all).is_empty());
    assert_eq!((all[1].filled_qty, all[1].leaves_qty), (0.0, 0.0));
    assert!(e.position(S1, sym()).qty.is_zero());
}

#[test]
fn a_fok_within_the_displayed_size_fills_whole_as_taker() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 2.0));
    e.submit(fok(1, Side::Sell, 5.0, 99.0, T0));
    let arrived = e.advance_to(T0 + L);
    assert_eq!(statuses(&arrived), [OrderStatus::Filled]);
    assert_eq!(fills(&arrived), [(99.0, 5.0)]);
    assert_eq!(arrived[0].last_fill.map(|f| f.liquidity), Some(Liquidity::Taker));
}

#[test]
fn a_fok_finds_the_size_other_orders_took_gone() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 3.0));
    e.submit(ioc(1, Side::Buy, 2.0, 100.0, T0));
    e.submit(fok(2, Side::Buy, 2.0, 100.0, T0));
    let arrived = e.advance_to(T0 + L);
    // The IOC took 2 of the 3: the FOK's 2 are not all there.
    assert_eq!(fills(&arrived), [(100.0, 2.0)]);
    let fok_updates: Vec<_> =
        arrived.iter().filter(|u| u.client_order_id == ClientOrderId(2)).cloned().collect();
    assert_eq!(statuses(&fok_updates), [OrderStatus::Cancelled]);
    assert_eq!(e.position(S1, sym()).qty.to_f64(), 2.0);
}

#[test]
fn a_fok_that_does_not_cross_is_cancelled_unfilled() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(fok(1, Side::Buy, 1.0, 99.5, T0));
    assert_eq!(statuses(&e.advance_to(T0 + L)), [OrderStatus::Cancelled]);
    assert!(e.open_orders(S1).is_empty(), "never rests");
}
