//! `mycelium replay --feed-latency` prints each symbol's feed latency, receive minus
//! exchange time, from the recorded events themselves: the Binance capture's recorder
//! runs about 1.27 s behind the venue (negative figures), and a binary recording,
//! which no longer says which events carried an exchange time, is refused clearly.
mod support;

use std::process::Command;

fn mycelium() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mycelium"))
}

#[test]
fn the_capture_shows_its_clock_offset_and_spread() {
    let Some(capture) = support::capture() else { return };
    let out = mycelium().args(["replay", "--feed-latency"]).arg(&capture).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let row: Vec<&str> = text
        .lines()
        .find(|l| l.starts_with("BTCUSDT"))
        .unwrap_or_else(|| panic!("{text}"))
        .split_whitespace()
        .collect();
    // symbol events one_clock min p50 p99 max mean p99-min
    assert_eq!(row[1], "93954", "every line carries an exchange time:\n{text}");
    assert_eq!(row[2], "0");
    let ms = |i: usize| row[i].parse::<f64>().expect("ms");
    assert!((-1300.0..-1200.0).contains(&ms(3)), "the recorder's offset:\n{text}");
    assert!(ms(3) <= ms(4) && ms(4) <= ms(5) && ms(5) <= ms(6), "{text}");
    assert!(ms(8) >= 0.0 && ms(8) < 1000.0, "the spread above the minimum:\n{text}");
}

#[test]
fn a_recording_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rec = dir.path().join("synthetic.myct");
    let out =
        mycelium().args(["record", "--ticks", "100", "--out"]).arg(&rec).output().expect("record");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = mycelium().args(["replay", "--feed-latency"]).arg(&rec).output().expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("feed latency is read from recorded source files"), "{err}");
}
