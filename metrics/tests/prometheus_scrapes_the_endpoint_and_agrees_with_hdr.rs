//! A real Prometheus scrapes two endpoints (two "nodes") on loopback, and what it
//! answers through its HTTP API agrees with what they hold: counters to the unit, and
//! `histogram_quantile(0.5 | 0.99)` over the buckets, per node and summed across both
//! with `sum by (le)`, within 5% of the HDR p50 and p99 of the same samples. A third
//! endpoint reports every family of the catalogue, and every query of the Grafana
//! dashboard runs against it and answers data.
//!
//! Needs Debian's `prometheus` (scripts/setup-prometheus.sh); where it is missing the
//! test says it was skipped and why. The Prometheus child is killed and its data
//! directory removed on every path out (a guard), and every wait is bounded.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fake_node::{lognormal_ns, FakeNode, Shape};
use common::prometheus::Prometheus;
use common::runtime_histogram;
use hdrhistogram::Histogram;
use mycelium_metrics::catalogue::{HOP_LATENCY, ORDERS};
use mycelium_metrics::{
    build_info, collector, MetricsServer, ProcessCollector, Registry, ServerConfig,
};
use rand::SeedableRng as _;
use rand_chacha::ChaCha8Rng;

/// The longest any wait here may take: a bound, not an expectation.
const PATIENCE: Duration = Duration::from_secs(60);

/// One exporting "node": its orders counter and its tick-to-order samples.
struct Node {
    server: MetricsServer,
    orders: u64,
    hdr: Histogram<u64>,
}

async fn node(orders: u64, median_ns: f64, seed: u64) -> Node {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut hdr = runtime_histogram();
    for _ in 0..50_000 {
        hdr.saturating_record(lognormal_ns(&mut rng, median_ns, 0.6));
    }
    let registry = Arc::new(Registry::new());
    let samples = hdr.clone();
    registry.register(collector::from_fn("pipeline", move |b| {
        b.counter(&ORDERS, ["mm", "BTCUSDT"], orders);
        b.histogram_hdr(&HOP_LATENCY, ["tick_to_order", "local"], &samples);
    }));
    registry.register(ProcessCollector);
    registry.register(build_info());
    let config = ServerConfig::on(SocketAddr::from(([127, 0, 0, 1], 0)));
    Node { server: MetricsServer::start(registry, config).await.expect("start"), orders, hdr }
}

/// An endpoint reporting every family of the catalogue, as a node does.
async fn desk() -> MetricsServer {
    let registry = Arc::new(Registry::new());
    registry.register(FakeNode::new(Shape::SMALL, 3));
    registry.register(ProcessCollector);
    registry.register(build_info());
    MetricsServer::start(registry, ServerConfig::on(SocketAddr::from(([127, 0, 0, 1], 0))))
        .await
        .expect("start")
}

fn assert_close(what: &str, prometheus: f64, hdr_ns: u64) {
    let truth = hdr_ns as f64 / 1e9;
    let error = (prometheus - truth).abs() / truth;
    println!(
        "{what}: prometheus {prometheus:.6e} s, hdr {truth:.6e} s, error {:.2}%",
        error * 100.0
    );
    assert!(
        error < 0.05,
        "{what}: prometheus {prometheus} s, hdr {truth} s ({:.2}%)",
        error * 100.0
    );
}

#[tokio::test]
async fn prometheus_reads_back_the_counters_and_the_hdr_quantiles() {
    let test = "prometheus_reads_back_the_counters_and_the_hdr_quantiles";
    let Some(binary) = common::tool_or_skip(test, "prometheus") else {
        return;
    };
    let a = node(4242, 2_000.0, 1).await;
    let b = node(1000, 9_000.0, 2).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let desk = desk().await;
    let nodes = [a.server.local_addr(), b.server.local_addr()];
    let jobs: [(&str, &[SocketAddr]); 2] = [("mycelium", &nodes), ("desk", &[desk.local_addr()])];
    let prometheus = Prometheus::start(&binary, dir.path(), &jobs);

    // Both targets up, then the counters, exactly.
    let up = prometheus.series("up == 1", 3);
    assert_eq!(up.len(), 3);
    let orders =
        prometheus.series("mycelium_orders_total{strategy=\"mm\",instrument=\"BTCUSDT\"}", 2);
    for n in [&a, &b] {
        let instance = n.server.local_addr().to_string();
        let got = orders.iter().find(|(m, _)| m["instance"] == instance.as_str()).map(|(_, v)| *v);
        assert_eq!(got, Some(n.orders as f64), "orders of {instance}");
    }
    let total = prometheus.series("sum(mycelium_orders_total{job=\"mycelium\"})", 1);
    assert_eq!(total[0].1, (a.orders + b.orders) as f64);
    let build = prometheus.series("mycelium_build_info", 3);
    assert!(build.iter().all(|(_, v)| *v == 1.0));
    assert_eq!(prometheus.series("process_resident_memory_bytes > 0", 3).len(), 3);

    // Quantiles per node, then summed across both nodes.
    for n in [&a, &b] {
        let instance = n.server.local_addr();
        for q in [0.5, 0.99] {
            let promql = format!(
                "histogram_quantile({q}, mycelium_hop_latency_seconds_bucket{{hop=\"tick_to_order\",instance=\"{instance}\"}})"
            );
            let got = prometheus.series(&promql, 1)[0].1;
            assert_close(&format!("p{} of {instance}", q * 100.0), got, n.hdr.value_at_quantile(q));
        }
    }
    let mut both = a.hdr.clone();
    both.add(&b.hdr).expect("same bounds");
    for q in [0.5, 0.99] {
        let promql = format!(
            "histogram_quantile({q}, sum by (le) (mycelium_hop_latency_seconds_bucket{{job=\"mycelium\",hop=\"tick_to_order\"}}))"
        );
        let got = prometheus.series(&promql, 1)[0].1;
        assert_close(&format!("p{} of both nodes", q * 100.0), got, both.value_at_quantile(q));
    }
    let count =
        prometheus.series("sum(mycelium_hop_latency_seconds_count{job=\"mycelium\"})", 1)[0].1;
    assert_eq!(count, (a.hdr.len() + b.hdr.len()) as f64);

    // Every dashboard query, with Grafana's variables filled in, runs and has data
    // (a rate needs two scrapes of the desk: waited for, bounded).
    let dashboard = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../dashboards/mycelium.json"),
    )
    .expect("the dashboard");
    let dashboard: serde_json::Value = serde_json::from_str(&dashboard).expect("json");
    let mut queries = 0;
    for panel in dashboard["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().expect("expr");
            let promql = expr
                .replace("$__rate_interval", "1m")
                .replace("$job", "desk")
                .replace("$instance", ".*")
                .replace("$hop", ".*");
            // A panel showing failures (`== 0`) is empty while nothing fails: it
            // must only run.
            let wants_data = !promql.contains("== 0");
            let deadline = Instant::now() + PATIENCE;
            while prometheus.query(&promql).is_empty() && wants_data {
                assert!(Instant::now() < deadline, "{}: no data for {promql}", panel["title"]);
                std::thread::sleep(Duration::from_millis(100));
            }
            queries += 1;
        }
    }
    println!("{queries} dashboard queries answered");

    drop(prometheus);
    a.server.stop().await;
    b.server.stop().await;
    desk.stop().await;
}
