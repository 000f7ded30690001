//! A post-only (GTX) order never takes liquidity: one that would take on arrival is
//! rejected `WouldTake` by default; with `post_only = "reprice"` it rests one tick
//! behind the touch instead (rejected when the symbol has no instrument to give a tick);
//! one that does not cross rests and fills as maker.

mod common;

use common::*;
use mycelium_execution::{
    ExchangeConfig, ExecutionConfig, ExecutionEngine, InstrumentsConfig, Liquidity, OrderStatus,
    PostOnly, RejectReason,
};
use mycelium_market_data::Side;

const T0: i64 = 1_000_000;
const L: i64 = 1_000;

fn engine_posting(post_only: PostOnly, instruments: InstrumentsConfig) -> ExecutionEngine {
    ExecutionEngine::new(ExecutionConfig {
        risk: loose_limits(),
        exchange: ExchangeConfig { order_latency_ns: L, post_only, ..ExchangeConfig::default() },
        instruments,
        ..ExecutionConfig::default()
    })
}

#[test]
fn a_post_only_order_that_would_take_is_rejected_would_take_by_default() {
    assert_eq!(ExchangeConfig::default().post_only, PostOnly::Reject, "the documented default");
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    let mut all = e.submit(limit(1, Side::Buy, 1.0, 100.0, T0).post_only());
    all.extend(e.on_tick(&quote(T0 + L, 99.0, 5.0, 100.0, 5.0)));
    assert_eq!(
        statuses(&all),
        [OrderStatus::Accepted, OrderStatus::Rejected(RejectReason::WouldTake)]
    );
    assert!(fills(&all).is_empty(), "nothing taken");
    assert!(e.position(S1, sym()).qty.is_zero());
    assert!(e.open_orders(S1).is_empty());
    assert_eq!(e.stats().rejects_for(RejectReason::WouldTake), 1);
}

#[test]
fn a_post_only_order_that_does_not_cross_rests_and_fills_as_maker() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(limit(1, Side::Sell, 1.0, 100.0, T0).post_only());
    assert!(e.on_tick(&quote(T0 + L, 99.0, 5.0, 100.0, 5.0)).is_empty(), "rests");
    // Behind the 5 shown at the ask: a print of 6 there reaches it.
    let hit = e.on_tick(&trade(T0 + 2 * L, 100.0, 6.0));
    assert_eq!(statuses(&hit), [OrderStatus::Filled]);
    assert_eq!(hit[0].last_fill.map(|f| f.liquidity), Some(Liquidity::Maker));
}

#[test]
fn a_repriced_post_only_order_rests_one_tick_behind_the_touch() {
    // BTCUSDT's shipped tick is 0.1.
    let mut e = engine_posting(PostOnly::Reprice, InstrumentsConfig::default());
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    let mut all = e.submit(limit(1, Side::Buy, 2.0, 101.0, T0).post_only());
    all.extend(e.on_tick(&quote(T0 + L, 99.0, 5.0, 100.0, 5.0)));
    assert_eq!(statuses(&all), [OrderStatus::Accepted], "rests, takes nothing");
    let resting = e.order(S1, all[0].client_order_id).map(|s| s.order.limit_px);
    assert_eq!(resting, Some(Some(99.9)));
    // The ask stays at 100: not filled. A print at 99.9 fills it as maker, at 99.9.
    assert!(e.on_tick(&trade(T0 + 2 * L, 100.0, 1.0)).is_empty());
    let hit = e.on_tick(&trade(T0 + 3 * L, 99.9, 5.0));
    assert_eq!(fills(&hit), [(99.9, 2.0)]);
    assert_eq!(hit[0].last_fill.map(|f| f.liquidity), Some(Liquidity::Maker));

    // A sell reprices to the bid plus one tick.
    e.submit(limit(2, Side::Sell, 2.0, 98.0, T0 + 3 * L).post_only());
    e.advance_to(T0 + 4 * L);
    let resting = e.order(S1, mycelium_execution::ClientOrderId(2)).map(|s| s.order.limit_px);
    assert_eq!(resting, Some(Some(99.1)));
}

#[test]
fn a_post_only_order_without_a_tick_to_reprice_by_is_rejected() {
    let mut e = engine_posting(PostOnly::Reprice, no_instruments());
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    e.submit(limit(1, Side::Buy, 1.0, 100.0, T0).post_only());
    let arrived = e.advance_to(T0 + L);
    assert_eq!(statuses(&arrived), [OrderStatus::Rejected(RejectReason::WouldTake)]);
}

#[test]
fn post_only_on_a_non_limit_order_is_invalid() {
    let mut e = engine(L);
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    let answer = e.submit(ioc(1, Side::Buy, 1.0, 100.0, T0).post_only());
    assert_eq!(statuses(&answer), [OrderStatus::Rejected(RejectReason::InvalidOrder)]);
}
