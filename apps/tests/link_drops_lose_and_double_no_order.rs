//! Link drops between the strategy node and the execution node lose no order and
//! execute none twice: with the connection cut again and again mid-run (by a
//! fault-injecting proxy, each time the market maker has handled a few hundred more
//! ticks), the split pipeline trades exactly as in one process.
mod cluster_support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use cluster_support::{free_addr, pipeline, trades, two_nodes_text};
use mycelium::remote::FaultProxy;
use mycelium_apps::cluster::{run_node, ClusterConfig};
use mycelium_apps::summary;
use mycelium_execution::OrderUpdate;
use mycelium_market_data::MarketTick;
use mycelium_strategies::{
    MarketMaker, MarketMakerParams, Strategy, StrategyContext, StrategyRegistry,
};
use tokio::sync::watch;

const TICKS: u64 = 4000;
const CUTS: usize = 5;

fn cluster(trader: SocketAddr, venue: SocketAddr) -> ClusterConfig {
    let pipeline = pipeline(TICKS).replace("rate = 0", "rate = 4000");
    ClusterConfig::parse(&two_nodes_text(trader, venue, &pipeline), "test cluster")
        .expect("cluster file")
}

/// The samples, the market maker counting the ticks it handles into `seen`.
fn counting(seen: watch::Sender<u64>) -> StrategyRegistry {
    let seen = Arc::new(seen);
    let mut registry = StrategyRegistry::with_samples();
    registry.register_params("market_maker", move |p: MarketMakerParams| Counted {
        inner: MarketMaker::new(p),
        seen: seen.clone(),
        ticks: 0,
    });
    registry
}

/// A strategy that counts its ticks and otherwise is `inner`.
struct Counted {
    inner: MarketMaker,
    seen: Arc<watch::Sender<u64>>,
    ticks: u64,
}

impl Strategy for Counted {
    fn on_start(&mut self, ctx: &mut StrategyContext) {
        self.inner.on_start(ctx);
    }
    fn on_tick(&mut self, tick: &MarketTick, ctx: &mut StrategyContext) {
        self.ticks += 1;
        self.seen.send_replace(self.ticks);
        self.inner.on_tick(tick, ctx);
    }
    fn on_order_update(&mut self, update: &OrderUpdate, ctx: &mut StrategyContext) {
        self.inner.on_order_update(update, ctx);
    }
}

async fn never() {
    std::future::pending::<()>().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_links_lose_and_double_no_order() {
    let registry = StrategyRegistry::with_samples();
    let (trader_addr, venue_addr) = (free_addr(), free_addr());

    // The reference: the same pipeline in one process.
    let mut solo = cluster(trader_addr, venue_addr);
    solo.roles.execution = "trader".into();
    let reference =
        run_node(&solo, "trader", &registry, None, None, never()).await.expect("solo run");

    // Split: the venue listens on its port; the trader reaches it through the proxy.
    let proxy = FaultProxy::start(venue_addr).await.expect("proxy");
    let venue_view = cluster(trader_addr, venue_addr);
    let trader_view = cluster(trader_addr, proxy.addr());
    let venue = tokio::spawn({
        let registry = StrategyRegistry::with_samples();
        async move { run_node(&venue_view, "venue", &registry, None, None, never()).await }
    });
    let (seen, mut progress) = watch::channel(0u64);
    let cuts = tokio::spawn(async move {
        // Cut the connection at each sixth of the ticks the maker handles.
        for cut in 1..=CUTS as u64 {
            let at = cut * TICKS / (CUTS as u64 + 1);
            let reached = progress.wait_for(|ticks| *ticks >= at);
            tokio::time::timeout(Duration::from_secs(60), reached).await.ok();
            proxy.cut();
        }
        proxy
    });
    let trader = tokio::time::timeout(
        Duration::from_secs(120),
        run_node(&trader_view, "trader", &counting(seen), None, None, never()),
    )
    .await
    .expect("the trader finished")
    .expect("trader run");
    let venue = tokio::time::timeout(Duration::from_secs(120), venue)
        .await
        .expect("the venue finished")
        .expect("venue task")
        .expect("venue run");
    let proxy = cuts.await.expect("cuts");

    assert!(CUTS == 0 || proxy.connections() >= 2, "the link was never cut");
    assert!(!trader.interrupted() && !venue.interrupted());
    let split = summary::render(&venue.run);
    let one = summary::render(&reference.run);
    assert!(venue.run.execution.stats.fills > 0, "{split}");
    // Every order the strategies sent reached execution, and was executed once: a
    // request asked again after a drop is answered from execution's books
    // (`resends`), never executed twice.
    let sent: u64 = trader.run.strategies.iter().map(|(_, _, r)| r.orders).sum();
    assert_eq!(venue.run.execution.stats.orders, sent, "{split}");
    assert_eq!(venue.run.execution.stats.orders, reference.run.execution.stats.orders);
    assert_eq!(trades(&split), trades(&one), "cut links changed the trading");
}
