//! A marketable order takes the touch, then walks the levels behind it (kept from depth
//! ticks), each at its own price and size, up to its limit; what it took stays taken
//! until a depth tick sets that level again. Without depth data only the touch is there.

mod common;

use common::*;
use mycelium_execution::{ClientOrderId, ExecutionEngine, Liquidity, Order, OrderStatus};
use mycelium_market_data::{DepthKind, DepthUpdate, Level, MarketTick, Side, TickEvent};

const T0: i64 = 1_000_000;
const L: i64 = 1_000;

fn depth(ts: i64, kind: DepthKind, bids: &[(f64, f64)], asks: &[(f64, f64)]) -> MarketTick {
    let levels = |l: &[(f64, f64)]| l.iter().map(|&(price, qty)| Level { price, qty }).collect();
    MarketTick {
        symbol: sym(),
        seq: ts as u64,
        exchange_ts_ns: ts,
        local_ts_ns: ts,
        event: TickEvent::Depth(Box::new(DepthUpdate {
            kind,
            ids: None,
            end_of_event: true,
            bids: levels(bids),
            asks: levels(asks),
        })),
    }
}

/// An engine whose book is bids 99 x 1, 98 x 2, 97 x 5 and asks 100 x 1, 101 x 2,
/// 102 x 5, as a depth snapshot followed by its quote (as the adapter sends them).
fn booked() -> ExecutionEngine {
    let mut e = engine(L);
    let bids = [(99.0, 1.0), (98.0, 2.0), (97.0, 5.0)];
    let asks = [(100.0, 1.0), (101.0, 2.0), (102.0, 5.0)];
    e.on_tick(&depth(T0, DepthKind::Snapshot, &bids, &asks));
    e.on_tick(&quote(T0, 99.0, 1.0, 100.0, 1.0));
    e
}

/// Submits `order` (reacting at `T0`) and lets it arrive.
fn arrive(e: &mut ExecutionEngine, order: Order) -> Vec<mycelium_execution::OrderUpdate> {
    e.submit(order);
    e.advance_to(T0 + L)
}

#[test]
fn a_market_order_takes_each_level_at_its_own_price() {
    let mut e = booked();
    let done = arrive(&mut e, market(1, Side::Buy, 4.0, T0));
    assert_eq!(fills(&done), [(100.0, 1.0), (101.0, 2.0), (102.0, 1.0)]);
    assert_eq!(done.last().map(|u| u.status), Some(OrderStatus::Filled));
    assert!(done.iter().all(|u| u.last_fill.is_some_and(|f| f.liquidity == Liquidity::Taker)));
    let sold = arrive(&mut e, market(2, Side::Sell, 3.0, T0));
    assert_eq!(fills(&sold), [(99.0, 1.0), (98.0, 2.0)]);
}

#[test]
fn a_marketable_limit_walks_up_to_its_limit_then_rests() {
    let mut e = booked();
    let done = arrive(&mut e, limit(1, Side::Buy, 5.0, 101.0, T0));
    assert_eq!(fills(&done), [(100.0, 1.0), (101.0, 2.0)]);
    assert_eq!(
        done.last().map(|u| (u.status, u.leaves_qty)),
        Some((OrderStatus::PartiallyFilled, 2.0))
    );
    assert_eq!(e.open_orders(S1).len(), 1, "the rest rests at 101");
}

#[test]
fn an_ioc_walks_then_cancels_and_a_fok_needs_the_levels_to_hold_it() {
    let mut e = booked();
    let ioc_done = arrive(&mut e, ioc(1, Side::Buy, 5.0, 101.0, T0));
    assert_eq!(fills(&ioc_done), [(100.0, 1.0), (101.0, 2.0)]);
    assert_eq!(ioc_done.last().map(|u| u.status), Some(OrderStatus::Cancelled));
    let mut e = booked();
    let fok = |id, qty| Order::fok(S1, ClientOrderId(id), sym(), Side::Buy, qty, 101.0, at(T0));
    let refused = arrive(&mut e, fok(1, 3.5));
    assert!(fills(&refused).is_empty(), "3 within 101: not all of 3.5");
    let done = arrive(&mut e, fok(2, 3.0));
    assert_eq!(fills(&done), [(100.0, 1.0), (101.0, 2.0)]);
}

#[test]
fn taken_depth_is_not_taken_twice() {
    let mut e = booked();
    arrive(&mut e, market(1, Side::Buy, 2.0, T0)); // 100 x 1 and 101 x 1
    let next = arrive(&mut e, market(2, Side::Buy, 3.0, T0));
    assert_eq!(fills(&next), [(101.0, 1.0), (102.0, 2.0)], "the touch is gone, 101 has 1 left");
    // The data sets 101 again: its size is there to take; 102 keeps what was taken.
    e.on_tick(&depth(T0 + 2 * L, DepthKind::Diff, &[], &[(101.0, 4.0)]));
    let again = {
        e.submit(market(3, Side::Buy, 8.0, T0 + 2 * L));
        e.advance_to(T0 + 3 * L)
    };
    assert_eq!(fills(&again), [(101.0, 4.0), (102.0, 3.0)]);
}

#[test]
fn inexact_decimals_walk_to_an_exact_fill() {
    let mut e = engine(L);
    e.on_tick(&depth(T0, DepthKind::Snapshot, &[], &[(100.0, 0.1), (100.5, 0.2), (101.0, 1.0)]));
    e.on_tick(&quote(T0, 99.0, 1.0, 100.0, 0.1));
    let done = arrive(&mut e, market(1, Side::Buy, 0.3, T0));
    assert_eq!(fills(&done), [(100.0, 0.1), (100.5, 0.2)]);
    assert_eq!(done.last().map(|u| (u.status, u.filled_qty)), Some((OrderStatus::Filled, 0.3)));
}

#[test]
fn without_depth_data_only_the_touch_is_taken() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 1.0, 100.0, 1.0));
    let done = arrive(&mut e, market(1, Side::Buy, 4.0, T0));
    assert_eq!(fills(&done), [(100.0, 1.0)]);
    assert_eq!(done.last().map(|u| u.status), Some(OrderStatus::Cancelled));
}
