//! Every pre-trade check rejects with its own `RejectReason`, through the engine and on
//! the `RiskChecker` alone; rejects are counted by reason; limits deserialize with
//! defaults for missing fields.

mod common;

use common::*;
use mycelium_execution::{
    ClientOrderId, ExchangeConfig, ExecutionConfig, ExecutionEngine, Order, OrderStatus, OrderType,
    RejectReason, RiskChecker, RiskLimits,
};
use mycelium_market_data::{Side, Symbol};
use serde::de::value::{Error as ValueError, MapDeserializer};
use serde::Deserialize;

const T0: i64 = 1_000_000_000_000;

fn tight() -> RiskLimits {
    RiskLimits {
        max_order_qty: 10.0,
        max_notional: 1_000.0,
        max_position: 20.0,
        max_orders_per_sec: 3,
        price_collar_bps: 100.0,
        dedup_window: 4,
    }
}

/// An engine with tight limits and a 99.5 / 100.5 market (mid 100).
fn quoted_engine() -> ExecutionEngine {
    let mut e = engine_with(0, tight());
    e.on_tick(&quote(T0, 99.5, 100.0, 100.5, 100.0));
    e
}

fn rejected(e: &mut ExecutionEngine, order: Order) -> Option<RejectReason> {
    let updates = e.submit(order);
    assert_eq!(updates.len(), 1, "{updates:?}");
    match updates[0].status {
        OrderStatus::Rejected(r) => Some(r),
        OrderStatus::Accepted => None,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn max_order_qty() {
    let mut e = quoted_engine();
    assert_eq!(
        rejected(&mut e, limit(1, Side::Buy, 11.0, 99.0, T0)),
        Some(RejectReason::MaxOrderQty)
    );
    assert_eq!(rejected(&mut e, limit(2, Side::Buy, 10.0, 99.0, T0)), None);
    assert_eq!(e.stats().rejects_for(RejectReason::MaxOrderQty), 1);
}

#[test]
fn max_notional() {
    let mut e = quoted_engine();
    // 10 x 100.5 = 1005 > 1000 (and 50 bps from the mid, inside the collar).
    assert_eq!(
        rejected(&mut e, limit(1, Side::Buy, 10.0, 100.5, T0)),
        Some(RejectReason::MaxNotional)
    );
    // A market order is priced at the reference price: 10 x 100 = 1000, allowed.
    assert_eq!(rejected(&mut e, market(2, Side::Buy, 10.0, T0)), None);
}

#[test]
fn price_collar() {
    let mut e = quoted_engine();
    assert_eq!(
        rejected(&mut e, limit(1, Side::Sell, 1.0, 98.0, T0)),
        Some(RejectReason::PriceCollar)
    );
    assert_eq!(
        rejected(&mut e, limit(2, Side::Buy, 1.0, 102.0, T0)),
        Some(RejectReason::PriceCollar)
    );
    assert_eq!(rejected(&mut e, limit(3, Side::Buy, 1.0, 99.5, T0)), None);
}

#[test]
fn position_limit_counts_working_orders_and_allows_reducing() {
    let mut e = quoted_engine();
    let sec = 1_000_000_000;
    // Working buys count toward the worst-case position: 9 + 9 = 18, then + 3 = 21 > 20.
    assert_eq!(rejected(&mut e, limit(1, Side::Buy, 9.0, 99.0, T0)), None);
    assert_eq!(rejected(&mut e, limit(2, Side::Buy, 9.0, 99.0, T0 + sec)), None);
    let third = limit(3, Side::Buy, 3.0, 99.0, T0 + 2 * sec);
    assert_eq!(rejected(&mut e, third), Some(RejectReason::PositionLimit));
    // Sells are checked against the filled position (flat): -9 is fine.
    assert_eq!(rejected(&mut e, limit(4, Side::Sell, 9.0, 100.5, T0 + 3 * sec)), None);

    let mut risk = RiskChecker::new(tight());
    let buy = limit(10, Side::Buy, 6.0, 100.0, T0);
    assert_eq!(risk.check(&buy, 15.0, Some(100.0), None, T0), Err(RejectReason::PositionLimit));
    // Reducing an over-limit position is allowed.
    let sell = limit(11, Side::Sell, 5.0, 100.0, T0);
    assert_eq!(risk.check(&sell, 30.0, Some(100.0), None, T0), Ok(()));
}

#[test]
fn order_rate_sliding_window_in_exchange_time() {
    let mut risk = RiskChecker::new(tight());
    let ms = 1_000_000;
    let o = |id, t| limit(id, Side::Buy, 1.0, 100.0, t);
    for (id, t) in [(1, T0), (2, T0 + 500 * ms), (3, T0 + 900 * ms)] {
        assert_eq!(risk.check(&o(id, t), 0.0, Some(100.0), None, t), Ok(()));
    }
    assert_eq!(
        risk.check(&o(4, T0 + 999 * ms), 0.0, Some(100.0), None, T0 + 999 * ms),
        Err(RejectReason::OrderRate)
    );
    // At T0 + 1 s the first order leaves the window (T0 + 1 s - 1 s, T0 + 1 s].
    assert_eq!(risk.check(&o(5, T0 + 1_000 * ms), 0.0, Some(100.0), None, T0 + 1_000 * ms), Ok(()));
    // Rejected orders did not count: one more is refused, not two more.
    assert_eq!(
        risk.check(&o(6, T0 + 1_000 * ms), 0.0, Some(100.0), None, T0 + 1_000 * ms),
        Err(RejectReason::OrderRate)
    );

    let mut e = quoted_engine();
    for id in 1..=3 {
        assert_eq!(rejected(&mut e, limit(id, Side::Buy, 1.0, 99.0, T0)), None);
    }
    assert_eq!(rejected(&mut e, limit(4, Side::Buy, 1.0, 99.0, T0)), Some(RejectReason::OrderRate));
}

/// Checks a 1-lot buy `id` at `T0 + id` seconds (never rate limited).
fn check_id(risk: &mut RiskChecker, id: u64, strategy: u32) -> Result<(), RejectReason> {
    let now = T0 + id as i64 * 1_000_000_000;
    let order = Order {
        strategy: mycelium_execution::StrategyId(strategy),
        ..limit(id, Side::Buy, 1.0, 100.0, now)
    };
    risk.check(&order, 0.0, Some(100.0), None, now)
}

#[test]
fn duplicate_client_order_id_with_bounded_memory() {
    let mut risk = RiskChecker::new(tight());
    assert_eq!(check_id(&mut risk, 1, 1), Ok(()));
    assert_eq!(check_id(&mut risk, 1, 1), Err(RejectReason::DuplicateClientOrderId));
    // Another strategy may use the same id.
    assert_eq!(check_id(&mut risk, 1, 2), Ok(()));
    // The window remembers 4 ids: after 2..=5, id 1 is forgotten.
    for id in 2..=5 {
        assert_eq!(check_id(&mut risk, id, 1), Ok(()));
    }
    assert_eq!(check_id(&mut risk, 1, 1), Ok(()));
    assert_eq!(check_id(&mut risk, 5, 1), Err(RejectReason::DuplicateClientOrderId));
}

#[test]
fn invalid_orders() {
    let mut e = quoted_engine();
    let nan = limit(2, Side::Buy, f64::NAN, 99.0, T0);
    let no_price = Order { limit_px: None, ..limit(3, Side::Buy, 1.0, 99.0, T0) };
    let priced_market = Order { kind: OrderType::Market, ..limit(4, Side::Buy, 1.0, 99.0, T0) };
    let negative_px = limit(5, Side::Sell, 1.0, -1.0, T0);
    for order in [limit(1, Side::Buy, 0.0, 99.0, T0), nan, no_price, priced_market, negative_px] {
        assert_eq!(rejected(&mut e, order), Some(RejectReason::InvalidOrder));
    }
    assert_eq!(e.stats().rejects_for(RejectReason::InvalidOrder), 5);
}

#[test]
fn unknown_symbol_and_no_market() {
    let mut e = ExecutionEngine::new(ExecutionConfig {
        risk: tight(),
        exchange: ExchangeConfig { symbols: vec![sym()], ..ExchangeConfig::default() },
        instruments: no_instruments(),
        ..ExecutionConfig::default()
    });
    let eth = Symbol::new("ETHUSDT").expect("valid");
    let order = Order::limit(S1, ClientOrderId(1), eth, Side::Buy, 1.0, 10.0, at(T0));
    assert_eq!(rejected(&mut e, order), Some(RejectReason::UnknownSymbol));
    // No quote yet: a market order has nothing to take.
    assert_eq!(rejected(&mut e, market(2, Side::Buy, 1.0, T0)), Some(RejectReason::NoMarket));
    // A limit order needs no market (the collar is skipped without a reference price).
    assert_eq!(rejected(&mut e, limit(3, Side::Buy, 1.0, 50.0, T0)), None);
    assert_eq!(e.stats().rejects(), 2);
}

#[test]
fn every_reason_has_its_own_text() {
    use RejectReason::*;
    let all = [
        MaxOrderQty,
        MaxNotional,
        PositionLimit,
        OrderRate,
        PriceCollar,
        DuplicateClientOrderId,
        UnknownSymbol,
        NoMarket,
        UnknownOrder,
        InvalidOrder,
    ];
    let texts: std::collections::BTreeSet<String> = all.iter().map(|r| r.to_string()).collect();
    assert_eq!(texts.len(), all.len());
    assert!(texts.iter().all(|t| !t.is_empty()));
}

#[test]
fn limits_deserialize_with_defaults() {
    let map = MapDeserializer::<_, ValueError>::new(vec![("max_order_qty", 5.0)].into_iter());
    let limits = RiskLimits::deserialize(map).expect("valid limits");
    assert_eq!(limits, RiskLimits { max_order_qty: 5.0, ..RiskLimits::default() });
    let bad = MapDeserializer::<_, ValueError>::new(vec![("max_qty", 5.0)].into_iter());
    assert!(RiskLimits::deserialize(bad).is_err());
}
