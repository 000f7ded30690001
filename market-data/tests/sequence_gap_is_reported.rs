//! A missing depth diff is reported as a typed sequence gap with its line number, never
//! applied silently: futures (`pu` chain) using the real capture with one diff removed,
//! and spot (`U == prev u + 1`).

mod common;

use std::io::{BufRead, BufReader, Write};

use mycelium_market_data::book::SequenceError;
use mycelium_market_data::{MarketDataReader, ReaderOptions, TickAdapter, TickError, Ticks};

fn gaps(path: &std::path::Path) -> Vec<mycelium_market_data::SequenceGap> {
    let reader = MarketDataReader::open(path, ReaderOptions::default()).expect("open");
    Ticks::new(reader, TickAdapter::new())
        .filter_map(|r| match r {
            Err(TickError::Gap(g)) => Some(g),
            Err(e) => panic!("unexpected error: {e}"),
            Ok(_) => None,
        })
        .collect()
}

#[test]
fn futures_gap_in_real_capture() {
    let Some(src) = common::data_file(common::BTCUSDT_CAPTURE) else {
        return;
    };
    // Copy the first 3,000 lines, dropping the 10th depth diff after the snapshot.
    let input =
        BufReader::new(flate2::read::MultiGzDecoder::new(std::fs::File::open(&src).expect("open")));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("gap.jsonl");
    let mut out = std::fs::File::create(&path).expect("create");
    let (mut seen_snapshot, mut depth_after, mut dropped_at) = (false, 0, 0);
    let mut written = 0u64;
    for (i, line) in input.lines().take(3_000).enumerate() {
        let line = line.expect("line");
        seen_snapshot |= line.contains("lastUpdateId");
        if seen_snapshot && line.contains("@depth") {
            depth_after += 1;
            if depth_after == 10 {
                dropped_at = i + 1;
                continue;
            }
        }
        writeln!(out, "{line}").expect("write");
        written += 1;
    }
    drop(out);
    assert!(dropped_at > 0 && written == 2_999);

    let found = gaps(&path);
    assert!(!found.is_empty(), "the gap is detected");
    let g = &found[0];
    assert!(matches!(g.error, SequenceError::PrevMismatch { .. }), "{g}");
    // The next depth line after the dropped one (its original line number minus one).
    assert!(g.line >= dropped_at as u64, "{g}");
    let msg = g.to_string();
    assert!(msg.starts_with(&format!("line {}: BTCUSDT: gap: diff pu=", g.line)), "{msg}");
    // The book stays unsynced afterwards: no further gaps without a new snapshot.
    assert_eq!(found.len(), 1);
}

#[test]
fn spot_gap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("spot.jsonl");
    let diff = |u0: u64, u1: u64| {
        format!(
            r#"1 {{"stream":"bnbbtc@depth@100ms","data":{{"e":"depthUpdate","E":1,"s":"BNBBTC","U":{u0},"u":{u1},"b":[["0.0024","10"]],"a":[["0.0026","100"]]}}}}"#
        )
    };
    let lines = [
        diff(150, 155),
        r#"2 {"lastUpdateId":157,"bids":[["0.0024","5"]],"asks":[["0.0026","5"]]}"#.to_owned(),
        diff(156, 160),
        diff(161, 162),
        diff(164, 170),
    ];
    std::fs::write(&path, lines.join("\n")).expect("write");
    let found = gaps(&path);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].line, 5);
    assert_eq!(
        found[0].error,
        SequenceError::FirstMismatch { expected: 163, first: 164, last: 170 }
    );
}
