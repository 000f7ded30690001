//! A strategy's order updates come back to it: a market order is accepted, then
//! filled, and the fill shows in its position; with an answer lag of `n` each answer
//! comes exactly `n` ticks later.
mod support;

use std::sync::{Arc, Mutex};

use mycelium_apps::config::StrategySpec;
use mycelium_execution::{OrderStatus, OrderUpdate};
use mycelium_market_data::{MarketTick, Side};
use mycelium_strategies::{Maker, Strategy, StrategyContext, StrategyRegistry};

/// Seen by [`OneBuy`]: each update, the position after it, and how many ticks the
/// strategy had taken when it came.
type Seen = Arc<Mutex<Vec<(OrderUpdate, f64, u64)>>>;

/// Buys one unit on its first tick; records every update.
struct OneBuy {
    ticks: u64,
    seen: Seen,
}

impl Strategy for OneBuy {
    fn on_tick(&mut self, tick: &MarketTick, ctx: &mut StrategyContext) {
        self.ticks += 1;
        if self.ticks == 1 {
            ctx.market(tick.symbol, Side::Buy, 1.0);
        }
    }
    fn on_order_update(&mut self, update: &OrderUpdate, ctx: &mut StrategyContext) {
        let qty = ctx.position(&update.symbol).qty.to_f64();
        self.seen.lock().unwrap().push((update.clone(), qty, self.ticks));
    }
}

/// Runs [`OneBuy`] over 2,000 ticks with `answer_lag`; what it saw.
async fn one_buy(answer_lag: usize) -> Vec<(OrderUpdate, f64, u64)> {
    let seen = Seen::default();
    let mut registry = StrategyRegistry::new();
    let s = seen.clone();
    registry.register(
        "one_buy",
        Box::new(move |_| {
            let s = s.clone();
            let maker: Maker = Arc::new(move || {
                Box::new(OneBuy { ticks: 0, seen: s.clone() }) as Box<dyn Strategy>
            });
            Ok(maker)
        }),
    );
    let mut config = support::config(2_000);
    config.strategies = vec![StrategySpec {
        name: "b".into(),
        kind: "one_buy".into(),
        params: toml::Table::new(),
        pinned_core: None,
        answer_lag,
    }];
    support::run_synthetic(&config, &registry).await;
    let seen = seen.lock().unwrap().clone();
    seen
}

#[tokio::test]
async fn a_market_order_is_accepted_then_filled() {
    let seen = one_buy(0).await;
    let statuses: Vec<OrderStatus> = seen.iter().map(|(u, _, _)| u.status).collect();
    assert_eq!(statuses, vec![OrderStatus::Accepted, OrderStatus::Filled], "{seen:?}");
    let (filled, position, _) = &seen[1];
    assert_eq!(filled.last_fill.expect("a fill").qty, 1.0);
    assert_eq!(*position, 1.0, "the fill is in the position the strategy sees");
    // The answer to the order's step comes before the strategy's next tick.
    assert_eq!(seen[0].2, 1, "{seen:?}");
}

#[tokio::test]
async fn with_an_answer_lag_each_answer_comes_that_many_ticks_later() {
    let prompt = one_buy(0).await;
    for lag in [1, 3] {
        let seen = one_buy(lag).await;
        assert_eq!(seen.len(), prompt.len(), "lag {lag}: {seen:?}");
        for ((update, position, ticks), (at_once, _, prompt_ticks)) in seen.iter().zip(&prompt) {
            assert_eq!(update.status, at_once.status, "lag {lag}");
            assert_eq!(*ticks, prompt_ticks + lag as u64, "lag {lag}: {seen:?}");
            if update.status == OrderStatus::Filled {
                assert_eq!(*position, 1.0, "lag {lag}");
            }
        }
    }
}
