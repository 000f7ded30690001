//! A strategy's timer fires once, on the first tick at or after its due time in
//! exchange time, however fast the replay runs.
mod support;

use std::sync::{Arc, Mutex};

use mycelium_apps::config::StrategySpec;
use mycelium_market_data::MarketTick;
use mycelium_strategies::{Maker, Strategy, StrategyContext, StrategyRegistry, TimerId};

/// Sets a 1 ms timer on its first tick and records (due, fired-at) exchange times.
struct Alarm {
    set: Option<(TimerId, i64)>,
    fired: Arc<Mutex<Vec<(i64, i64)>>>,
}

impl Strategy for Alarm {
    fn on_tick(&mut self, tick: &MarketTick, ctx: &mut StrategyContext) {
        if self.set.is_none() {
            let id = ctx.set_timer(1_000_000);
            self.set = Some((id, tick.exchange_ts_ns + 1_000_000));
        }
    }
    fn on_timer(&mut self, timer: TimerId, ctx: &mut StrategyContext) {
        let (id, due) = self.set.expect("a timer was set");
        assert_eq!(timer, id);
        self.fired.lock().unwrap().push((due, ctx.now_ns()));
    }
}

#[tokio::test]
async fn a_timer_fires_once_when_exchange_time_reaches_it() {
    let fired = Arc::new(Mutex::new(Vec::new()));
    let mut registry = StrategyRegistry::new();
    let f = fired.clone();
    registry.register(
        "alarm",
        Box::new(move |_| {
            let f = f.clone();
            let maker: Maker = Arc::new(move || {
                Box::new(Alarm { set: None, fired: f.clone() }) as Box<dyn Strategy>
            });
            Ok(maker)
        }),
    );
    let mut config = support::config(5_000);
    config.strategies = vec![StrategySpec {
        name: "alarm".into(),
        kind: "alarm".into(),
        params: toml::Table::new(),
        pinned_core: None,
        answer_lag: 0,
    }];
    // The synthetic feed spaces ticks by 1/rate of exchange time: 10 µs here, so the
    // 1 ms timer is due about 100 ticks in; the feed itself runs unpaced.
    config.feed.rate = 0.0;
    support::run_synthetic(&config, &registry).await;
    let fired = fired.lock().unwrap();
    assert_eq!(fired.len(), 1, "fired exactly once: {fired:?}");
    let (due, at) = fired[0];
    assert!(at >= due, "not before it was due");
    assert!(
        at - due < 100_000,
        "on the first tick after it was due (ticks 10 µs apart): {}",
        at - due
    );
}
