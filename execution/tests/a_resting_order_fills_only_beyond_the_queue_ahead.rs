//! A resting order queues behind the size displayed at its price when it joins; prints
//! at its price consume that queue first, and it fills only for the quantity beyond it.
//! An order at a new level (inside the spread) is first in its queue; an order behind the
//! touch queues behind an unseen quantity until its level is the touch. The market
//! trading through its price, or the other side reaching it, fills it whatever the queue.

mod common;

use common::*;
use mycelium_execution::{ExchangeConfig, ExecutionConfig, ExecutionEngine, QueueModel};
use mycelium_market_data::Side;

const T0: i64 = 1_000_000;
const L: i64 = 1_000;

fn engine_under(model: QueueModel) -> ExecutionEngine {
    ExecutionEngine::new(ExecutionConfig {
        risk: loose_limits(),
        exchange: ExchangeConfig { order_latency_ns: L, queue: model, ..ExchangeConfig::default() },
        instruments: no_instruments(),
        ..ExecutionConfig::default()
    })
}

/// An engine (risk-averse) with a 99 x 5 / 100 x 5 market and a buy of `qty` resting at `px`.
fn resting_buy(model: QueueModel, qty: f64, px: f64) -> ExecutionEngine {
    let mut e = engine_under(model);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(limit(1, Side::Buy, qty, px, T0));
    assert!(e.advance_to(T0 + L).is_empty(), "nothing marketable");
    e
}

#[test]
fn prints_at_the_price_consume_the_displayed_size_ahead_first() {
    // Joins the bid behind the 5 displayed there.
    let mut e = resting_buy(QueueModel::RiskAverse, 2.0, 99.0);
    assert!(e.on_tick(&trade(T0 + 2 * L, 99.0, 3.0)).is_empty(), "3 of the 5 ahead traded");
    assert!(e.on_tick(&trade(T0 + 3 * L, 99.0, 2.0)).is_empty(), "the 5 ahead are used up");
    assert_eq!(fills(&e.on_tick(&trade(T0 + 4 * L, 99.0, 1.5))), [(99.0, 1.5)]);
    assert_eq!(fills(&e.on_tick(&trade(T0 + 5 * L, 99.0, 4.0))), [(99.0, 0.5)]);
}

#[test]
fn a_small_print_does_not_fill_an_order_behind_a_larger_queue() {
    // The observed case: joined the bid behind 0.372 and the first 0.03 print filled it.
    let mut e = engine_under(QueueModel::RiskAverse);
    e.on_tick(&quote(T0, 2682.50, 0.372, 2682.51, 1.0));
    e.submit(limit(1, Side::Buy, 0.05, 2682.50, T0));
    assert!(e.advance_to(T0 + L).is_empty());
    assert!(e.on_tick(&trade(T0 + 2 * L, 2682.50, 0.03)).is_empty());
    assert!(e.on_tick(&trade(T0 + 3 * L, 2682.50, 0.342)).is_empty(), "0.372 traded: at the front");
    assert_eq!(fills(&e.on_tick(&trade(T0 + 4 * L, 2682.50, 0.03))), [(2682.50, 0.03)]);
}

#[test]
fn an_order_at_a_new_level_is_first_in_its_queue() {
    let mut e = resting_buy(QueueModel::RiskAverse, 2.0, 99.5);
    assert_eq!(fills(&e.on_tick(&trade(T0 + 2 * L, 99.5, 0.5))), [(99.5, 0.5)]);
}

#[test]
fn the_market_trading_through_the_price_fills_whatever_the_queue() {
    let mut e = resting_buy(QueueModel::RiskAverse, 2.0, 99.0);
    assert_eq!(fills(&e.on_tick(&trade(T0 + 2 * L, 98.9, 3.0))), [(99.0, 2.0)]);
    let mut e = resting_buy(QueueModel::RiskAverse, 2.0, 99.0);
    let crossed = e.on_tick(&quote(T0 + 2 * L, 98.0, 1.0, 99.0, 1.5));
    assert_eq!(fills(&crossed), [(99.0, 1.5)], "the ask reached the bid's price");
}

#[test]
fn a_level_emptied_at_the_venue_puts_the_order_first() {
    let mut e = resting_buy(QueueModel::RiskAverse, 2.0, 99.0);
    // The bid drops below the order's price: nothing is left ahead of it at 99.
    assert!(e.on_tick(&quote(T0 + 2 * L, 98.5, 5.0, 100.0, 5.0)).is_empty());
    assert_eq!(fills(&e.on_tick(&trade(T0 + 3 * L, 99.0, 1.0))), [(99.0, 1.0)]);
}

#[test]
fn an_order_behind_the_touch_queues_behind_what_its_level_shows_when_seen() {
    let mut e = resting_buy(QueueModel::RiskAverse, 2.0, 98.5);
    // Its level is not shown: a print there fills nothing, however large.
    assert!(e.on_tick(&trade(T0 + 2 * L, 98.5, 50.0)).is_empty());
    // The bid falls to its price showing 3: that is the queue ahead from now on.
    assert!(e.on_tick(&quote(T0 + 3 * L, 98.5, 3.0, 99.5, 5.0)).is_empty());
    assert!(e.on_tick(&trade(T0 + 4 * L, 98.5, 3.0)).is_empty());
    assert_eq!(fills(&e.on_tick(&trade(T0 + 5 * L, 98.5, 1.0))), [(98.5, 1.0)]);
}

#[test]
fn a_print_of_unknown_size_fills_only_an_order_at_the_front() {
    let mut e = resting_buy(QueueModel::RiskAverse, 2.0, 99.0);
    assert!(e.on_tick(&trade(T0 + 2 * L, 99.0, 0.0)).is_empty(), "5 ahead");
    let mut e = resting_buy(QueueModel::RiskAverse, 2.0, 99.5);
    assert_eq!(fills(&e.on_tick(&trade(T0 + 2 * L, 99.5, 0.0))), [(99.5, 2.0)]);
}

#[test]
fn size_decreases_advance_the_order_by_the_model() {
    // Behind 5; 5 more join behind it (10); then 3 are cancelled (7).
    let run = |model| {
        let mut e = resting_buy(model, 2.0, 99.0);
        e.on_tick(&quote(T0 + 2 * L, 99.0, 10.0, 100.0, 5.0));
        e.on_tick(&quote(T0 + 3 * L, 99.0, 7.0, 100.0, 5.0));
        fills(&e.on_tick(&trade(T0 + 4 * L, 99.0, 5.0)))
    };
    // Risk-averse: cancels never advance it; 5 still ahead, the print of 5 fills nothing.
    assert_eq!(run(QueueModel::RiskAverse), []);
    // Power n = 2: half the cancels are taken as ahead of it (front 5 = back 5): 3.5
    // ahead, so the print of 5 fills 1.5.
    assert_eq!(run(QueueModel::Power { n: 2.0 }), [(99.0, 1.5)]);
    // Any model: a level cut below the queue ahead cuts the queue to it.
    let mut e = resting_buy(QueueModel::RiskAverse, 2.0, 99.0);
    e.on_tick(&quote(T0 + 2 * L, 99.0, 1.0, 100.0, 5.0));
    assert_eq!(fills(&e.on_tick(&trade(T0 + 3 * L, 99.0, 2.0))), [(99.0, 1.0)]);
}

#[test]
fn an_amend_that_shrinks_keeps_its_place_and_one_that_grows_joins_the_back() {
    let amended = |qty: f64| {
        let mut e = resting_buy(QueueModel::RiskAverse, 2.0, 99.0);
        assert!(e.on_tick(&trade(T0 + 2 * L, 99.0, 4.0)).is_empty(), "1 left ahead");
        let amend = mycelium_execution::Cancel::amend(
            common::S1,
            mycelium_execution::ClientOrderId(1),
            sym(),
            qty,
            99.0,
            at(T0 + 2 * L),
        );
        e.cancel(amend);
        // The amend arrives; the bid shows 5 again (5 queued behind the order's place).
        e.on_tick(&quote(T0 + 3 * L, 99.0, 5.0, 100.0, 5.0));
        fills(&e.on_tick(&trade(T0 + 4 * L, 99.0, 2.0)))
    };
    assert_eq!(amended(1.5), [(99.0, 1.0)], "kept: 1 ahead, the print of 2 fills 1");
    assert_eq!(amended(3.0), [], "joined behind the 5 shown");
}

#[test]
fn sells_mirror_buys() {
    let mut e = engine_under(QueueModel::RiskAverse);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 4.0));
    e.submit(limit(1, Side::Sell, 2.0, 100.0, T0));
    assert!(e.advance_to(T0 + L).is_empty());
    assert!(e.on_tick(&trade(T0 + 2 * L, 100.0, 4.0)).is_empty());
    assert_eq!(fills(&e.on_tick(&trade(T0 + 3 * L, 100.0, 3.0))), [(100.0, 2.0)]);
}

#[test]
fn what_simulated_orders_took_does_not_shorten_the_queue_a_later_order_joins() {
    let mut e = engine_under(QueueModel::RiskAverse);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    // A sell takes 3 of the 5 bid; the data's orders there are still ahead of a new buy.
    e.submit(market(1, Side::Sell, 3.0, T0));
    e.submit(limit(2, Side::Buy, 2.0, 99.0, T0));
    assert_eq!(fills(&e.advance_to(T0 + L)), [(99.0, 3.0)]);
    assert!(e.on_tick(&trade(T0 + 2 * L, 99.0, 4.0)).is_empty(), "5 ahead, not 2");
    assert_eq!(fills(&e.on_tick(&trade(T0 + 3 * L, 99.0, 2.0))), [(99.0, 1.0)]);
}
