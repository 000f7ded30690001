//! A resting limit order fills when the opposite quote moves to or through its price:
//! at its limit price, as maker, up to the displayed size.

mod common;

use common::*;
use mycelium_execution::{Liquidity, OrderStatus};
use mycelium_market_data::Side;

const T0: i64 = 1_000_000;
const L: i64 = 1_000;

#[test]
fn buy_fills_when_the_ask_comes_down_to_it() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(limit(1, Side::Buy, 5.0, 99.5, T0));
    assert!(e.on_tick(&quote(T0 + L, 99.0, 5.0, 99.6, 5.0)).is_empty(), "ask above");
    let through = e.on_tick(&quote(T0 + 2 * L, 99.0, 5.0, 99.4, 3.0));
    assert_eq!(statuses(&through), [OrderStatus::PartiallyFilled]);
    assert_eq!(fills(&through), [(99.5, 3.0)], "at the limit price");
    assert_eq!(through[0].last_fill.map(|f| f.liquidity), Some(Liquidity::Maker));
    let at = e.on_tick(&quote(T0 + 3 * L, 99.0, 5.0, 99.5, 10.0));
    assert_eq!(statuses(&at), [OrderStatus::Filled]);
    assert_eq!(fills(&at), [(99.5, 2.0)]);
    assert_eq!(at[0].filled_qty, 5.0);
}

#[test]
fn sell_fills_when_the_bid_comes_up_to_it() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(limit(1, Side::Sell, 4.0, 100.5, T0));
    e.advance_to(T0 + L);
    let updates = e.on_tick(&quote(T0 + 2 * L, 100.6, 1.0, 101.0, 5.0));
    assert_eq!(fills(&updates), [(100.5, 1.0)]);
    assert_eq!((updates[0].filled_qty, updates[0].leaves_qty), (1.0, 3.0));
}
