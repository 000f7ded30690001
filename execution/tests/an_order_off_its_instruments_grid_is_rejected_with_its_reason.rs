//! Pre-trade risk checks an order against its symbol's instrument (BTCUSDT, shipped:
//! tick 0.1, lot 0.001, minimum quantity 0.001, minimum notional 100 USDT), each failure
//! with its own reason; an order on the grid passes, and a symbol without an instrument
//! is not grid-checked.

mod common;

use common::*;
use mycelium_execution::{
    ClientOrderId, ExecutionConfig, ExecutionEngine, Order, OrderStatus, RejectReason,
};
use mycelium_market_data::Side;

const T0: i64 = 1_000_000;

fn engine() -> ExecutionEngine {
    let mut e = ExecutionEngine::new(ExecutionConfig {
        risk: loose_limits(),
        ..ExecutionConfig::default()
    });
    e.on_tick(&quote(T0, 60_000.0, 1.0, 60_000.2, 1.0));
    e
}

fn status(e: &mut ExecutionEngine, id: u64, qty: f64, px: Option<f64>) -> OrderStatus {
    let cid = ClientOrderId(id);
    let order = match px {
        Some(px) => Order::limit(S1, cid, sym(), Side::Buy, qty, px, at(T0)),
        None => Order::market(S1, cid, sym(), Side::Buy, qty, at(T0)),
    };
    e.submit(order)[0].status
}

#[test]
fn each_instrument_rule_rejects_with_its_own_reason() {
    let mut e = engine();
    let reject = OrderStatus::Rejected;
    assert_eq!(status(&mut e, 1, 0.01, Some(59_999.95)), reject(RejectReason::OffTickGrid));
    assert_eq!(status(&mut e, 2, 0.0105, Some(59_999.9)), reject(RejectReason::OffLotGrid));
    assert_eq!(status(&mut e, 3, 0.0005, Some(59_999.9)), reject(RejectReason::OffLotGrid));
    // 0.001 x 59_999.9 = 59.99 USDT, under the 100 USDT minimum; as a market order too.
    assert_eq!(status(&mut e, 4, 0.001, Some(59_999.9)), reject(RejectReason::BelowMinNotional));
    assert_eq!(status(&mut e, 5, 0.001, None), reject(RejectReason::BelowMinNotional));
    // On the grid, above both minimums.
    assert_eq!(status(&mut e, 6, 0.002, Some(59_999.9)), OrderStatus::Accepted);
    for reason in
        [RejectReason::OffTickGrid, RejectReason::OffLotGrid, RejectReason::BelowMinNotional]
    {
        assert!(e.stats().rejects_for(reason) > 0, "{reason:?} counted");
    }
}

#[test]
fn a_quantity_under_the_minimum_is_rejected_even_on_the_lot_grid() {
    let mut instruments = no_instruments();
    let mut btc = mycelium_market_data::InstrumentTable::shipped()
        .get(sym())
        .expect("shipped BTCUSDT")
        .clone();
    btc.min_qty = "0.005".parse().expect("decimal");
    instruments.instrument.push(btc);
    let mut e = ExecutionEngine::new(ExecutionConfig {
        risk: loose_limits(),
        instruments,
        ..ExecutionConfig::default()
    });
    e.on_tick(&quote(T0, 60_000.0, 1.0, 60_000.2, 1.0));
    assert_eq!(
        status(&mut e, 1, 0.004, Some(59_999.9)),
        OrderStatus::Rejected(RejectReason::BelowMinQty)
    );
    assert_eq!(status(&mut e, 2, 0.005, Some(59_999.9)), OrderStatus::Accepted);
}

#[test]
fn a_symbol_without_an_instrument_is_not_grid_checked() {
    let mut e = engine_with(0, loose_limits());
    e.on_tick(&quote(T0, 100.0, 1.0, 100.2, 1.0));
    let order = Order::limit(S1, ClientOrderId(1), sym(), Side::Buy, 0.00012, 100.0001, at(T0));
    assert_eq!(e.submit(order)[0].status, OrderStatus::Accepted);
}
