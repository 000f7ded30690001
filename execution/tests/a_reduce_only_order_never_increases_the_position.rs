//! A reduce-only order never increases the absolute position: with no position (or one
//! on its own side) it is rejected `ReduceOnlyNoPosition`; larger than the position it
//! is cut to it; at each fill it fills no more than what is left to reduce, and when
//! nothing is left as it would fill it is cancelled.

mod common;

use common::*;
use mycelium_execution::{ClientOrderId, OrderStatus, RejectReason};
use mycelium_market_data::Side;

const T0: i64 = 1_000_000;
const L: i64 = 1_000;

#[test]
fn a_reduce_only_order_with_nothing_to_reduce_is_rejected() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    let flat = e.submit(limit(1, Side::Sell, 1.0, 100.0, T0).reduce_only());
    assert_eq!(statuses(&flat), [OrderStatus::Rejected(RejectReason::ReduceOnlyNoPosition)]);
    // Long 2: a reduce-only buy would add to it.
    e.submit(market(2, Side::Buy, 2.0, T0));
    e.advance_to(T0 + L);
    let same_side = e.submit(limit(3, Side::Buy, 1.0, 99.0, T0 + L).reduce_only());
    assert_eq!(statuses(&same_side), [OrderStatus::Rejected(RejectReason::ReduceOnlyNoPosition)]);
    assert_eq!(e.stats().rejects_for(RejectReason::ReduceOnlyNoPosition), 2);
}

#[test]
fn a_reduce_only_order_larger_than_the_position_is_cut_to_it() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(market(1, Side::Buy, 2.0, T0));
    e.advance_to(T0 + L);
    let accepted = e.submit(market(2, Side::Sell, 5.0, T0 + L).reduce_only());
    assert_eq!(statuses(&accepted), [OrderStatus::Accepted]);
    assert_eq!(accepted[0].leaves_qty, 2.0, "cut to the position");
    let done = e.advance_to(T0 + 2 * L);
    assert_eq!(statuses(&done), [OrderStatus::Filled]);
    assert_eq!(fills(&done), [(99.0, 2.0)]);
    assert_eq!(done[0].filled_qty, 2.0);
    assert!(e.position(S1, sym()).qty.is_zero(), "flat, never short");
}

#[test]
fn a_resting_reduce_only_order_fills_only_what_is_left_to_reduce() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(market(1, Side::Buy, 3.0, T0));
    e.advance_to(T0 + L);
    // Two reduce-only sells of 3 each rest above the market: together they could
    // sell 6 against a long of 3.
    e.submit(limit(2, Side::Sell, 3.0, 101.0, T0 + L).reduce_only());
    e.submit(limit(3, Side::Sell, 3.0, 101.0, T0 + L).reduce_only());
    e.advance_to(T0 + 2 * L);
    // An ordinary sell closes 2 of the 3 first.
    e.submit(market(4, Side::Sell, 2.0, T0 + 2 * L));
    e.advance_to(T0 + 3 * L);
    assert_eq!(e.position(S1, sym()).qty.to_f64(), 1.0);
    // Through their price (their own level's queue is not shown behind the ask).
    let hit = e.on_tick(&trade(T0 + 4 * L, 101.5, 10.0));
    assert_eq!(fills(&hit), [(101.0, 1.0)], "only the 1 left to reduce");
    assert!(e.position(S1, sym()).qty.is_zero());
    let by_id = |id| hit.iter().filter(move |u| u.client_order_id == ClientOrderId(id));
    let first: Vec<_> = by_id(2).map(|u| u.status).collect();
    let second: Vec<_> = by_id(3).map(|u| u.status).collect();
    assert_eq!(first, [OrderStatus::PartiallyFilled]);
    assert_eq!(second, [OrderStatus::Cancelled], "nothing left to reduce");
    // The first one is cancelled at its next chance to fill.
    let next = e.on_tick(&trade(T0 + 5 * L, 101.0, 10.0));
    assert_eq!(statuses(&next), [OrderStatus::Cancelled]);
    assert!(fills(&next).is_empty());
    assert!(e.position(S1, sym()).qty.is_zero());
}
