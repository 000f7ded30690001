//! A good-till-date order expires at its exchange time: `Expired` on the first tick (or
//! clock advance) at or after it, before that tick's own content, keeping what filled
//! before; one whose time passes in flight never trades.

mod common;

use common::*;
use mycelium_execution::{ClientOrderId, OrderStatus, RejectReason};
use mycelium_market_data::Side;

const T0: i64 = 1_000_000;
const L: i64 = 1_000;

#[test]
fn a_gtd_order_expires_at_its_time_keeping_its_fills() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    let expiry = T0 + 5 * L;
    let mut all = e.submit(limit(1, Side::Buy, 3.0, 99.5, T0).good_till(expiry));
    all.extend(e.on_tick(&trade(T0 + 2 * L, 99.5, 1.0)));
    all.extend(e.on_tick(&trade(expiry - 1, 99.4, 0.5)));
    // The print at the expiry time would fill it: the expiry comes first.
    all.extend(e.on_tick(&trade(expiry, 99.0, 5.0)));
    assert_eq!(
        statuses(&all),
        [
            OrderStatus::Accepted,
            OrderStatus::PartiallyFilled,
            OrderStatus::PartiallyFilled,
            OrderStatus::Expired
        ]
    );
    let last = all.last().expect("expired");
    assert_eq!((last.filled_qty, last.leaves_qty, last.ts_ns), (1.5, 0.0, expiry));
    assert!(e.open_orders(S1).is_empty());
    assert_eq!(e.stats().expired_orders, 1);
    assert_eq!(e.position(S1, sym()).qty.to_f64(), 1.5);
    // A cancel after it is a status report of the expiry.
    assert_eq!(statuses(&e.cancel(cancel(1, expiry))), [OrderStatus::Expired]);
}

#[test]
fn a_gtd_order_whose_time_passes_in_flight_never_trades() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(limit(1, Side::Buy, 1.0, 100.0, T0).good_till(T0 + L / 2));
    let updates = e.advance_to(T0 + L);
    assert_eq!(statuses(&updates), [OrderStatus::Expired]);
    assert!(e.position(S1, sym()).qty.is_zero(), "marketable, yet nothing taken");
}

#[test]
fn a_filled_gtd_order_does_not_expire() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(limit(1, Side::Buy, 1.0, 100.0, T0).good_till(T0 + 3 * L));
    assert_eq!(statuses(&e.advance_to(T0 + L)), [OrderStatus::Filled]);
    assert!(e.advance_to(T0 + 4 * L).is_empty());
    assert_eq!(e.stats().expired_orders, 0);
    assert_eq!(e.order(S1, ClientOrderId(1)).map(|s| s.status), Some(OrderStatus::Filled));
}

#[test]
fn an_expiry_time_on_an_ioc_is_invalid() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    let answer = e.submit(ioc(1, Side::Buy, 1.0, 100.0, T0).good_till(T0 + L));
    assert_eq!(statuses(&answer), [OrderStatus::Rejected(RejectReason::InvalidOrder)]);
}
