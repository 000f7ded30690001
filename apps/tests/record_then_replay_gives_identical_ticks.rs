//! `mycelium record` then `mycelium replay` of the recording gives the same counts as
//! replaying the source, and a bad file is a clear error, not a panic.
mod support;

use std::process::Command;

fn mycelium() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mycelium"))
}

/// The per-symbol table of a replay: every line up to the events/s summary.
fn table(out: &std::process::Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().take_while(|l| !l.contains("events/s")).collect::<Vec<_>>().join("\n")
}

#[test]
fn a_recording_replays_like_its_source() {
    let Some(capture) = support::capture() else { return };
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("capture.myct");
    let out = mycelium().arg("record").arg("--out").arg(&rec).arg(&capture).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let direct =
        table(&mycelium().args(["replay", "--stats-only"]).arg(&capture).output().unwrap());
    let recorded = table(&mycelium().args(["replay", "--stats-only"]).arg(&rec).output().unwrap());
    assert!(direct.contains("BTCUSDT               21313      66089"), "{direct}");
    assert_eq!(direct, recorded);
}

#[test]
fn a_synthetic_recording_replays() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("synthetic.myct");
    let out = mycelium().args(["record", "--ticks", "5000", "--out"]).arg(&rec).output().unwrap();
    assert!(out.status.success());
    let out = mycelium().args(["replay", "--stats-only"]).arg(&rec).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("5000 events"));
}

#[test]
fn a_corrupt_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    let text = "timestamp,symbol,bid,ask\n20130101 22:00:00.295,USDJPY,86.9,86.91\nnot,a,line,x\n";
    std::fs::write(&bad, text).unwrap();
    let out = mycelium().arg("replay").arg("--strict").arg(&bad).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.csv") && err.contains(":3"), "the error names file and line: {err}");
}
