//! Amend (cancel-replace), effective after the latency: a price change loses time
//! priority, a size increase loses it, a size decrease keeps it; a price amended
//! through the market takes as on arrival; an amend of a finished order is refused
//! (`OrderFinished`, the order unchanged), one to no more than the filled quantity
//! `InvalidOrder`, one of an unknown order `Rejected(UnknownOrder)`.

mod common;

use common::*;
use mycelium_execution::{
    Cancel, ClientOrderId, ExecutionEngine, Liquidity, OrderStatus, OrderUpdate, RejectReason,
};
use mycelium_market_data::Side;

const T0: i64 = 1_000_000;
const L: i64 = 1_000;

fn amend(id: u64, qty: f64, px: f64, ts: i64) -> Cancel {
    Cancel::amend(S1, ClientOrderId(id), sym(), qty, px, at(ts))
}

/// Two resting buys, #1 then #2, at `px1` and `px2`, 2 each.
fn two_bids(px1: f64, px2: f64) -> ExecutionEngine {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(limit(1, Side::Buy, 2.0, px1, T0));
    e.submit(limit(2, Side::Buy, 2.0, px2, T0));
    e.advance_to(T0 + L);
    e
}

/// The order ids of the fills in `updates`, in order.
fn filled_ids(updates: &[OrderUpdate]) -> Vec<u64> {
    updates.iter().filter(|u| u.last_fill.is_some()).map(|u| u.client_order_id.0).collect()
}

#[test]
fn a_size_decrease_keeps_time_priority() {
    let mut e = two_bids(99.5, 99.5);
    assert!(e.cancel(amend(1, 1.5, 99.5, T0 + L)).is_empty(), "effective after the latency");
    let applied = e.advance_to(T0 + 2 * L);
    assert_eq!(statuses(&applied), [OrderStatus::Accepted]);
    assert_eq!(applied[0].leaves_qty, 1.5);
    let hit = e.on_tick(&trade(T0 + 3 * L, 99.5, 1.0));
    assert_eq!(filled_ids(&hit), [1], "still first in line");
}

#[test]
fn a_size_increase_loses_time_priority() {
    let mut e = two_bids(99.5, 99.5);
    e.cancel(amend(1, 3.0, 99.5, T0 + L));
    assert_eq!(e.advance_to(T0 + 2 * L)[0].leaves_qty, 3.0);
    let hit = e.on_tick(&trade(T0 + 3 * L, 99.5, 1.0));
    assert_eq!(filled_ids(&hit), [2], "behind the other order now");
}

#[test]
fn a_price_change_loses_time_priority() {
    // #1 at 99.6 is ahead of #2 at 99.5; moved to 99.5 it queues behind #2.
    let mut e = two_bids(99.6, 99.5);
    e.cancel(amend(1, 2.0, 99.5, T0 + L));
    e.advance_to(T0 + 2 * L);
    let hit = e.on_tick(&trade(T0 + 3 * L, 99.5, 1.0));
    assert_eq!(filled_ids(&hit), [2]);
    assert_eq!(e.order(S1, ClientOrderId(1)).and_then(|s| s.order.limit_px), Some(99.5));
}

#[test]
fn a_price_amended_through_the_market_takes_as_on_arrival() {
    let mut e = two_bids(99.5, 99.0);
    e.cancel(amend(1, 2.0, 100.0, T0 + L));
    let applied = e.advance_to(T0 + 2 * L);
    assert_eq!(statuses(&applied), [OrderStatus::Accepted, OrderStatus::Filled]);
    assert_eq!(fills(&applied), [(100.0, 2.0)]);
    assert_eq!(applied[1].last_fill.map(|f| f.liquidity), Some(Liquidity::Taker));
}

#[test]
fn an_amend_of_a_finished_order_is_refused_and_changes_nothing() {
    let mut e = two_bids(99.5, 99.0);
    e.cancel(cancel(1, T0 + L));
    e.advance_to(T0 + 2 * L);
    let refused = e.cancel(amend(1, 5.0, 99.0, T0 + 2 * L));
    assert_eq!(statuses(&refused), [OrderStatus::Cancelled]);
    assert_eq!(refused[0].refused, Some(RejectReason::OrderFinished));
    // One that finishes while the amend is in flight is refused when it arrives.
    e.cancel(amend(2, 1.0, 99.0, T0 + 2 * L));
    e.on_tick(&trade(T0 + 2 * L + 1, 98.0, 5.0));
    let late = e.advance_to(T0 + 3 * L);
    assert_eq!(statuses(&late), [OrderStatus::Filled]);
    assert_eq!(late[0].refused, Some(RejectReason::OrderFinished));
    assert_eq!(e.order(S1, ClientOrderId(2)).map(|s| s.filled_qty), Some(2.0));
    assert_eq!(e.stats().rejects_for(RejectReason::OrderFinished), 2);
}

#[test]
fn an_amend_to_no_more_than_the_filled_quantity_is_refused() {
    let mut e = two_bids(99.5, 99.0);
    e.on_tick(&trade(T0 + L + 1, 99.5, 1.0));
    e.cancel(amend(1, 1.0, 99.5, T0 + L + 1));
    let refused = e.advance_to(T0 + 2 * L + 1);
    assert_eq!(statuses(&refused), [OrderStatus::PartiallyFilled]);
    assert_eq!(refused[0].refused, Some(RejectReason::InvalidOrder));
    assert_eq!(refused[0].leaves_qty, 1.0, "unchanged");
}

#[test]
fn an_amend_of_an_unknown_order_is_rejected() {
    let mut e = two_bids(99.5, 99.0);
    let answer = e.cancel(amend(9, 1.0, 99.5, T0 + L));
    assert_eq!(statuses(&answer), [OrderStatus::Rejected(RejectReason::UnknownOrder)]);
}
