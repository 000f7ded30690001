//! Collections are serialized and a result younger than the minimum scrape interval
//! is served again: clients hammering the endpoint, one after another or all at once,
//! cannot make the node's actors answer more often than that. With no minimum, every
//! scrape collects.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mycelium_metrics::{catalogue, collector, MetricsServer, Registry, ServerConfig};

async fn counting_server(min_scrape_interval: Duration) -> (MetricsServer, Arc<AtomicU64>) {
    let calls = Arc::new(AtomicU64::new(0));
    let registry = Arc::new(Registry::new());
    let seen = calls.clone();
    registry.register(collector::from_fn("counting", move |b| {
        let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
        b.counter(&catalogue::FEED_TICKS, ["X"], n);
    }));
    let config = ServerConfig {
        min_scrape_interval,
        ..ServerConfig::on(SocketAddr::from(([127, 0, 0, 1], 0)))
    };
    (MetricsServer::start(registry, config).await.expect("start"), calls)
}

#[tokio::test]
async fn many_scrapes_within_the_interval_collect_once() {
    let (server, calls) = counting_server(Duration::from_secs(3600)).await;
    let addr = server.local_addr();
    for _ in 0..5 {
        assert!(
            common::get(addr, "/metrics").contains("mycelium_feed_ticks_total{symbol=\"X\"} 1\n")
        );
    }
    let concurrent: Vec<_> =
        (0..8).map(|_| std::thread::spawn(move || common::get(addr, "/metrics"))).collect();
    for t in concurrent {
        assert!(t
            .join()
            .expect("client thread")
            .contains("mycelium_feed_ticks_total{symbol=\"X\"} 1\n"));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    server.stop().await;
}

#[tokio::test]
async fn with_no_minimum_every_scrape_collects() {
    let (server, calls) = counting_server(Duration::ZERO).await;
    let addr = server.local_addr();
    for n in 1..=5 {
        assert!(common::get(addr, "/metrics")
            .contains(&format!("mycelium_feed_ticks_total{{symbol=\"X\"}} {n}\n")));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 5);
    server.stop().await;
}
