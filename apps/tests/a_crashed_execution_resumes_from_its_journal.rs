//! Crash anywhere: a split run (feed, strategies, execution in three processes) whose
//! execution process is killed with SIGKILL at points chosen by fixed seeds, and
//! started again on the same journal, ends with the orders, fills, positions and PnL
//! of the same run uncrashed: no order lost, none executed twice. The strategies keep
//! running through it: each step the dead process did not answer is sent again, and
//! answered from the recovered books (if the old process had executed it) or
//! executed now.
mod cluster_support;

use cluster_support::*;

/// Ticks of each run, paced so that a kill lands mid-run.
const TICKS: u64 = 6000;
const RATE: u64 = 3000;

/// The summary lines of a run that say what was traded.
fn run(kills: &[u64]) -> (String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let cluster = three_nodes(dir.path(), TICKS, RATE);
    let journal = dir.path().join("journal");
    let exec_args = ["--journal", journal.to_str().expect("utf-8 path")];
    let mut exec = start(&cluster, "exec", &exec_args);
    let alpha = start(&cluster, "alpha", &[]);
    let md = start(&cluster, "md", &[]);
    for &fills in kills {
        // The kill point: after the strategies have seen this many fills.
        alpha.wait_for_fills(fills);
        exec.kill_9();
        exec = start(&cluster, "exec", &exec_args);
        exec.wait_for_log("execution recovered from its journal");
    }
    let (exec, alpha, md) = (finish(exec), finish(alpha), finish(md));
    for (name, node) in [("exec", &exec), ("alpha", &alpha), ("md", &md)] {
        assert!(node.success, "node {name} failed:\n{}\n{}", node.stdout, node.stderr);
    }
    assert!(md.stdout.contains(&format!("feed published {TICKS} ticks")), "{}", md.stdout);
    assert!(!alpha.stderr.contains("now Unknown"), "no order may be lost: {}", alpha.stderr);
    (trades(&exec.stdout), exec.stdout)
}

#[test]
fn a_split_run_killed_anywhere_trades_as_uncrashed() {
    let (uncrashed, full) = run(&[]);
    assert!(count(&full, "fills") > 50, "{full}");
    // Fixed seeds choose the kill points: after so many fills seen by the strategies.
    let mut seed = 0x5eed_u64;
    let points: Vec<u64> = (0..kill_points())
        .map(|_| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            10 + (seed >> 33) % (count(&full, "fills") * 3 / 4)
        })
        .collect();
    for chunk in points.chunks(2) {
        let mut kills = chunk.to_vec();
        kills.sort_unstable();
        let (crashed, summary) = run(&kills);
        assert_eq!(crashed, uncrashed, "killed after {kills:?} fills:\n{summary}");
    }
}

/// How many kills: `MYCELIUM_CRASH_POINTS` (20 for the full test), 4 by default.
fn kill_points() -> usize {
    std::env::var("MYCELIUM_CRASH_POINTS").ok().and_then(|n| n.parse().ok()).unwrap_or(4)
}
