//! SIGINT (Ctrl-C) or SIGTERM on `mycelium run` or `mycelium replay` stops the
//! pipeline in order: the process prints the summary so far, says it stopped early,
//! writes its report, and exits 0.
mod cluster_support;

use std::process::Command;

use cluster_support::{finish, spawn, NodeProcess};

fn started(name: &str, args: &[&str], report: &std::path::Path) -> NodeProcess {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mycelium"));
    command.args(args).arg("--report").arg(report);
    let process = spawn(name, command);
    process.wait_for_log("feed started");
    process
}

fn assert_stopped_in_order(process: NodeProcess, report: &std::path::Path, signal: &str) {
    let name = process.name.clone();
    let done = finish(process);
    assert!(done.success, "{name} did not exit 0:\n{}\n{}", done.stdout, done.stderr);
    assert!(done.stdout.starts_with("ticks "), "{name}: no summary:\n{}", done.stdout);
    assert!(done.stdout.contains("latency (measured)"), "{}", done.stdout);
    assert!(done.stdout.contains(&format!("stopped early ({signal})")), "{}", done.stdout);
    assert!(report.join("summary.json").is_file(), "{name} wrote no report");
}

#[test]
fn ctrl_c_stops_a_run_with_its_summary_and_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("report");
    // A paced feed of a billion ticks: it ends by the signal only.
    let run = started("run", &["run", "--ticks", "1000000000"], &report);
    run.interrupt();
    assert_stopped_in_order(run, &report, "signal");
}

#[test]
fn sigterm_stops_a_replay_with_its_summary_and_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some([trades, book]) = cluster_support::capture_in_two_files(dir.path(), 20_000) else {
        return;
    };
    let report = dir.path().join("report");
    let (trades, book) = (trades.display().to_string(), book.display().to_string());
    // In real time: minutes of data.
    let args = ["replay", "--speed", "realtime", &trades, &book];
    let replay = started("replay", &args, &report);
    replay.terminate();
    assert_stopped_in_order(replay, &report, "signal");
}
