//! The order lifecycle: `Accepted -> PartiallyFilled -> Filled / Cancelled / Expired`,
//! `Accepted -> Rejected` on arrival (post-only would take, reduce-only with nothing
//! left to reduce), or `Rejected` at once; one update per transition, routed by
//! strategy; cancels, amends and cancel-alls take effect after the latency; a cancel of
//! a finished order gets a status report, an amend of one a status report with its
//! refusal, a cancel of an unknown order `Rejected(UnknownOrder)`. Every terminal
//! status is final: nothing moves an order out of it.

mod common;

use common::*;
use mycelium_execution::{Cancel, ClientOrderId, Order, OrderStatus, RejectReason, StrategyId};
use mycelium_market_data::{Qty, Side};

const T0: i64 = 1_000_000;
const L: i64 = 1_000;

#[test]
fn accepted_partially_filled_filled() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    let mut all = e.submit(limit(1, Side::Buy, 3.0, 99.5, T0));
    all.extend(e.on_tick(&trade(T0 + L, 99.5, 1.0)));
    all.extend(e.on_tick(&trade(T0 + 2 * L, 99.5, 5.0)));
    assert_eq!(
        statuses(&all),
        [OrderStatus::Accepted, OrderStatus::PartiallyFilled, OrderStatus::Filled]
    );
    assert!(all.iter().all(|u| u.strategy == S1 && u.client_order_id == ClientOrderId(1)));
    assert!(all.iter().all(|u| u.status != OrderStatus::New), "New is never reported");
    assert_eq!(e.order(S1, ClientOrderId(1)).map(|s| s.status), Some(OrderStatus::Filled));
}

#[test]
fn rejected_is_terminal_with_nothing_left() {
    let mut e = engine(L);
    let updates = e.submit(market(1, Side::Buy, 1.0, T0));
    assert_eq!(statuses(&updates), [OrderStatus::Rejected(RejectReason::NoMarket)]);
    assert_eq!((updates[0].filled_qty, updates[0].leaves_qty), (0.0, 0.0));
    assert!(e.open_orders(S1).is_empty());
}

#[test]
fn cancel_takes_effect_after_the_latency_and_keeps_the_partial_fill() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(limit(1, Side::Buy, 3.0, 99.5, T0));
    e.on_tick(&trade(T0 + L, 99.5, 1.0));
    assert!(e.cancel(cancel(1, T0 + L)).is_empty(), "nothing until it takes effect");
    // Before T0 + 2L the order still works and can still fill.
    assert_eq!(fills(&e.on_tick(&trade(T0 + 2 * L - 1, 99.5, 1.0))), [(99.5, 1.0)]);
    let updates = e.on_tick(&trade(T0 + 2 * L, 99.5, 1.0));
    assert_eq!(statuses(&updates), [OrderStatus::Cancelled]);
    assert_eq!(
        (updates[0].filled_qty, updates[0].leaves_qty, updates[0].ts_ns),
        (2.0, 0.0, T0 + 2 * L)
    );
    assert!(e.open_orders(S1).is_empty());
    assert_eq!(e.position(S1, sym()).qty.to_f64(), 2.0);
}

#[test]
fn cancel_of_a_filled_order_reports_filled() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(market(1, Side::Buy, 1.0, T0));
    e.advance_to(T0 + L);
    let answer = e.cancel(cancel(1, T0 + L));
    assert_eq!(statuses(&answer), [OrderStatus::Filled]);
    assert_eq!((answer[0].last_fill, answer[0].filled_qty), (None, 1.0));
    assert_eq!(e.stats().late_cancels, 1);
    assert_eq!(e.position(S1, sym()).qty.to_f64(), 1.0);
}

#[test]
fn cancel_overtaken_by_a_fill_reports_filled_when_it_arrives() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(limit(1, Side::Buy, 1.0, 99.5, T0));
    e.advance_to(T0 + L);
    assert!(e.cancel(cancel(1, T0 + L)).is_empty());
    assert_eq!(statuses(&e.on_tick(&trade(T0 + L + 1, 99.0, 5.0))), [OrderStatus::Filled]);
    let late = e.advance_to(T0 + 2 * L);
    assert_eq!(statuses(&late), [OrderStatus::Filled]);
    assert_eq!(late[0].last_fill, None);
}

#[test]
fn cancel_of_an_unknown_order_is_rejected() {
    let mut e = engine(L);
    let answer = e.cancel(cancel(42, T0));
    assert_eq!(statuses(&answer), [OrderStatus::Rejected(RejectReason::UnknownOrder)]);
    assert_eq!((answer[0].client_order_id, answer[0].symbol), (ClientOrderId(42), sym()));
    assert_eq!(e.stats().rejects_for(RejectReason::UnknownOrder), 1);
}

#[test]
fn cancel_before_the_order_arrives_cancels_it_unfilled() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(limit(1, Side::Buy, 1.0, 101.0, T0 + 10));
    // A cancel stamped earlier than the order (odd but possible) arrives first.
    e.cancel(cancel(1, T0));
    let updates = e.advance_to(T0 + 2 * L);
    assert_eq!(statuses(&updates), [OrderStatus::Cancelled]);
    assert_eq!(e.position(S1, sym()).qty.to_f64(), 0.0);
}

#[test]
fn updates_are_routed_by_strategy() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    let s2 = StrategyId(2);
    e.submit(market(1, Side::Buy, 1.0, T0));
    e.submit(Order { strategy: s2, ..market(1, Side::Sell, 2.0, T0) });
    let updates = e.advance_to(T0 + L);
    let routed: Vec<_> =
        updates.iter().map(|u| (u.strategy, u.last_fill.map(|f| f.side))).collect();
    assert_eq!(routed, [(S1, Some(Side::Buy)), (s2, Some(Side::Sell))]);
    assert_eq!(
        (e.position(S1, sym()).qty, e.position(s2, sym()).qty),
        (Qty::from_int(1), Qty::from_int(-2))
    );
    assert_eq!(e.positions().count(), 2);
}

#[test]
fn accepted_partially_filled_expired() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    let mut all = e.submit(limit(1, Side::Buy, 3.0, 99.5, T0).good_till(T0 + 3 * L));
    all.extend(e.on_tick(&trade(T0 + L, 99.5, 1.0)));
    all.extend(e.advance_to(T0 + 3 * L));
    assert_eq!(
        statuses(&all),
        [OrderStatus::Accepted, OrderStatus::PartiallyFilled, OrderStatus::Expired]
    );
    assert!(OrderStatus::Expired.is_terminal());
    assert_final(&mut e, 1, OrderStatus::Expired);
}

#[test]
fn accepted_then_rejected_on_arrival() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    let mut all = e.submit(limit(1, Side::Buy, 1.0, 100.0, T0).post_only());
    e.submit(market(2, Side::Buy, 1.0, T0));
    all.extend(e.advance_to(T0 + L));
    // Reduce-only sell accepted against the long 1, which a sell sent just before it
    // closes before it arrives.
    e.submit(market(4, Side::Sell, 1.0, T0 + L));
    all.extend(e.submit(limit(3, Side::Sell, 1.0, 99.0, T0 + L + 1).reduce_only()));
    all.extend(e.advance_to(T0 + 2 * L + 1));
    let of = |id| {
        all.iter().filter(|u| u.client_order_id == ClientOrderId(id)).map(|u| u.status).collect()
    };
    let post_only: Vec<_> = of(1);
    let reduce_only: Vec<_> = of(3);
    assert_eq!(post_only, [OrderStatus::Accepted, OrderStatus::Rejected(RejectReason::WouldTake)]);
    assert_eq!(
        reduce_only,
        [OrderStatus::Accepted, OrderStatus::Rejected(RejectReason::ReduceOnlyNoPosition)]
    );
    assert_final(&mut e, 1, OrderStatus::Rejected(RejectReason::WouldTake));
}

#[test]
fn an_amend_keeps_the_status_and_reports_the_new_leaves() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(limit(1, Side::Buy, 3.0, 99.5, T0));
    e.on_tick(&trade(T0 + L, 99.5, 1.0));
    e.cancel(Cancel::amend(S1, ClientOrderId(1), sym(), 2.5, 99.5, at(T0 + L)));
    let amended = e.advance_to(T0 + 2 * L);
    assert_eq!(statuses(&amended), [OrderStatus::PartiallyFilled]);
    assert_eq!((amended[0].filled_qty, amended[0].leaves_qty), (1.0, 1.5));
    assert_eq!(amended[0].refused, None);
}

#[test]
fn cancel_all_moves_open_orders_to_cancelled() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(limit(1, Side::Buy, 3.0, 99.5, T0));
    e.on_tick(&trade(T0 + L, 99.5, 1.0));
    e.cancel(Cancel::all(S1, sym(), at(T0 + L)));
    let done = e.advance_to(T0 + 2 * L);
    assert_eq!(statuses(&done), [OrderStatus::Cancelled]);
    assert_eq!((done[0].filled_qty, done[0].leaves_qty), (1.0, 0.0));
    assert_final(&mut e, 1, OrderStatus::Cancelled);
}

/// Order `id` stays in `status` whatever comes next: a crossing print, a cancel, an
/// amend (refused), a cancel-all.
fn assert_final(e: &mut mycelium_execution::ExecutionEngine, id: u64, status: OrderStatus) {
    let now = T0 + 10 * L;
    e.on_tick(&trade(now, 1.0, 100.0));
    e.on_tick(&trade(now + 1, 1_000.0, 100.0));
    let cancel = e.cancel(cancel(id, now));
    let amend = e.cancel(Cancel::amend(S1, ClientOrderId(id), sym(), 9.0, 99.0, at(now)));
    e.cancel(Cancel::all(S1, sym(), at(now)));
    e.advance_to(now + 2 * L);
    assert_eq!(statuses(&cancel), [status], "a cancel gets a status report");
    assert_eq!(
        amend.first().map(|u| (u.status, u.refused)),
        Some((status, Some(RejectReason::OrderFinished)))
    );
    assert_eq!(e.order(S1, ClientOrderId(id)).map(|s| s.status), Some(status));
}
