//! A full exposition (every family of the catalogue, as a node reports them, with the
//! process collector, build info and the scrape's own figures) passes
//! `promtool check metrics`: Prometheus's parser and its linter (names, units,
//! `_total`, help texts) find nothing. Skipped, saying so, where promtool is missing.

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use common::fake_node::{FakeNode, Shape};
use mycelium_metrics::{build_info, catalogue, ProcessCollector, Registry};

async fn full_exposition() -> String {
    let registry = Registry::new();
    registry.register(FakeNode::new(Shape::SMALL, 1));
    registry.register(ProcessCollector);
    registry.register(build_info());
    registry.scrape().await
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
