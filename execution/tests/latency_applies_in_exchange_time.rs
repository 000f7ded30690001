//! An order reacting to the tick at `T` reaches the exchange at `T + latency` in
//! exchange time: it cannot fill on earlier ticks, it matches the book as it stood just
//! before the first tick at or after that time, and orders apply in exchange-time order,
//! not in submission order.

mod common;

use common::*;
use mycelium_execution::{ClientOrderId, OrderStatus};
use mycelium_market_data::Side;

const T0: i64 = 1_000_000;
const L: i64 = 5_000;

#[test]
fn no_fill_before_t_plus_latency() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(market(1, Side::Buy, 1.0, T0));
    assert!(e.on_tick(&quote(T0 + 1_000, 99.0, 5.0, 100.0, 5.0)).is_empty());
    assert!(e.on_tick(&trade(T0 + 2_000, 100.0, 5.0)).is_empty());
    assert!(e.on_tick(&quote(T0 + L - 1, 100.0, 5.0, 101.0, 5.0)).is_empty());
    let open = e.open_orders(S1);
    assert_eq!((open.len(), open[0].active, open[0].active_at_ns), (1, false, T0 + L));
    // The tick at T0 + L brings the order in against the book before it (ask 101).
    let updates = e.on_tick(&quote(T0 + L, 101.0, 5.0, 102.0, 5.0));
    assert_eq!(fills(&updates), [(101.0, 1.0)]);
    assert_eq!(updates[0].ts_ns, T0 + L);
}

#[test]
fn a_resting_order_in_flight_cannot_be_hit() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(limit(1, Side::Buy, 1.0, 99.5, T0));
    // Prints through the limit before T0 + L do not fill it.
    assert!(e.on_tick(&trade(T0 + L - 1, 99.0, 100.0)).is_empty());
    assert_eq!(fills(&e.on_tick(&trade(T0 + L, 99.0, 100.0))), [(99.5, 1.0)]);
}

#[test]
fn exchange_time_not_submission_order_decides() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    // Submitted first but reacting to a later tick: arrives second.
    e.submit(ioc(1, Side::Buy, 5.0, 100.0, T0 + 2_000));
    e.submit(ioc(2, Side::Buy, 5.0, 100.0, T0));
    let updates = e.on_tick(&quote(T0 + L + 2_000, 99.0, 5.0, 100.0, 5.0));
    let order: Vec<_> = updates.iter().map(|u| (u.client_order_id, u.status)).collect();
    assert_eq!(
        order,
        [(ClientOrderId(2), OrderStatus::Filled), (ClientOrderId(1), OrderStatus::Cancelled)]
    );
}

#[test]
fn the_clock_never_goes_back() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(market(1, Side::Buy, 1.0, T0));
    e.on_tick(&quote(T0 + L - 1, 99.0, 5.0, 100.0, 5.0));
    // A stale tick (older than the clock) neither brings the order in nor rewinds time.
    assert!(e.on_tick(&quote(T0 + 10, 99.0, 5.0, 100.0, 5.0)).is_empty());
    assert_eq!(e.exchange().now_ns(), Some(T0 + L - 1));
    assert_eq!(fills(&e.advance_to(T0 + L)), [(100.0, 1.0)]);
}
