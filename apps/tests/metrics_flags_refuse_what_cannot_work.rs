//! `--metrics` refuses, with a clear error and before running anything, what cannot
//! work: an address already taken, `--metrics-linger` without `--metrics`, and
//! `replay --stats-only` (no pipeline to report on).
use std::net::TcpListener;
use std::process::Command;

fn mycelium(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mycelium")).args(args).output().expect("runs");
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_taken_address_is_an_error_naming_it() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = taken.local_addr().expect("addr").to_string();
    let (ok, err) = mycelium(&["run", "--ticks", "10", &format!("--metrics={addr}")]);
    assert!(!ok);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
}

#[test]
fn linger_needs_metrics() {
    let (ok, err) = mycelium(&["run", "--ticks", "10", "--metrics-linger", "1s"]);
    assert!(!ok);
    assert!(err.contains("--metrics"), "{err}");
}

#[test]
fn stats_only_has_no_pipeline_to_serve() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("none.jsonl");
    std::fs::write(&file, "").expect("write");
    let file = file.to_string_lossy().into_owned();
    let (ok, err) = mycelium(&["replay", "--stats-only", &file, "--metrics=127.0.0.1:0"]);
    assert!(!ok);
    assert!(err.contains("not with --stats-only"), "{err}");
}
