//! Liquidity taken by simulated orders is removed from the simulated top of book until
//! the next quote replaces it: two orders cannot both take the same displayed size.

mod common;

use common::*;
use mycelium_execution::OrderStatus;
use mycelium_market_data::Side;

const T0: i64 = 1_000_000;
const L: i64 = 1_000;

#[test]
fn second_order_finds_the_ask_taken_until_the_next_quote() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 3.0));
    e.submit(ioc(1, Side::Buy, 2.0, 100.0, T0));
    e.submit(ioc(2, Side::Buy, 2.0, 100.0, T0));
    e.submit(market(3, Side::Buy, 2.0, T0));
    let updates = e.advance_to(T0 + L);
    // 1 takes 2, 2 takes the 1 left and is cancelled for the rest, 3 finds nothing.
    assert_eq!(fills(&updates), [(100.0, 2.0), (100.0, 1.0)]);
    assert_eq!(
        statuses(&updates),
        [
            OrderStatus::Filled,
            OrderStatus::PartiallyFilled,
            OrderStatus::Cancelled,
            OrderStatus::Cancelled
        ]
    );
    // A new quote restores the displayed size.
    e.submit(market(4, Side::Buy, 2.0, T0 + L));
    e.on_tick(&quote(T0 + L + 1, 99.0, 5.0, 100.0, 3.0));
    assert_eq!(fills(&e.advance_to(T0 + 2 * L)), [(100.0, 2.0)]);
    assert_eq!(e.position(S1, sym()).qty.to_f64(), 5.0);
}

#[test]
fn a_size_of_zero_means_unknown_and_is_not_limiting() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 0.0, 100.0, 0.0));
    e.submit(market(1, Side::Buy, 50.0, T0));
    e.submit(market(2, Side::Buy, 50.0, T0));
    assert_eq!(fills(&e.advance_to(T0 + L)), [(100.0, 50.0), (100.0, 50.0)]);
}
