//! A truncated gzip capture yields every complete line and then a clear
//! `ReadError::TruncatedGzip` with the line number reached, not a panic.

mod common;

use mycelium_market_data::{MarketDataReader, ReadError, ReaderOptions};

#[test]
fn truncated_capture() {
    let Some(src) = common::data_file(common::BTCUSDT_CAPTURE) else {
        return;
    };
    let bytes = std::fs::read(&src).expect("read");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("truncated.jsonl.gz");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("write");

    let mut last_ok = 0;
    let mut error = None;
    for r in MarketDataReader::open(&path, ReaderOptions::default()).expect("open") {
        match r {
            Ok(ev) => last_ok = ev.line,
            Err(e) => {
                assert!(error.is_none(), "a single error ends the stream");
                error = Some(e);
            }
        }
    }
    let err = error.expect("truncation is an error");
    assert!(last_ok > 10_000, "the complete lines were read ({last_ok})");
    match &err {
        ReadError::TruncatedGzip { line, .. } => assert!(*line > last_ok, "{err}"),
        other => panic!("expected TruncatedGzip, got {other}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("truncated.jsonl.gz:") && msg.contains("truncated or corrupt gzip"),
        "{msg}"
    );
    println!("{msg}");
}
