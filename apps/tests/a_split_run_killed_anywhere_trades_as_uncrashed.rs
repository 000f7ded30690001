//! Crash anywhere: a split run (feed `md`, strategies `alpha`, execution `exec`, in
//! three processes) killed with SIGKILL at points chosen by fixed seeds, each killed
//! process started again, ends with the orders, fills, positions and PnL of the same
//! run uncrashed: no order lost, none executed twice.
//!
//! - Execution killed: restarted on its journal, it recovers identical books; each step
//!   the dead process did not answer is sent again, and answered from the books (if
//!   the old process had executed it) or executed now.
//! - The strategy node killed: restarted, each strategy replays its own steps and
//!   replies from execution's journal (its state rebuilt as it was), and the feed node
//!   sends the ticks after them again.
//! - Both at once.
//!
//! On the synthetic feed, and on the recorded BTCUSDT capture (skipped, saying so,
//! when the data folder is absent).
mod cluster_support;

use std::path::PathBuf;

use cluster_support::*;

/// Ticks of each synthetic run, paced so that a kill lands mid-run.
const TICKS: u64 = 6000;
const RATE: u64 = 3000;
/// Lines of the capture replayed.
const CAPTURE_LINES: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kill {
    Execution,
    Strategies,
    Both,
}

/// A cluster and what its nodes are started with.
struct Cluster {
    file: PathBuf,
    journal: PathBuf,
    /// The feed node's arguments (recorded files, or none for the synthetic feed).
    feed: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Cluster {
    fn synthetic() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = three_nodes(dir.path(), TICKS, RATE);
        Self { file, journal: dir.path().join("journal"), feed: Vec::new(), _dir: dir }
    }

    fn capture() -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let files = capture_in_two_files(dir.path(), CAPTURE_LINES)?;
        let file = three_nodes(dir.path(), 0, 0);
        let feed = files.iter().map(|f| f.display().to_string()).collect();
        Some(Self { file, journal: dir.path().join("journal"), feed, _dir: dir })
    }

    fn start(&self, name: &str) -> NodeProcess {
        let journal = ["--journal", self.journal.to_str().expect("utf-8 path")];
        let feed: Vec<&str> = self.feed.iter().map(String::as_str).collect();
        let args: &[&str] = match name {
            "exec" => &journal,
            "md" => &feed,
            _ => &[],
        };
        start(&self.file, name, args)
    }

    /// Clears the journal, for the next run on this cluster.
    fn reset(&self) {
        let _ = std::fs::remove_dir_all(&self.journal);
    }
}

/// Runs the cluster, killing at each `(orders, what)`: once the strategies have sent
/// `orders` more orders (since the start, or since their node last restarted).
/// Returns the summary lines that say what was traded, and the whole summary.
fn run(cluster: &Cluster, kills: &[(u64, Kill)]) -> (String, String) {
    cluster.reset();
    let mut exec = cluster.start("exec");
    let mut alpha = cluster.start("alpha");
    let md = cluster.start("md");
    let mut seen = 0;
    let mut rebuilt = false;
    for &(orders, kill) in kills {
        seen += orders;
        alpha.wait_for_orders(seen);
        if matches!(kill, Kill::Execution | Kill::Both) {
            exec.kill_9();
        }
        if matches!(kill, Kill::Strategies | Kill::Both) {
            alpha.kill_9();
            // Its orders are counted anew (the replayed ones are not sent again).
            seen = 0;
            rebuilt = true;
        }
        if matches!(kill, Kill::Execution | Kill::Both) {
            exec = cluster.start("exec");
            exec.wait_for_log("execution recovered from its journal");
        }
        if matches!(kill, Kill::Strategies | Kill::Both) {
            alpha = cluster.start("alpha");
            alpha.wait_for_log("strategy rebuilt by replaying its steps");
        }
    }
    let [exec, alpha, md] = finish_all([exec, alpha, md]);
    for (name, node) in [("exec", &exec), ("alpha", &alpha), ("md", &md)] {
        assert!(node.success, "node {name} failed:\n{}\n{}", node.stdout, node.stderr);
    }
    assert!(md.stdout.contains("feed published"), "{}", md.stdout);
    for lost in ["now Unknown", "ticks lost", "replay abandoned", "differs from execution's books"]
    {
        assert!(!alpha.stderr.contains(lost), "{lost:?} after {kills:?}:\n{}", alpha.stderr);
    }
    if rebuilt {
        assert!(alpha.stderr.contains("resuming the feed after"), "{}", alpha.stderr);
    }
    (trades(&exec.stdout), exec.stdout)
}

/// `n` kill points (orders after the last one), from a fixed seed, spread over the
/// first three quarters of a run of `orders` orders.
fn points(seed: u64, n: usize, orders: u64) -> Vec<u64> {
    let mut state = seed;
    let span = (orders * 3 / 4 / n as u64).max(2);
    (0..n)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            1 + (state >> 33) % span
        })
        .collect()
}

/// Kills the run of `cluster` as `plan` says (one run per entry, each a list of
/// kinds killed in turn) and compares each with the uncrashed run.
fn kills_trade_as_uncrashed(cluster: &Cluster, seed: u64, plan: &[&[Kill]]) {
    let (uncrashed, full) = run(cluster, &[]);
    let orders = count(&full, "orders");
    assert!(orders > 20 && count(&full, "fills") > 10, "{full}");
    for (i, kinds) in plan.iter().enumerate() {
        let at = points(seed + i as u64, kinds.len(), orders);
        let kills: Vec<(u64, Kill)> = at.into_iter().zip(kinds.iter().copied()).collect();
        let (crashed, summary) = run(cluster, &kills);
        assert_eq!(crashed, uncrashed, "killed at {kills:?}:\n{summary}");
    }
}

#[test]
fn a_split_run_killed_anywhere_trades_as_uncrashed() {
    let cluster = Cluster::synthetic();
    kills_trade_as_uncrashed(&cluster, 0x5eed, &plan());
}

#[test]
fn a_split_replay_of_a_recorded_capture_killed_anywhere_trades_as_uncrashed() {
    let Some(cluster) = Cluster::capture() else {
        return;
    };
    kills_trade_as_uncrashed(&cluster, 0xca97, &plan());
}

/// Execution killed at `MYCELIUM_CRASH_POINTS` points (20 by default), two a run;
/// then the strategy node twice in a run; then execution and the strategy node at
/// once, the strategy node alone and execution alone, in one run.
fn plan() -> Vec<&'static [Kill]> {
    let points: usize =
        std::env::var("MYCELIUM_CRASH_POINTS").ok().and_then(|n| n.parse().ok()).unwrap_or(20);
    let mut plan: Vec<&[Kill]> = vec![&[Kill::Execution; 2]; points / 2];
    if points % 2 == 1 {
        plan.push(&[Kill::Execution]);
    }
    plan.push(&[Kill::Strategies, Kill::Strategies]);
    plan.push(&[Kill::Both, Kill::Strategies, Kill::Execution]);
    plan
}
