//! A real Prometheus scrapes a running `mycelium node --metrics` on loopback and
//! reads its series back through its HTTP API: the counters equal the run's summary
//! (orders, fills, rejects, ticks), and `histogram_quantile(0.5 | 0.99)` over the
//! tick-to-order buckets is within 5% of the HDR p50 and p99 of the same samples (the
//! node's own report; the endpoint serves the run's final figures while it lingers).
//! Every family the Grafana dashboard queries is in the node's scrape, but for those
//! a one-node run with timing off cannot have (named below, with why). Skipped, saying so, where Prometheus is not installed.
#[path = "../../metrics/tests/common/prometheus.rs"]
mod prometheus_support;

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use prometheus_support::{http, tool_or_skip, ChildGuard, Prometheus, PATIENCE};

/// Families a one-process run cannot export: it has no links (and so no handshakes
/// to refuse), and the pipeline's actors run with timing off (no handler or
/// mailbox-wait histograms, no high-water mark).
const ABSENT_IN_ONE_NODE: [&str; 16] = [
    "mycelium_link_up",
    "mycelium_link_sent_frames_total",
    "mycelium_link_received_frames_total",
    "mycelium_link_sent_bytes_total",
    "mycelium_link_received_bytes_total",
    "mycelium_link_reconnects_total",
    "mycelium_link_losses_total",
    "mycelium_link_resent_frames_total",
    "mycelium_link_duplicate_frames_total",
    "mycelium_link_sequence_gaps_total",
    "mycelium_link_outbound_queue_depth",
    "mycelium_link_heartbeat_rtt_seconds",
    "mycelium_handshake_refusals_total",
    "mycelium_actor_mailbox_high_water",
    "mycelium_actor_handler_seconds",
    "mycelium_actor_mailbox_wait_seconds",
];

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// The metric families the dashboard's queries name (`name{` or `name[`, with the
/// histogram suffixes taken off).
fn dashboard_families() -> BTreeSet<String> {
    let text = std::fs::read_to_string(repo("dashboards/mycelium.json")).expect("dashboard");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut out = BTreeSet::new();
    for panel in json["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().expect("expr");
            for word in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if word.starts_with("mycelium_") || word.starts_with("process_") {
                    let family = ["_bucket", "_sum", "_count"]
                        .iter()
                        .find_map(|s| word.strip_suffix(s))
                        .unwrap_or(word);
                    out.insert(family.to_owned());
                }
            }
        }
    }
    out
}

/// `GET /metrics` from the node: status and body.
fn scrape(addr: SocketAddr) -> (u16, String) {
    let answer = http(addr, "GET", "/metrics", Duration::from_secs(30)).expect("scrape");
    (answer.status, answer.body)
}

#[test]
fn prometheus_reads_a_node_run_back_as_its_summary_says() {
    let test = "prometheus_reads_a_node_run_back_as_its_summary_says";
    let Some(binary) = tool_or_skip(test, "prometheus") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("report");
    let mut node = ChildGuard(
        Command::new(env!("CARGO_BIN_EXE_mycelium"))
            .args(["node", "--name", "solo", "--metrics=127.0.0.1:0", "--metrics-linger", "5m"])
            .arg("--config")
            .arg(repo("apps/config/cluster-1proc.toml"))
            .arg("--report")
            .arg(&report)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the node"),
    );
    // The node says where it serves.
    let stderr = node.0.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("metrics: http://") {
                let _ = tx.send(url.trim_end_matches("/metrics").to_owned());
            }
        }
    });
    let addr: SocketAddr =
        rx.recv_timeout(PATIENCE).expect("the node's endpoint").parse().expect("an address");
    let prometheus = Prometheus::start(&binary, dir.path(), &[("mycelium", &[addr])]);
    // A scrape while the pipeline runs (its actors answer only then).
    let deadline = Instant::now() + PATIENCE;
    let running = loop {
        let (status, text) = scrape(addr);
        assert_eq!(status, 200);
        if text.contains("mycelium_actor_mailbox_depth{") {
            break text;
        }
        assert!(Instant::now() < deadline, "no scrape of the running pipeline");
        std::thread::sleep(Duration::from_millis(50));
    };

    // The run ends (the report is written), and the endpoint lingers on its final
    // figures: Prometheus reads those.
    let summary_path = report.join("summary.json");
    let deadline = Instant::now() + PATIENCE;
    let summary: serde_json::Value = loop {
        let parsed = std::fs::read_to_string(&summary_path)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
        if let Some(s) = parsed {
            break s;
        }
        assert!(Instant::now() < deadline, "no report after {PATIENCE:?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let counts = &summary["counts"];
    let hop = summary["hops"]
        .as_array()
        .expect("hops")
        .iter()
        .find(|h| h["hop"] == "tick_to_order")
        .expect("tick_to_order in the report")
        .clone();
    let samples = hop["count"].as_f64().expect("count");
    let count = r#"sum(mycelium_hop_latency_seconds_count{job="mycelium",hop="tick_to_order"})"#;
    prometheus.value_when(count, |v| v == samples);
    for (family, key) in [
        ("mycelium_orders_total", "orders"),
        ("mycelium_fills_total", "fills"),
        ("mycelium_order_rejects_total", "rejects"),
        ("mycelium_feed_ticks_total", "ticks"),
    ] {
        let want = counts[key].as_f64().expect("a count");
        // `or vector(0)`: a family with no series yet (no reject) sums to 0.
        let got = prometheus.value_when(&format!("sum({family}) or vector(0)"), |v| v == want);
        assert_eq!(got, want, "{family}");
    }
    for (q, key) in [(0.5, "p50"), (0.99, "p99")] {
        let promql = format!(
            r#"histogram_quantile({q}, sum by (le) (mycelium_hop_latency_seconds_bucket{{job="mycelium",hop="tick_to_order"}}))"#
        );
        let got = prometheus.value_when(&promql, |_| true);
        let truth = hop[key].as_f64().expect("a percentile") / 1e9;
        let error = (got - truth).abs() / truth;
        println!(
            "tick_to_order {key}: prometheus {got:.6e} s, hdr {truth:.6e} s, {:.2}%",
            error * 100.0
        );
        assert!(error < 0.05, "{key}: prometheus {got} s, hdr {truth} s");
    }
    // Every dashboard family the node can have is in its scrapes: the actors' in the
    // one while it ran, the rest in one of the final figures (a reject shows once
    // there is one).
    let (status, last) = scrape(addr);
    assert_eq!(status, 200);
    let live = format!("{running}{last}");
    let no_rejects = counts["rejects"] == 0;
    for family in dashboard_families() {
        let present = live.contains(&format!("# TYPE {family} "));
        let absent_here = ABSENT_IN_ONE_NODE.contains(&family.as_str())
            || (no_rejects && family == "mycelium_order_rejects_total");
        assert!(present || absent_here, "the dashboard queries {family}, the node has none");
        assert!(!(present && absent_here), "{family} is exported after all: list it no more");
    }
    drop(prometheus);
    drop(node);
}
