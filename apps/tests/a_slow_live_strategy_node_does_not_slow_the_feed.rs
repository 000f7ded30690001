//! A strategy node marked live (`[roles] live`) is fed conflated ticks and trades
//! outside execution's barrier: when it is slow (here its link to execution adds 2 ms
//! to every chunk, so each of its steps takes over 4 ms), the feed publishes every
//! tick and the other strategy node steps through all of them without waiting for it.
//!
//! Counts, not wall time: behind the barrier, the other node could not step through
//! the last tick before the slow one had stepped through all of them; live, it has
//! when the slow one has handled only a part.
mod cluster_support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cluster_support::{free_addr, pipeline};
use mycelium::remote::FaultProxy;
use mycelium_apps::cluster::{run_node, ClusterConfig, NodeOutcome};
use mycelium_market_data::MarketTick;
use mycelium_strategies::{
    MovingAverageCross, MovingAverageParams, Strategy, StrategyContext, StrategyRegistry,
};

const TICKS: u64 = 1000;
const RATE: u64 = 2000;
const BOUND: Duration = Duration::from_secs(90);

fn cluster(md: SocketAddr, alpha: SocketAddr, beta: SocketAddr, exec: SocketAddr) -> ClusterConfig {
    let text = format!(
        r#"secret = "live"
[roles]
feed = "md"
execution = "exec"
strategies = {{ mm = "alpha", trend = "beta" }}
live = ["beta"]
[[node]]
name = "md"
tcp = "{md}"
[[node]]
name = "alpha"
tcp = "{alpha}"
[[node]]
name = "beta"
tcp = "{beta}"
[[node]]
name = "exec"
tcp = "{exec}"
{}"#,
        pipeline(TICKS).replace("rate = 0", &format!("rate = {RATE}"))
    );
    ClusterConfig::parse(&text, "test cluster").expect("cluster file")
}

/// The sample trend follower, counting the ticks it handles.
struct Counted(MovingAverageCross, Arc<AtomicU64>);

impl Strategy for Counted {
    fn on_tick(&mut self, tick: &MarketTick, ctx: &mut StrategyContext) {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.on_tick(tick, ctx);
    }
}

/// Beta's registry: `moving_average` counts its ticks in `seen`.
fn counting_registry(seen: Arc<AtomicU64>) -> StrategyRegistry {
    let mut registry = StrategyRegistry::with_samples();
    registry.register_params("moving_average", move |p: MovingAverageParams| {
        Counted(MovingAverageCross::new(p), seen.clone())
    });
    registry
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_live_strategy_node_does_not_slow_the_feed() {
    let (md, alpha, beta, exec) = (free_addr(), free_addr(), free_addr(), free_addr());
    let slow = FaultProxy::start(exec).await.expect("proxy");
    slow.set_delay(Duration::from_millis(2));
    let everyone = cluster(md, alpha, beta, exec);
    // Beta and execution meet only through the slow proxy: beta dials it, and
    // execution's own dial to beta goes nowhere.
    let beta_view = cluster(md, alpha, beta, slow.addr());
    let exec_view = cluster(md, alpha, free_addr(), exec);
    let run = |cfg: ClusterConfig, name: &'static str, registry: StrategyRegistry| {
        tokio::spawn(async move {
            run_node(&cfg, name, &registry, None, None, std::future::pending()).await
        })
    };
    let beta_seen = Arc::new(AtomicU64::new(0));
    let samples = StrategyRegistry::with_samples;
    let exec_node = run(exec_view, "exec", samples());
    let alpha_node = run(everyone.clone(), "alpha", samples());
    let beta_node = run(beta_view, "beta", counting_registry(beta_seen.clone()));
    let md_node = run(everyone, "md", samples());

    let ended = |out: Result<Result<anyhow::Result<NodeOutcome>, _>, _>, name: &str| {
        out.unwrap_or_else(|_| panic!("{name} did not end"))
            .expect("the node's task")
            .unwrap_or_else(|e| panic!("{name} failed: {e:#}"))
    };
    let alpha_out = ended(tokio::time::timeout(BOUND, alpha_node).await, "alpha");
    let beta_then = beta_seen.load(Ordering::SeqCst);
    let md_out = ended(tokio::time::timeout(BOUND, md_node).await, "md");
    let beta_out = ended(tokio::time::timeout(BOUND, beta_node).await, "beta");
    let exec_out = ended(tokio::time::timeout(BOUND, exec_node).await, "exec");

    // The feed published everything, and the other strategy node stepped through
    // every tick ...
    assert!(!md_out.interrupted(), "the feed did not finish");
    assert_eq!(md_out.published, Some(TICKS));
    let ticks_of = |out: &NodeOutcome, name: &str| {
        out.run.strategies.iter().find(|(n, _, _)| n == name).map(|(_, _, r)| r.ticks)
    };
    assert_eq!(ticks_of(&alpha_out, "mm"), Some(TICKS));
    // ... while the slow node had handled only some of them: nothing waited for it.
    assert!(beta_then > 0, "the slow node never traded");
    assert!(beta_then < TICKS, "the slow node had handled all {TICKS} ticks: it was waited for");
    // It went on trading, and ended with the data.
    assert!(ticks_of(&beta_out, "trend").is_some_and(|t| t >= beta_then), "{beta_then}");
    assert!(!beta_out.interrupted() && !exec_out.interrupted());
    assert!(exec_out.run.execution.stats.orders > 0);
}
