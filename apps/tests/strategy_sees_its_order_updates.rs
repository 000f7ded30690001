//! A strategy's order updates come back to it: a market order is accepted, then
//! filled, and the fill shows in its position.
mod support;

use std::sync::{Arc, Mutex};

use mycelium_apps::config::StrategySpec;
use mycelium_execution::{OrderStatus, OrderUpdate};
use mycelium_market_data::{MarketTick, Side};
use mycelium_strategies::{Maker, Strategy, StrategyContext, StrategyRegistry};

/// Buys one unit on its first tick; records every update and its position after each.
struct OneBuy {
    sent: bool,
    seen: Arc<Mutex<Vec<(OrderUpdate, f64)>>>,
}

impl Strategy for OneBuy {
    fn on_tick(&mut self, tick: &MarketTick, ctx: &mut StrategyContext) {
        if !self.sent {
            self.sent = true;
            ctx.market(tick.symbol, Side::Buy, 1.0);
        }
    }
    fn on_order_update(&mut self, update: &OrderUpdate, ctx: &mut StrategyContext) {
        let qty = ctx.position(&update.symbol).qty.to_f64();
        self.seen.lock().unwrap().push((update.clone(), qty));
    }
}

#[tokio::test]
async fn a_market_order_is_accepted_then_filled() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut registry = StrategyRegistry::new();
    let s = seen.clone();
    registry.register(
        "one_buy",
        Box::new(move |_| {
            let s = s.clone();
            let maker: Maker = Arc::new(move || {
                Box::new(OneBuy { sent: false, seen: s.clone() }) as Box<dyn Strategy>
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
    }];
    support::run_synthetic(&config, &registry).await;
    let seen = seen.lock().unwrap();
    let statuses: Vec<OrderStatus> = seen.iter().map(|(u, _)| u.status).collect();
    assert_eq!(statuses, vec![OrderStatus::Accepted, OrderStatus::Filled], "{seen:?}");
    let (filled, position) = &seen[1];
    assert_eq!(filled.last_fill.expect("a fill").qty, 1.0);
    assert_eq!(*position, 1.0, "the fill is in the position the strategy sees");
}
