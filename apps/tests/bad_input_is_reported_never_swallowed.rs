//! Bad input is reported, never swallowed: a lenient replay says how many lines it
//! skipped and which; a depth stream without a snapshot gives one line per symbol
//! (not one per diff); `--symbols` naming a symbol the files lack, and a strategy
//! symbol that never came, are warned about with the symbols the files carry.
mod cluster_support;

use std::path::Path;
use std::process::{Command, Output};

fn replay(args: &[&str], file: &Path) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_mycelium"))
        .arg("replay")
        .args(args)
        .arg(file)
        .env_remove("RUST_LOG")
        .output()
        .expect("mycelium replay");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn stderr_lines(out: &Output, pattern: &str) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(pattern))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_lenient_replay_reports_how_many_lines_it_skipped_and_which() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("quotes.csv");
    let mut text = String::from("timestamp,bid,ask\n");
    for i in 0..40 {
        let bad = i % 5 == 1;
        let bid = if bad { "-86.9" } else { "86.9" };
        text.push_str(&format!("2013-01-01 22:00:{:02}.000,{bid},86.91\n", i));
    }
    std::fs::write(&file, text).expect("write");
    let out = replay(&["--stats-only"], &file);
    let reports = stderr_lines(&out, "bad lines skipped");
    assert_eq!(reports.len(), 1, "{reports:?}");
    // Lines 3, 8, 13, ... (the header is line 1): eight of them, the first five named.
    assert!(
        reports[0].contains("8 bad lines skipped (lines 3, 8, 13, 18, 23, ...)"),
        "{}",
        reports[0]
    );
    assert!(reports[0].contains("bid price -86.9 is negative"), "{}", reports[0]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("32 events"));
}

#[test]
fn depth_without_a_snapshot_gives_one_line_per_symbol() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("cm.jsonl");
    let mut text = String::new();
    for u in 1..=6_000u64 {
        for (stream, symbol) in [("ethusd_perp", "ETHUSD_PERP"), ("btcusd_perp", "BTCUSD_PERP")] {
            if symbol == "BTCUSD_PERP" && u > 30 {
                continue;
            }
            let (ts, ms) = (1_700_000_000_000_000_000u64 + u * 1_000_000, 1_700_000_000_000u64 + u);
            text.push_str(&format!(
                r#"{ts} {{"stream":"{stream}@depth@0ms","data":{{"e":"depthUpdate","E":{ms},"T":{ms},"s":"{symbol}","U":{u},"u":{u},"pu":{},"b":[["2500.10","12"]],"a":[]}}}}"#,
                u - 1
            ));
            text.push('\n');
        }
    }
    std::fs::write(&file, text).expect("write");
    // Through the whole pipeline, and counted alone: the same report.
    for args in [&[][..], &["--stats-only"][..]] {
        let out = replay(args, &file);
        let lines = stderr_lines(&out, "no snapshot");
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].contains("BTCUSD_PERP: no snapshot: 30 depth diffs unused"), "{lines:?}");
        assert!(
            lines[1].contains("ETHUSD_PERP: no snapshot: 6000 depth diffs unused"),
            "{lines:?}"
        );
        assert!(stderr_lines(&out, "WARN").len() == 2, "{}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn symbols_the_files_lack_are_warned_about_with_those_they_carry() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some([trades, _]) = cluster_support::capture_in_two_files(dir.path(), 2_000) else {
        return;
    };
    let out = replay(&["--stats-only", "--symbols", "ETHUSDT,BTCUSDT"], &trades);
    let lines = stderr_lines(&out, "--symbols");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("ETHUSDT is not in the files (they carry BTCUSDT)"), "{lines:?}");

    // A strategy that trades a symbol the files lack.
    let config = dir.path().join("pipeline.toml");
    let text = cluster_support::pipeline(0).replace("[[pipeline.", "[[").replace("[pipeline.", "[");
    let text = text.replace("fast = 20", "symbols = [\"ETHUSDT\"]\nfast = 20");
    std::fs::write(&config, text).expect("write config");
    let out = replay(&["--config", &config.display().to_string()], &trades);
    let lines = stderr_lines(&out, "params.symbols");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains(
            "\"trend\": params.symbols: ETHUSDT never came in the feed (it carried BTCUSDT)"
        ),
        "{lines:?}"
    );
}
