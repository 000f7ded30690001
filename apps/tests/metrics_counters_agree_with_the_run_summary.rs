//! A pipeline's `/metrics` figures agree with the run's own summary: once the run
//! has gone quiet (the feed has ended with its data and no actor handles anything
//! but the scrapes' requests), a scrape's orders (per strategy too), fills, rejects,
//! feed ticks and hop counts equal the figures the run reports at its end; and a
//! scrape after the end, the actors gone, serves those same final figures. Both
//! scrapes pass `promtool check metrics` (skipped, saying so, where promtool is
//! missing).
mod support;

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use mycelium::Node;
use mycelium_execution::Hop;
use support::*;

const TICKS: u64 = 4_000;

#[tokio::test]
async fn a_quiet_runs_scrape_equals_its_summary_and_passes_promtool() {
    let config = config(TICKS);
    let metrics = mycelium_apps::metrics::registry();
    let node = Node::new("metrics-test");
    let pipeline = start_with_metrics(&config, &node, metrics.clone()).await;

    // Quiet: the feed has ended (it stops with its data), and between two scrapes
    // no actor handled anything but the scrape's own request (a scrape asks each
    // host and execution for its report, which is also the one message a quiet
    // mailbox holds while the snapshot is taken).
    tokio::time::timeout(WAIT, async {
        let mut before = String::new();
        loop {
            let text = metrics.scrape().await;
            let handled = |t: &str| samples(t, "mycelium_actor_messages_handled_total");
            let (now, then) = (handled(&text), handled(&before));
            let feed_ended = !text.contains("mycelium_actor_mailbox_depth{actor=\"feed\"}");
            if feed_ended
                && samples(&text, "mycelium_actor_mailbox_depth").values().all(|d| *d <= 1.0)
                && now.len() == then.len()
                && now.iter().all(|(actor, n)| then.get(actor).is_some_and(|t| n - t <= 1.0))
            {
                return;
            }
            before = text;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the run goes quiet");
    let text = metrics.scrape().await;

    let outcome = pipeline.finish(std::future::pending(), None).await.expect("finishes").run;
    let after = metrics.scrape().await;
    assert!(
        samples(&after, "mycelium_actor_mailbox_depth").is_empty(),
        "the node has shut down: no actor answers"
    );
    for text in [&text, &after] {
        let stats = &outcome.execution.stats;
        assert!(stats.orders > 0 && stats.fills > 0, "a run that trades: {stats:?}");
        assert_eq!(sum(text, "mycelium_orders_total"), stats.orders as f64);
        assert_eq!(sum(text, "mycelium_fills_total"), stats.fills as f64);
        assert_eq!(sum(text, "mycelium_order_rejects_total"), stats.rejects() as f64);
        assert_eq!(outcome.ticks, TICKS);
        assert_eq!(sum(text, "mycelium_feed_ticks_total"), TICKS as f64);
        let hops = samples(text, "mycelium_hop_latency_seconds_count");
        for hop in Hop::ALL {
            let count = outcome.hops.get(hop).map_or(0, |h| h.len()) as f64;
            let labels = format!("hop=\"{}\",transport=\"local\"", hop.name());
            assert_eq!(hops.get(&labels).copied().unwrap_or(0.0), count, "{}", hop.name());
        }
        let orders = samples(text, "mycelium_orders_total");
        for (name, _, report) in &outcome.strategies {
            let of = format!("strategy=\"{name}\",");
            let scraped: f64 =
                orders.iter().filter(|(l, _)| l.starts_with(&of)).map(|(_, n)| n).sum();
            assert_eq!(scraped, report.orders as f64, "strategy {name}");
        }
        promtool_check(text);
    }
}

fn promtool_check(text: &str) {
    let Some(promtool) = which("promtool") else {
        assert!(
            std::env::var_os("MYCELIUM_REQUIRE_PROMETHEUS").is_none(),
            "promtool missing, and MYCELIUM_REQUIRE_PROMETHEUS is set"
        );
        let _ = writeln!(std::io::stderr(), "SKIPPED promtool check: promtool is not installed");
        return;
    };
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs");
    child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("promtool ends");
    let report =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && report.trim().is_empty(), "promtool: {report}");
}

fn which(tool: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(tool)).find(|p| p.is_file())
}
