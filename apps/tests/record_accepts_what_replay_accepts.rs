//! `mycelium record` reads what `mycelium replay` reads, with the same leniency: a
//! coin-margined capture (depth diffs and no snapshot, a bad line) and every shared
//! data file record to as many ticks as a replay of the source counts, and the
//! recording replays to the same count.
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

fn mycelium() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mycelium"))
}

/// The events a `replay --stats-only` of `file` counts.
fn replayed(file: &Path) -> u64 {
    let out = mycelium().args(["replay", "--stats-only"]).arg(file).output().expect("replay");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "replay {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let last = text.lines().last().expect("a summary line");
    last.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{text}"))
}

/// Records `file` into `out`; the ticks `record` says it wrote.
fn recorded(file: &Path, out: &Path) -> u64 {
    let run = mycelium().arg("record").arg("--out").arg(out).arg(file).output().expect("record");
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "record {}: {}",
        file.display(),
        String::from_utf8_lossy(&run.stderr)
    );
    text.strip_prefix("recorded ")
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{text}"))
}

fn assert_records_as_replayed(file: &Path, dir: &Path) {
    let out = dir.join(format!("{}.myct", file.file_name().expect("a name").to_string_lossy()));
    let direct = replayed(file);
    assert!(direct > 0, "{}", file.display());
    assert_eq!(recorded(file, &out), direct, "record lost ticks of {}", file.display());
    assert_eq!(replayed(&out), direct, "the recording of {} replays differently", file.display());
}

/// A coin-margined perpetual capture's shape: depth diffs with `pu` buffered for a
/// snapshot that never comes (more than the book buffers), trades, and one bad line.
fn coin_margined_capture(dir: &Path) -> PathBuf {
    let mut text = String::new();
    for u in 1..=6_000u64 {
        let (ts, ms) = (1_700_000_000_000_000_000u64 + u * 1_000_000, 1_700_000_000_000u64 + u);
        text.push_str(&format!(
            r#"{ts} {{"stream":"ethusd_perp@depth@0ms","data":{{"e":"depthUpdate","E":{ms},"T":{ms},"s":"ETHUSD_PERP","ps":"ETHUSD","U":{u},"u":{u},"pu":{},"b":[["2500.10","12"]],"a":[["2500.20","7"]]}}}}"#,
            u - 1
        ));
        text.push('\n');
        if u % 10 == 0 {
            let q = if u == 5_000 { "-.008" } else { "3" };
            text.push_str(&format!(
                r#"{ts} {{"stream":"ethusd_perp@trade","data":{{"e":"trade","E":{ms},"T":{ms},"s":"ETHUSD_PERP","t":{u},"p":"2500.15","q":"{q}","m":true}}}}"#
            ));
            text.push('\n');
        }
    }
    let path = dir.join("cm_ethusd_perp.jsonl");
    std::fs::write(&path, text).expect("write the capture");
    path
}

#[test]
fn a_coin_margined_capture_without_snapshot_records_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let capture = coin_margined_capture(dir.path());
    assert_records_as_replayed(&capture, dir.path());
    // 6000 diffs and 600 trades, less the bad one.
    assert_eq!(replayed(&capture), 6_599);
}

#[test]
fn every_shared_data_file_replay_reads_records_whole() {
    let Some(capture) = support::capture() else { return };
    let data = capture.parent().expect("the data folder").to_path_buf();
    let dir = tempfile::tempdir().expect("temp dir");
    // The capture itself: record_then_replay_gives_identical_ticks.rs.
    let mut files = vec![data.join("truefx_USDJPY_ticks_20130101.csv")];
    let mut tardis: Vec<PathBuf> = std::fs::read_dir(data.join("tardis"))
        .expect("the tardis samples")
        .map(|e| e.expect("entry").path())
        .collect();
    tardis.sort();
    files.extend(tardis);
    for file in &files {
        assert_records_as_replayed(file, dir.path());
    }
}

#[test]
fn a_failed_recording_leaves_no_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "timestamp,bid,ask\n2013-01-01 22:00:00.295,86.9,86.91\nnot,a,line\n")
        .expect("write");
    let out = dir.path().join("bad.myct");
    let run = mycelium().arg("record").arg("--strict").arg("--out").arg(&out).arg(&bad).output();
    let run = run.expect("record");
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("bad.csv:3"), "names the line");
    assert!(!out.exists(), "an incomplete recording was left behind");
}
