//! The endpoint answers `GET /metrics` (and `HEAD`) with the exposition and its
//! content type, 404 elsewhere, 405 for other methods on `/metrics`; it listens on
//! loopback by default; stopping it closes the port.

mod common;

use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use common::http;
use mycelium_metrics::{
    catalogue, collector, MetricsServer, Registry, ServerConfig, CONTENT_TYPE, DEFAULT_ADDR,
};

fn loopback() -> ServerConfig {
    ServerConfig::on(SocketAddr::from(([127, 0, 0, 1], 0)))
}

#[tokio::test]
async fn get_metrics_answers_the_exposition_and_nothing_else_does() {
    let registry = Arc::new(Registry::new());
    registry.register(collector::from_fn("feed", |b| {
        b.counter(&catalogue::FEED_TICKS, ["BTCUSDT"], 1234u64)
    }));
    let server = MetricsServer::start(registry, loopback()).await.expect("start");
    let addr = server.local_addr();
    let t = Duration::from_secs(10);

    let ok = http(addr, "GET", "/metrics", t).expect("GET /metrics");
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    assert_eq!(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
    assert!(
        ok.body.contains("mycelium_feed_ticks_total{symbol=\"BTCUSDT\"} 1234\n"),
        "{}",
        ok.body
    );

    let query = http(addr, "GET", "/metrics?debug=1", t).expect("GET with a query");
    assert_eq!(query.status, 200);

    let head = http(addr, "HEAD", "/metrics", t).expect("HEAD");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());

    for path in ["/", "/metrics/", "/metric", "/api/v1/query"] {
        let missing = http(addr, "GET", path, t).expect("GET elsewhere");
        assert_eq!(missing.status, 404, "{path}");
    }
    let post = http(addr, "POST", "/metrics", t).expect("POST");
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));

    server.stop().await;
    assert!(TcpStream::connect_timeout(&addr, t).is_err(), "the port is closed after stop");
}

#[tokio::test]
async fn it_listens_on_loopback_unless_told_otherwise() {
    assert!(DEFAULT_ADDR.ip().is_loopback());
    assert_eq!(ServerConfig::default().addr, DEFAULT_ADDR);
}

#[tokio::test]
async fn a_taken_address_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr");
    let err = MetricsServer::start(Arc::new(Registry::new()), ServerConfig::on(addr))
        .await
        .expect_err("in use");
    assert!(err.to_string().contains(&addr.to_string()), "{err}");
}

#[tokio::test]
async fn dropping_the_server_closes_the_port() {
    let server = MetricsServer::start(Arc::new(Registry::new()), loopback()).await.expect("start");
    let addr = server.local_addr();
    common::get(addr, "/metrics");
    drop(server);
    // The thread winds down on its own; wait for the port to close, bounded.
    let closed = (0..200).any(|_| {
        let refused = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err();
        if !refused {
            std::thread::sleep(Duration::from_millis(10));
        }
        refused
    });
    assert!(closed, "the port is closed after drop");
}
