//! A full scrape (every family of the catalogue, as a node reports them, with the
//! process collector, build info and the scrape's own figures, fetched from the
//! endpoint) passes `promtool check metrics`: Prometheus's parser and its linter
//! (names, units, `_total`, help texts) find nothing. Skipped, saying so, where
//! promtool is missing.

mod common;

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;

use common::fake_node::{FakeNode, Shape};
use mycelium_metrics::{
    build_info, catalogue, MetricsServer, ProcessCollector, Registry, ServerConfig,
};

/// A scrape of an endpoint serving a node's every family.
async fn full_exposition() -> String {
    let registry = Arc::new(Registry::new());
    registry.register(FakeNode::new(Shape::SMALL, 1));
    registry.register(ProcessCollector);
    registry.register(build_info());
    let server =
        MetricsServer::start(registry, ServerConfig::on(SocketAddr::from(([127, 0, 0, 1], 0))))
            .await
            .expect("start");
    let text = common::get(server.local_addr(), "/metrics");
    server.stop().await;
    text
}

#[tokio::test]
async fn the_fake_node_exposes_every_family_of_the_catalogue() {
    let text = full_exposition().await;
    for family in catalogue::all() {
        assert!(
            text.contains(&format!("# TYPE {} {}\n", family.name(), family.kind().as_str())),
            "{}",
            family.name()
        );
    }
}

#[tokio::test]
async fn promtool_check_metrics_finds_nothing() {
    let Some(promtool) = common::tool_or_skip("promtool_check_metrics_finds_nothing", "promtool")
    else {
        return;
    };
    let text = full_exposition().await;
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs");
    child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write the exposition");
    let out = child.wait_with_output().expect("promtool ends");
    let report =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("promtool check metrics on {} bytes: {}, {:?}", text.len(), out.status, report.trim());
    assert!(out.status.success(), "promtool check metrics: {report}");
    assert!(report.trim().is_empty(), "promtool check metrics: {report}");
}
