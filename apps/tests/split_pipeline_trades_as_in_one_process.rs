//! The pipeline split by a cluster file alone: three processes on one host over Unix
//! sockets, and two nodes over TCP, trade exactly as the same pipeline in one process
//! (the step protocol makes trading independent of placement), on the synthetic feed
//! and on recorded files alike, and each link uses the transport the runtime should
//! choose; and no node warns of a link lost when the run ends in order.
mod cluster_support;

use std::process::Command;

use cluster_support::*;

const TICKS: u64 = 3000;

fn one_process(dir: &std::path::Path) -> String {
    one_process_with(dir, &pipeline(TICKS))
}

fn one_process_with(dir: &std::path::Path, pipeline: &str) -> String {
    let cluster = write_cluster(
        dir,
        &format!(
            r#"secret = "s"
[roles]
feed = "solo"
execution = "solo"
strategies = {{ mm = "solo", trend = "solo" }}
[[node]]
name = "solo"
{pipeline}"#
        ),
    );
    let solo = finish(start(&cluster, "solo", &[]));
    assert!(solo.success, "one-process run failed:\n{}", solo.stderr);
    solo.stdout
}

#[test]
fn three_processes_on_unix_sockets_trade_as_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let reference = one_process(dir.path());
    let cluster = three_nodes(dir.path(), TICKS, 0);
    // Any start order: execution last here, so the others wait for it.
    let report = |node: &str| dir.path().join(format!("report-{node}")).display().to_string();
    let md = start(&cluster, "md", &[]);
    let alpha = start(&cluster, "alpha", &["--report", &report("alpha")]);
    md.wait_for_log("waiting for ticks@alpha");
    alpha.wait_for_log("waiting for execution@exec");
    let exec = start(&cluster, "exec", &["--report", &report("exec")]);
    let (md, alpha, exec) = (finish(md), finish(alpha), finish(exec));
    for (name, node) in [("md", &md), ("alpha", &alpha), ("exec", &exec)] {
        assert!(node.success, "node {name} failed:\n{}\n{}", node.stdout, node.stderr);
        // Each link ends in order at the end of the run: no "link lost" or other warning.
        assert!(!node.stderr.contains("WARN"), "node {name} warned:\n{}", node.stderr);
    }
    assert!(md.stdout.contains(&format!("feed published {TICKS} ticks")), "{}", md.stdout);
    assert!(md.stdout.contains("link alpha: unix"), "{}", md.stdout);
    assert!(exec.stdout.contains("link alpha: unix"), "{}", exec.stdout);
    assert!(alpha.stdout.contains(&format!("strategy mm: {TICKS} ticks")), "{}", alpha.stdout);
    assert!(
        count(&exec.stdout, "orders") > 0 && count(&exec.stdout, "fills") > 0,
        "{}",
        exec.stdout
    );
    assert_eq!(trades(&exec.stdout), trades(&reference), "split trading differs from one process");
    // Each node's report keeps its hops by the transport they crossed: ticks came to
    // alpha from md, orders to exec from alpha, over Unix sockets.
    let transports = |node: &str| hop_transports(&dir.path().join(format!("report-{node}")));
    let alpha = transports("alpha");
    assert_eq!(alpha.get("tick_to_strategy").map(String::as_str), Some("unix"), "{alpha:?}");
    assert_eq!(alpha.get("strategy_handler").map(String::as_str), Some("local"), "{alpha:?}");
    let exec = transports("exec");
    assert_eq!(exec.get("strategy_to_execution").map(String::as_str), Some("unix"), "{exec:?}");
    assert_eq!(exec.get("tick_to_order").map(String::as_str), Some("unix"), "{exec:?}");
    assert_eq!(exec.get("execution_handler").map(String::as_str), Some("local"), "{exec:?}");
}

/// Each hop's transport in the `summary.json` of the report in `dir`.
fn hop_transports(dir: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    let text = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let hops = v["hops"].as_array().expect("hops");
    let field = |h: &serde_json::Value, k: &str| h[k].as_str().expect(k).to_owned();
    hops.iter().map(|h| (field(h, "hop"), field(h, "transport"))).collect()
}

#[test]
fn two_nodes_over_tcp_trade_as_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let reference = one_process(dir.path());
    two_nodes_over_tcp_trade_as(dir.path(), &pipeline(TICKS), &reference);
}

/// With an answer lag the strategies take ticks while their steps' answers cross the
/// link, and still trade as the same lagged pipeline in one process (which differs
/// from the unlagged one: the lag is applied, the same everywhere).
#[test]
fn two_nodes_over_tcp_with_an_answer_lag_trade_as_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lagged = pipeline(TICKS)
        .replace("\n[[pipeline.strategy]]\n", "\n[[pipeline.strategy]]\nanswer_lag = 3\n");
    assert_eq!(lagged.matches("answer_lag = 3").count(), 2, "{lagged}");
    let reference = one_process_with(dir.path(), &lagged);
    assert_ne!(trades(&reference), trades(&one_process(dir.path())), "the lag changes nothing");
    two_nodes_over_tcp_trade_as(dir.path(), &lagged, &reference);
}

fn two_nodes_over_tcp_trade_as(dir: &std::path::Path, pipeline: &str, reference: &str) {
    let cluster = two_nodes_tcp(dir, free_addr(), free_addr(), pipeline);
    let report = dir.join("report-venue").display().to_string();
    let venue = start(&cluster, "venue", &["--report", &report]);
    let trader = start(&cluster, "trader", &[]);
    let (trader, venue) = (finish(trader), finish(venue));
    for (name, node) in [("trader", &trader), ("venue", &venue)] {
        assert!(node.success, "node {name} failed:\n{}\n{}", node.stdout, node.stderr);
        // Each link ends in order at the end of the run: no "link lost" or other warning.
        assert!(!node.stderr.contains("WARN"), "node {name} warned:\n{}", node.stderr);
    }
    assert!(venue.stdout.contains("link trader: tcp"), "{}", venue.stdout);
    assert!(count(&venue.stdout, "fills") > 0, "{}", venue.stdout);
    assert_eq!(trades(&venue.stdout), trades(reference), "split trading differs from one process");
    let venue = hop_transports(&dir.join("report-venue"));
    assert_eq!(venue.get("strategy_to_execution").map(String::as_str), Some("tcp"), "{venue:?}");
}

/// Lines of the capture replayed (about 22 s of exchange time, ~6,400 ticks).
const CAPTURE_LINES: usize = 6_000;

#[test]
fn three_processes_replaying_recorded_files_trade_as_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Two files merged by exchange time: the capture's trades, and its book.
    let Some(files) = capture_in_two_files(dir.path(), CAPTURE_LINES) else {
        return;
    };
    let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let config = dir.path().join("pipeline.toml");
    let text = pipeline(0).replace("[[pipeline.", "[[").replace("[pipeline.", "[");
    std::fs::write(&config, text).expect("write config");

    let mut replay = Command::new(env!("CARGO_BIN_EXE_mycelium"));
    replay.arg("replay").arg("--config").arg(&config).args(&files);
    let reference = finish(spawn("replay", replay));
    assert!(reference.success, "one-process replay failed:\n{}", reference.stderr);
    let ticks = reference.stdout.split_whitespace().nth(1).expect("a tick count").to_owned();

    let cluster = three_nodes(dir.path(), 0, 0);
    let file_args: Vec<&str> = files.iter().map(String::as_str).collect();
    let md = start(&cluster, "md", &file_args);
    let alpha = start(&cluster, "alpha", &[]);
    let exec = start(&cluster, "exec", &[]);
    let (md, alpha, exec) = (finish(md), finish(alpha), finish(exec));
    for (name, node) in [("md", &md), ("alpha", &alpha), ("exec", &exec)] {
        assert!(node.success, "node {name} failed:\n{}\n{}", node.stdout, node.stderr);
        // Each link ends in order at the end of the run: no "link lost" or other warning.
        assert!(!node.stderr.contains("WARN"), "node {name} warned:\n{}", node.stderr);
    }
    assert!(md.stdout.contains(&format!("feed published {ticks} ticks")), "{}", md.stdout);
    assert!(count(&exec.stdout, "fills") > 0, "{}", exec.stdout);
    assert_eq!(
        trades(&exec.stdout),
        trades(&reference.stdout),
        "the split replay differs from the replay in one process"
    );
}
