//! Resending the same order (a link-drop resend) returns its current status and never
//! executes twice; a different order reusing the id is rejected as a duplicate and leaves
//! the original untouched.

mod common;

use common::*;
use mycelium_execution::{ClientOrderId, Order, OrderStatus, RejectReason, RiskLimits, StrategyId};
use mycelium_market_data::Side;

const T0: i64 = 1_000_000;
const L: i64 = 1_000;

#[test]
fn resend_returns_the_current_status_without_executing_again() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    let order = limit(1, Side::Buy, 3.0, 99.5, T0);
    assert_eq!(statuses(&e.submit(order.clone())), [OrderStatus::Accepted]);
    assert_eq!(statuses(&e.submit(order.clone())), [OrderStatus::Accepted]);
    e.on_tick(&trade(T0 + L, 99.5, 1.0));
    let report = e.submit(order.clone());
    assert_eq!(statuses(&report), [OrderStatus::PartiallyFilled]);
    assert_eq!((report[0].filled_qty, report[0].leaves_qty, report[0].last_fill), (1.0, 2.0, None));
    e.on_tick(&trade(T0 + 2 * L, 99.5, 10.0));
    assert_eq!(statuses(&e.submit(order.clone())), [OrderStatus::Filled]);
    // Nothing more trades: the position is the order's quantity, once.
    e.on_tick(&trade(T0 + 3 * L, 99.0, 10.0));
    assert_eq!(e.position(S1, sym()).qty.to_f64(), 3.0);
    assert_eq!((e.stats().orders, e.stats().resends, e.stats().accepted), (1, 3, 1));
}

#[test]
fn resent_market_order_does_not_trade_twice() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    let order = market(1, Side::Sell, 2.0, T0);
    e.submit(order.clone());
    e.advance_to(T0 + L);
    assert_eq!(statuses(&e.submit(order)), [OrderStatus::Filled]);
    assert!(e.advance_to(T0 + 10 * L).is_empty());
    assert_eq!(e.position(S1, sym()).qty.to_f64(), -2.0);
}

#[test]
fn resent_rejected_order_gets_the_same_reject() {
    let limits = RiskLimits { max_orders_per_sec: 1, ..loose_limits() };
    let mut e = engine_with(L, limits);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(limit(1, Side::Buy, 1.0, 99.0, T0));
    let second = limit(2, Side::Buy, 1.0, 99.0, T0);
    let rate = [OrderStatus::Rejected(RejectReason::OrderRate)];
    assert_eq!(statuses(&e.submit(second.clone())), rate);
    // Two seconds later the rate would allow it, but a resend is not re-evaluated.
    e.on_tick(&quote(T0 + 2_000_000_000, 99.0, 5.0, 100.0, 5.0));
    assert_eq!(statuses(&e.submit(second)), rate);
    assert_eq!(e.stats().rejects_for(RejectReason::OrderRate), 1);
}

#[test]
fn a_different_order_with_a_used_id_is_a_duplicate() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(limit(1, Side::Buy, 3.0, 99.5, T0));
    let imposter = limit(1, Side::Buy, 4.0, 99.5, T0);
    let dup = [OrderStatus::Rejected(RejectReason::DuplicateClientOrderId)];
    assert_eq!(statuses(&e.submit(imposter)), dup);
    assert_eq!(statuses(&e.submit(limit(1, Side::Sell, 3.0, 99.5, T0 + 1))), dup);
    // The original still works, unchanged.
    let open = e.open_orders(S1);
    assert_eq!((open.len(), open[0].order.qty, open[0].status), (1, 3.0, OrderStatus::Accepted));
    // The same id in another strategy is a different order.
    let other = Order { strategy: StrategyId(2), ..limit(1, Side::Buy, 4.0, 99.5, T0) };
    assert_eq!(statuses(&e.submit(other)), [OrderStatus::Accepted]);
    assert_eq!(e.order(StrategyId(2), ClientOrderId(1)).map(|s| s.order.qty), Some(4.0));
}
