//! A price or size that cannot be real (a negative or zero trade size or price, a
//! negative quote or depth size, a depth level at price 0) is a bad line, in every
//! format: with `--strict` (`BadLinePolicy::Fail`) it stops the read naming its line;
//! leniently it is skipped, counted, and its line number kept for the report.

use std::io::Write;

use mycelium_market_data::{BadLinePolicy, MarketDataReader, ReadError, ReaderOptions};

fn trade(q: &str, p: &str) -> String {
    format!(
        r#"1723161255088176367 {{"stream":"btcusdt@trade","data":{{"e":"trade","E":1723161256322,"T":1723161256322,"s":"BTCUSDT","t":5266583935,"p":"{p}","q":"{q}","X":"MARKET","m":false}}}}"#
    )
}

fn depth(level: &str) -> String {
    format!(
        r#"1723161255088176367 {{"stream":"btcusdt@depth@0ms","data":{{"e":"depthUpdate","E":1723161256322,"T":1723161256322,"s":"BTCUSDT","U":10,"u":11,"pu":9,"b":[{level}],"a":[]}}}}"#
    )
}

fn write(dir: &tempfile::TempDir, name: &str, lines: &[String]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    let mut f = std::fs::File::create(&path).expect("create");
    for l in lines {
        writeln!(f, "{l}").expect("write");
    }
    path
}

/// Reads `path` strictly (the first error's line) and leniently (the lines kept, the
/// lines skipped).
fn read(path: &std::path::Path) -> (Option<u64>, Vec<u64>, Vec<u64>) {
    let opts = |policy| ReaderOptions { policy, ..ReaderOptions::default() };
    let strict = MarketDataReader::open(path, opts(BadLinePolicy::Fail)).expect("open");
    let failed = strict.filter_map(Result::err).find_map(|e| match e {
        ReadError::BadLine { line, .. } => Some(line),
        _ => None,
    });
    let mut lenient = MarketDataReader::open(path, opts(BadLinePolicy::Skip)).expect("open");
    let kept = lenient.by_ref().map(|e| e.expect("lenient").line).collect();
    assert_eq!(lenient.skipped_lines(), lenient.first_skipped_lines().len() as u64);
    (failed, kept, lenient.first_skipped_lines().to_vec())
}

#[test]
fn binance_trades_with_a_negative_or_zero_size_or_price_are_bad_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lines = [
        trade("0.006", "61800.30"),
        trade("-.008", "61800.30"),
        trade("0", "61800.30"),
        trade("0.006", "0"),
        trade("0.006", "-1"),
        trade("0.006", "61800.40"),
    ];
    let (failed, kept, skipped) = read(&write(&dir, "trades.jsonl", &lines));
    assert_eq!(failed, Some(2), "--strict stops at the negative size");
    assert_eq!(kept, [1, 6]);
    assert_eq!(skipped, [2, 3, 4, 5]);
}

#[test]
fn depth_levels_with_a_negative_size_or_no_price_are_bad_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lines = [
        depth(r#"["100.0","1.5"]"#),
        depth(r#"["100.0","0"]"#), // deletes the level: fine
        depth(r#"["100.0","-1"]"#),
        depth(r#"["0","1"]"#),
    ];
    let (failed, kept, skipped) = read(&write(&dir, "depth.jsonl", &lines));
    assert_eq!(failed, Some(3));
    assert_eq!(kept, [1, 2]);
    assert_eq!(skipped, [3, 4]);
}

#[test]
fn tardis_and_quote_csv_rows_with_impossible_values_are_bad_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tardis = [
        "exchange,symbol,timestamp,local_timestamp,id,side,price,amount".to_owned(),
        "bitmex,XBTUSD,1585699200000000,1585699200100000,a,buy,6500.5,10".to_owned(),
        "bitmex,XBTUSD,1585699200000000,1585699200100000,b,buy,6500.5,-10".to_owned(),
    ];
    let (failed, kept, skipped) = read(&write(&dir, "bitmex_trades_XBTUSD.csv", &tardis));
    assert_eq!((failed, kept, skipped), (Some(3), vec![2], vec![3]));
    let quotes = [
        "timestamp,bid,ask".to_owned(),
        "2013-01-01 22:00:00.295000+00:00,86.655,86.728".to_owned(),
        "2013-01-01 22:00:00.395000+00:00,-86.655,86.728".to_owned(),
    ];
    let (failed, kept, skipped) = read(&write(&dir, "truefx_USDJPY.csv", &quotes));
    assert_eq!((failed, kept, skipped), (Some(3), vec![2], vec![3]));
}
