//! A bad line gives a `ReadError::BadLine` naming the file, the 1-based line and the
//! reason; `BadLinePolicy::Skip` counts it and goes on, `Fail` stops there.

use std::io::Write;

use mycelium_market_data::{BadLinePolicy, MarketDataReader, ReadError, ReaderOptions};

const GOOD_TRADE: &str = r#"1723161255088176367 {"stream":"btcusdt@trade","data":{"e":"trade","E":1723161256322,"T":1723161256322,"s":"BTCUSDT","t":5266583935,"p":"61800.30","q":"0.006","X":"MARKET","m":false}}"#;
const BAD_PRICE: &str = r#"1723161255088176368 {"stream":"btcusdt@trade","data":{"e":"trade","E":1723161256322,"T":1723161256322,"s":"BTCUSDT","t":5266583936,"p":"61x00.30","q":"0.006","X":"MARKET","m":false}}"#;

fn write_file(dir: &tempfile::TempDir, name: &str, lines: &[&str]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    let mut f = std::fs::File::create(&path).expect("create");
    for l in lines {
        writeln!(f, "{l}").expect("write");
    }
    path
}

#[test]
fn binance_bad_lines_fail_or_skip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lines = [GOOD_TRADE, BAD_PRICE, GOOD_TRADE, "1723161255088176369 {not json", GOOD_TRADE];
    let path = write_file(&dir, "capture.jsonl", &lines);

    let opts = |policy| ReaderOptions { policy, ..ReaderOptions::default() };
    let results: Vec<_> =
        MarketDataReader::open(&path, opts(BadLinePolicy::Fail)).expect("open").collect();
    assert_eq!(results.len(), 2, "one event, then the error, then the end");
    assert!(results[0].is_ok());
    let err = results[1].as_ref().expect_err("bad line");
    assert!(matches!(err, ReadError::BadLine { line: 2, .. }), "{err}");
    assert_eq!(err.line(), Some(2));
    let msg = err.to_string();
    assert!(msg.contains("capture.jsonl:2:"), "{msg}");
    assert!(msg.contains("61x00.30"), "reason names the bad value: {msg}");

    let mut reader = MarketDataReader::open(&path, opts(BadLinePolicy::Skip)).expect("open");
    let events: Vec<_> =
        reader.by_ref().collect::<Result<_, _>>().expect("skip mode yields no errors");
    assert_eq!(events.iter().map(|e| e.line).collect::<Vec<_>>(), [1, 3, 5]);
    assert_eq!(reader.skipped_lines(), 2);
}

#[test]
fn csv_bad_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_file(
        &dir,
        "quotes.csv",
        &[
            "timestamp,bid,ask",
            "2013-01-01 22:00:00.295000+00:00,86.655,86.728",
            "2013-01-01 25:00:00,86.6,86.7",
            "2013-01-01 22:00:01,86.6",
        ],
    );
    let mut reader = MarketDataReader::open(
        &path,
        ReaderOptions { policy: BadLinePolicy::Skip, ..ReaderOptions::default() },
    )
    .expect("open");
    assert_eq!(reader.by_ref().filter_map(Result::ok).count(), 1);
    assert_eq!(reader.skipped_lines(), 2);

    let errs: Vec<String> = MarketDataReader::open(&path, ReaderOptions::default())
        .expect("open")
        .filter_map(Result::err)
        .map(|e| e.to_string())
        .collect();
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].contains("quotes.csv:3:") && errs[0].contains("invalid timestamp"),
        "{}",
        errs[0]
    );

    let path = write_file(
        &dir,
        "tardis.csv",
        &[
            "exchange,symbol,timestamp,local_timestamp,id,side,price,amount",
            "bitmex,XBTUSD,1583020803145000,1583020803307160,abc,sell,8531.5",
        ],
    );
    let err = MarketDataReader::open(&path, ReaderOptions::default())
        .expect("open")
        .find_map(Result::err)
        .expect("error");
    assert!(err.to_string().contains("tardis.csv:2: expected 8 fields, found 7"), "{err}");
}

#[test]
fn unknown_format_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_file(&dir, "mystery.txt", &["hello world"]);
    let err =
        MarketDataReader::open(&path, ReaderOptions::default()).err().expect("unknown format");
    assert!(matches!(err, ReadError::UnknownFormat { .. }));
    assert!(err.to_string().contains("--format"), "{err}");
}
