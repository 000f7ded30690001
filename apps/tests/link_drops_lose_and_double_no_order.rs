//! Link drops between the strategy node and the execution node lose no order and
//! execute none twice: with the connection cut again and again mid-run, the split
//! pipeline trades exactly as in one process.
//!
//! Each node reaches the other through a proxy of its own, so the link goes through
//! a proxy whichever node dials; each cut is made while a connection is live and has
//! carried traffic, and counted only if it cut one.
mod cluster_support;

use std::net::SocketAddr;
use std::time::Duration;

use cluster_support::link_proxy::{wait_carrying, LinkProxy, Traffic};
use cluster_support::{free_addr, pipeline, trades, two_nodes_text};
use mycelium_apps::cluster::{run_node, ClusterConfig};
use mycelium_apps::summary;
use mycelium_strategies::StrategyRegistry;

const TICKS: u64 = 4000;
const CUTS: usize = 5;
/// What a connection must have carried before it is cut: well past the handshake,
/// into the run's traffic.
const CARRYING: u64 = 8 * 1024;

fn cluster(trader: SocketAddr, venue: SocketAddr) -> ClusterConfig {
    let pipeline = pipeline(TICKS).replace("rate = 0", "rate = 4000");
    ClusterConfig::parse(&two_nodes_text(trader, venue, &pipeline), "test cluster")
        .expect("cluster file")
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

    // Split: each node listens on its own port and reaches the other through a proxy.
    let traffic = Traffic::new();
    let to_venue = LinkProxy::start(venue_addr, &traffic).await.expect("proxy");
    let to_trader = LinkProxy::start(trader_addr, &traffic).await.expect("proxy");
    let venue_view = cluster(to_trader.addr(), venue_addr);
    let trader_view = cluster(trader_addr, to_venue.addr());
    let venue = tokio::spawn({
        let registry = StrategyRegistry::with_samples();
        async move { run_node(&venue_view, "venue", &registry, None, None, never()).await }
    });
    let cuts = tokio::spawn(async move {
        // Cut the link each time a connection has carried enough, while the run goes
        // on (about a second): the reconnected link starts carrying again at once.
        let mut hit = 0;
        while hit < CUTS {
            wait_carrying(&[&to_venue, &to_trader], &traffic, CARRYING).await;
            let cut = to_venue.cut(CARRYING) + to_trader.cut(CARRYING);
            hit += usize::from(cut > 0);
        }
        // The proxies stay up (in the task's result) for the rest of the run.
        (hit, to_venue, to_trader)
    });
    let trader = tokio::time::timeout(
        Duration::from_secs(120),
        run_node(&trader_view, "trader", &registry, None, None, never()),
    )
    .await
    .expect("the trader finished")
    .expect("trader run");
    let venue = tokio::time::timeout(Duration::from_secs(120), venue)
        .await
        .expect("the venue finished")
        .expect("venue task")
        .expect("venue run");
    // The cuts hit the link while the run went on, and the run finished regardless.
    let (hit, _, _) = tokio::time::timeout(Duration::from_secs(1), cuts)
        .await
        .expect("every cut was made during the run")
        .expect("cuts");
    assert_eq!(hit, CUTS, "cuts that hit a live, carrying link");
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
