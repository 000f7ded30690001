//! A split pipeline under failures: a node stopped by SIGTERM stops its actors in
//! order, writes its histograms and exits 0; a strategy process killed with SIGKILL
//! leaves the feed and execution running, and a new one rejoins and trades.
mod cluster_support;

use cluster_support::*;

#[test]
fn nodes_stopped_by_sigterm_exit_0_with_their_histograms() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A long paced run, stopped early.
    let cluster = three_nodes(dir.path(), 10_000_000, 2000);
    let report = |n: &str| dir.path().join(format!("report-{n}"));
    let args = |n: &str| vec!["--report".to_owned(), report(n).display().to_string()];
    let nodes: Vec<NodeProcess> = ["exec", "alpha", "md"]
        .iter()
        .map(|n| {
            let a = args(n);
            start(&cluster, n, &a.iter().map(String::as_str).collect::<Vec<_>>())
        })
        .collect();
    // Mid-run: the strategies have traded.
    nodes[1].wait_for_log("fill");
    for node in &nodes {
        node.terminate();
    }
    for node in nodes {
        let name = node.name.clone();
        let done = finish(node);
        assert!(done.success, "node {name} did not exit 0:\n{}\n{}", done.stdout, done.stderr);
        assert!(done.stdout.contains("stopped early"), "{name}: {}", done.stdout);
        let summary = report(&name).join("summary.json");
        assert!(summary.exists(), "{name} wrote no {}", summary.display());
    }
    let exec_hops = std::fs::read_to_string(report("exec").join("summary.json")).expect("read");
    assert!(exec_hops.contains("tick_to_order"), "{exec_hops}");
}

/// Ticks of the killed-process runs: 4 s of a 2000 ticks/s feed.
const TICKS: u64 = 8000;

/// Runs md, alpha and exec on Unix sockets, SIGKILLs `victim` once the strategies
/// have traded, starts a new one, and waits for all three to end. Every node must
/// exit 0 and the feed must publish everything; returns md, alpha and exec as they
/// ended.
fn kill_and_replace(victim: &str) -> [Finished; 3] {
    let dir = tempfile::tempdir().expect("temp dir");
    let cluster = three_nodes(dir.path(), TICKS, 2000);
    let mut nodes: Vec<NodeProcess> =
        ["exec", "alpha", "md"].iter().map(|n| start(&cluster, n, &[])).collect();
    nodes[1].wait_for_log("fill");
    let at = nodes.iter().position(|n| n.name == victim).expect("a node of the cluster");
    nodes.remove(at).kill_9();
    // A supervising script would restart it: the new process rejoins.
    nodes.push(start(&cluster, victim, &[]));
    let mut ended: Vec<(String, Finished)> =
        nodes.into_iter().map(|n| (n.name.clone(), finish(n))).collect();
    for (name, node) in &ended {
        assert!(node.success, "node {name} failed:\n{}\n{}", node.stdout, node.stderr);
    }
    let mut take = |name: &str| {
        let at = ended.iter().position(|(n, _)| n == name).expect("ended");
        ended.remove(at).1
    };
    let (md, alpha, exec) = (take("md"), take("alpha"), take("exec"));
    assert!(md.stdout.contains(&format!("feed published {TICKS} ticks")), "{}", md.stdout);
    [md, alpha, exec]
}

/// The ticks alpha reports for `mm`.
fn mm_ticks(alpha: &Finished) -> u64 {
    alpha
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("strategy mm: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("alpha reports mm")
}

#[test]
fn a_killed_strategy_process_leaves_feed_and_execution_running_and_rejoins() {
    let [_md, alpha, exec] = kill_and_replace("alpha");
    let mm_ticks = mm_ticks(&alpha);
    assert!(mm_ticks > 0 && mm_ticks < TICKS, "the rejoined strategy saw {mm_ticks} ticks");
    assert!(count(&exec.stdout, "fills") > 0, "{}", exec.stdout);
    // Both strategies registered again from the new process: two restarts.
    let restarts = exec.stdout.lines().find_map(|l| l.split("strategy restarts ").nth(1));
    assert_eq!(restarts, Some("2"), "{}", exec.stdout);
    // The rejoined market maker quotes every symbol again, not only the first it sees.
    for symbol in ["SYN0", "SYN1", "SYN2", "SYN3"] {
        assert!(
            alpha
                .stderr
                .lines()
                .any(|l| l.contains(": order strategy=strategy-1") && l.contains(symbol)),
            "the rejoined maker never quoted {symbol}"
        );
    }
}

#[test]
fn a_killed_execution_process_is_replaced_and_the_strategies_trade_on() {
    let [_md, alpha, exec] = kill_and_replace("exec");
    // The strategies failed their pending steps when the new process answered for
    // the old one, telling each strategy its open orders were now of unknown state,
    // were restarted by their supervisor (a host's figures restart with it),
    // registered with the new process and traded with it to the end.
    assert!(alpha.stderr.contains("open orders are now Unknown"), "{}", alpha.stderr);
    assert!(mm_ticks(&alpha) > 0, "{}", alpha.stdout);
    assert!(count(&exec.stdout, "orders") > 0, "{}", exec.stdout);
    assert!(exec.stdout.contains("run complete"), "{}", exec.stdout);
}
