//! A strategy of your own, in your own crate, run in the Mycelium pipeline.
//!
//! `Breakout` buys when the mid makes a new high over its lookback and sells on a new
//! low, holding at most `max_position`. Registered by name, a config picks it with
//! its parameters like any sample.
//!
//! Run: `cargo run --release -p mycelium-apps --example custom_strategy`

use std::collections::VecDeque;

use mycelium::Node;
use mycelium_apps::{
    config::StrategySpec, summary, FeedSource, Pipeline, PipelineConfig, RunOutcome,
};
use mycelium_market_data::{MarketTick, Side, TickEvent};
use mycelium_strategies::{Strategy, StrategyContext, StrategyRegistry};
use serde::Deserialize;

/// The parameters, read from the strategy's `[strategy.params]` table.
#[derive(Clone, Deserialize)]
struct BreakoutParams {
    lookback: usize,
    qty: f64,
    max_position: f64,
}

struct Breakout {
    p: BreakoutParams,
    mids: VecDeque<f64>,
}

impl Strategy for Breakout {
    fn on_tick(&mut self, tick: &MarketTick, ctx: &mut StrategyContext) {
        let TickEvent::Quote(q) = &tick.event else { return };
        let mid = (q.bid_px + q.ask_px) / 2.0;
        let full = self.mids.len() == self.p.lookback;
        let (lo, hi) =
            self.mids.iter().fold((f64::MAX, f64::MIN), |(l, h), m| (l.min(*m), h.max(*m)));
        if full {
            self.mids.pop_front();
        }
        self.mids.push_back(mid);
        if !full || ctx.open_orders().next().is_some() {
            return;
        }
        let pos = ctx.position(&tick.symbol).qty.to_f64();
        if mid > hi && pos + self.p.qty <= self.p.max_position {
            ctx.ioc(tick.symbol, Side::Buy, self.p.qty, q.ask_px);
        } else if mid < lo && pos - self.p.qty >= -self.p.max_position {
            ctx.ioc(tick.symbol, Side::Sell, self.p.qty, q.bid_px);
        }
    }
}

/// Registers `breakout` beside the samples and runs it in the default pipeline.
async fn run(ticks: u64) -> anyhow::Result<RunOutcome> {
    let mut registry = StrategyRegistry::with_samples();
    registry.register_params("breakout", |p: BreakoutParams| Breakout { p, mids: VecDeque::new() });
    let mut config = PipelineConfig::default_config()?;
    config.feed.rate = 0.0; // as fast as possible
    let params = toml::from_str("lookback = 100\nqty = 1.0\nmax_position = 2.0")?;
    let spec = StrategySpec {
        name: "breakout".into(),
        kind: "breakout".into(),
        params,
        pinned_core: None,
        answer_lag: 0,
    };
    config.strategies.push(spec);
    let source = FeedSource::synthetic(&config.feed, ticks);
    let pipeline = Pipeline::start(&Node::new("custom"), &config, &registry, source).await?;
    Ok(pipeline.finish(std::future::pending(), None).await?.run)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    print!("{}", summary::render(&run(200_000).await?));
    Ok(())
}

#[tokio::test]
async fn the_custom_strategy_trades_in_the_pipeline() {
    let outcome = run(20_000).await.expect("the run");
    let breakout = outcome.strategies.iter().find(|(name, _, _)| name == "breakout");
    assert!(breakout.expect("breakout ran").2.orders > 0, "the breakout strategy traded");
}
