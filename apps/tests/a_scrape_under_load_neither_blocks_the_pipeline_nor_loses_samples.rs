//! Scrapes back to back, from the endpoint's own thread, while the pipeline runs
//! unpaced (the heaviest load it has) neither block it nor lose a sample: the run
//! publishes and applies every tick; every scrape answers and its pipeline collector
//! succeeds; each hop's sample count never goes down from one scrape to the next,
//! every histogram's `+Inf` bucket equals its count, and after the end the counts
//! are exactly the run's.
mod support;

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mycelium::Node;
use mycelium_execution::Hop;
use mycelium_metrics::{MetricsServer, ServerConfig};
use support::*;

const TICKS: u64 = 60_000;

/// `GET /metrics`, the body.
fn scrape(addr: SocketAddr) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    write!(stream, "GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n").expect("request");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("answer");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a head");
    assert!(head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"), "{head}");
    body.to_owned()
}

#[tokio::test]
async fn back_to_back_scrapes_during_an_unpaced_run() {
    let config = config(TICKS);
    let metrics = mycelium_apps::metrics::registry();
    let server_config = ServerConfig {
        min_scrape_interval: Duration::ZERO,
        ..ServerConfig::on(SocketAddr::from(([127, 0, 0, 1], 0)))
    };
    let server = MetricsServer::start(metrics.clone(), server_config).await.expect("endpoint");
    let addr = server.local_addr();
    let running = Arc::new(AtomicBool::new(true));
    let scraper = std::thread::spawn({
        let running = running.clone();
        move || {
            let mut texts = Vec::new();
            while running.load(Ordering::Relaxed) {
                texts.push(scrape(addr));
            }
            texts
        }
    });

    let node = Node::new("under-load");
    let run = async {
        let pipeline = start_with_metrics(&config, &node, metrics.clone()).await;
        pipeline.finish(std::future::pending(), None).await.expect("finishes").run
    };
    let outcome = tokio::time::timeout(WAIT, run).await.expect("the run is not blocked");
    running.store(false, Ordering::Relaxed);
    let texts =
        tokio::task::spawn_blocking(move || scraper.join().expect("scraper")).await.expect("join");
    let last = scrape(addr);
    server.stop().await;

    assert_eq!(outcome.ticks, TICKS, "every tick went through");
    let during: Vec<&String> = texts
        .iter()
        .filter(|t| t.contains("mycelium_scrape_collector_success{collector=\"pipeline\"} 1"))
        .filter(|t| t.contains("mycelium_actor_mailbox_depth{"))
        .collect();
    println!("{} scrapes, {} answered by the live pipeline", texts.len(), during.len());
    assert!(during.len() >= 3, "scrapes answered during the run: {}", during.len());

    let mut before: BTreeMap<String, f64> = BTreeMap::new();
    for text in texts.iter().chain([&last]) {
        let counts = samples(text, "mycelium_hop_latency_seconds_count");
        let buckets = samples(text, "mycelium_hop_latency_seconds_bucket");
        for (labels, count) in &counts {
            let inf = buckets.get(&format!("{labels},le=\"+Inf\"")).copied();
            assert_eq!(inf, Some(*count), "{labels}: +Inf bucket and count");
            if let Some(previous) = before.get(labels) {
                assert!(count >= previous, "{labels}: count went from {previous} to {count}");
            }
        }
        // A scrape that did not reach the pipeline (a timeout) has no hops: skip it.
        if !counts.is_empty() {
            before = counts;
        }
    }
    for hop in Hop::ALL {
        let want = outcome.hops.get(hop).map_or(0, |h| h.len()) as f64;
        let labels = format!("hop=\"{}\",transport=\"local\"", hop.name());
        assert_eq!(before.get(&labels).copied().unwrap_or(0.0), want, "{}", hop.name());
    }
}
