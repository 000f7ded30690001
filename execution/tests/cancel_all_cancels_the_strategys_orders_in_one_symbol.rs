//! A cancel-all, effective after the latency, cancels every open order of its strategy
//! in its symbol, and no other order.

mod common;

use common::*;
use mycelium_execution::{Cancel, ClientOrderId, Order, OrderStatus, StrategyId};
use mycelium_market_data::{Side, Symbol};

const T0: i64 = 1_000_000;
const L: i64 = 1_000;

#[test]
fn cancel_all_cancels_only_the_strategys_orders_in_the_symbol() {
    let eth = Symbol::new("ETHUSDT").expect("symbol");
    let s2 = StrategyId(2);
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(limit(1, Side::Buy, 1.0, 98.0, T0));
    e.submit(limit(2, Side::Sell, 1.0, 101.0, T0));
    e.submit(Order::limit(S1, ClientOrderId(3), eth, Side::Buy, 1.0, 10.0, at(T0)));
    e.submit(Order { strategy: s2, ..limit(1, Side::Buy, 1.0, 98.0, T0) });
    e.advance_to(T0 + L);
    assert!(e.cancel(Cancel::all(S1, sym(), at(T0 + L))).is_empty(), "after the latency");
    // An order placed after the request, arriving after it, is not cancelled.
    e.submit(limit(4, Side::Buy, 1.0, 97.0, T0 + L + 1));
    let done = e.advance_to(T0 + 2 * L);
    let ended: Vec<_> = done.iter().map(|u| (u.strategy, u.client_order_id.0, u.status)).collect();
    assert_eq!(
        ended,
        [(S1, 1, OrderStatus::Cancelled), (S1, 2, OrderStatus::Cancelled)],
        "both of S1's BTCUSDT orders, nothing else"
    );
    e.advance_to(T0 + 3 * L);
    let open_s1: Vec<u64> = e.open_orders(S1).iter().map(|s| s.order.client_order_id.0).collect();
    assert_eq!(open_s1, [3, 4]);
    assert_eq!(e.open_orders(s2).len(), 1);
}

#[test]
fn cancel_all_with_nothing_open_answers_nothing() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.cancel(Cancel::all(S1, sym(), at(T0)));
    assert!(e.advance_to(T0 + L).is_empty());
}
