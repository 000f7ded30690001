//! Depth diffs that wait for a snapshot that never comes (a capture started without
//! one, as coin-margined captures are) are not sequence gaps: the book keeps the
//! newest few thousand and drops the oldest, and at the end the adapter reports, per
//! symbol, how many went unused: one figure per symbol, however many diffs.

use mycelium_market_data::{MarketDataReader, ReaderOptions, TickAdapter, TickError, Ticks};

fn depth(stream: &str, symbol: &str, u: u64) -> String {
    format!(
        r#"{ts} {{"stream":"{stream}@depth@0ms","data":{{"e":"depthUpdate","E":{ms},"T":{ms},"s":"{symbol}","U":{u},"u":{u},"pu":{pu},"b":[["100.0","1"]],"a":[]}}}}"#,
        ts = 1_700_000_000_000_000_000u64 + u,
        ms = 1_700_000_000_000u64 + u,
        pu = u - 1,
    )
}

#[test]
fn diffs_without_a_snapshot_are_counted_per_symbol_not_reported_one_by_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cm_capture.jsonl");
    let mut text = String::new();
    // ETHUSD_PERP: more diffs than the book buffers; ADAUSD_PERP: a few.
    for u in 1..=5_000 {
        text.push_str(&depth("ethusd_perp", "ETHUSD_PERP", u));
        text.push('\n');
        if u % 1000 == 0 {
            text.push_str(&depth("adausd_perp", "ADAUSD_PERP", u));
            text.push('\n');
        }
    }
    std::fs::write(&path, text).expect("write");

    let reader = MarketDataReader::open(&path, ReaderOptions::default()).expect("open");
    let mut ticks = Ticks::new(reader, TickAdapter::new());
    let mut count = 0;
    for tick in ticks.by_ref() {
        match tick {
            Ok(_) => count += 1,
            Err(TickError::Gap(gap)) => panic!("a missing snapshot is not a gap: {gap}"),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(count, 5_005, "every diff is still a tick");
    let unused: Vec<(String, u64, bool)> = ticks
        .adapter()
        .unused_diffs()
        .into_iter()
        .map(|(s, n, had)| (s.to_string(), n, had))
        .collect();
    assert_eq!(
        unused,
        [("ADAUSD_PERP".to_owned(), 5, false), ("ETHUSD_PERP".to_owned(), 5_000, false)]
    );
}
