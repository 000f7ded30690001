//! Execution takes an order's price and quantity as the decimals they stand for (nine
//! fractional digits, the books' fixed point): a sell limit computed as `0.1 + 0.2`
//! (one unit in the last place above `0.3` as an `f64`) meets a bid of `0.3` as the
//! decimal `0.3` does, and an amend's price the same.

mod common;

use common::*;
use mycelium_execution::{Cancel, ClientOrderId, OrderStatus};
use mycelium_market_data::Side;

const T0: i64 = 1_000_000;
const L: i64 = 1_000;

#[test]
fn a_sell_limit_of_point_one_plus_point_two_takes_a_bid_of_point_three() {
    let px = 0.1 + 0.2;
    assert!(px > 0.3, "the f64 sum is above 0.3");
    let mut e = engine(L);
    e.on_tick(&quote(T0, 0.3, 5.0, 0.4, 5.0));
    assert_eq!(statuses(&e.submit(limit(1, Side::Sell, 1.0, px, T0))), [OrderStatus::Accepted]);
    let updates = e.on_tick(&quote(T0 + L, 0.3, 5.0, 0.4, 5.0));
    assert_eq!(statuses(&updates), [OrderStatus::Filled]);
    assert_eq!(fills(&updates), [(0.3, 1.0)]);
    // The order is kept at its decimal price.
    assert!(e.open_orders(S1).is_empty());
}

#[test]
fn an_amend_to_point_one_plus_point_two_rests_at_point_three() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 0.2, 5.0, 0.5, 5.0));
    e.submit(limit(1, Side::Sell, 1.0, 0.45, T0));
    e.on_tick(&quote(T0 + L, 0.2, 5.0, 0.5, 5.0));
    let amend = Cancel::amend(S1, ClientOrderId(1), sym(), 1.0, 0.1 + 0.2, at(T0 + L));
    e.cancel(amend);
    e.on_tick(&quote(T0 + 3 * L, 0.2, 5.0, 0.5, 5.0));
    let open = e.open_orders(S1);
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].order.limit_px, Some(0.3));
}
