//! Each recorded event that carries both clocks has a feed latency, its receive time
//! minus its exchange time (Binance captures, Tardis CSV); an event whose exchange time
//! is inferred (spot `bookTicker`) or a source with one clock has none. The per-symbol
//! figures are over exactly those events.

mod common;

use std::io::Write as _;

use mycelium_market_data::{FeedLatency, MarketDataReader, ReaderOptions, RecordedEvent};

fn read(path: &std::path::Path) -> Vec<RecordedEvent> {
    MarketDataReader::open(path, ReaderOptions::default())
        .expect("opens")
        .collect::<Result<_, _>>()
        .expect("reads")
}

/// The first three lines of the Binance USD-M capture (a depth diff, a `bookTicker`, a
/// trade), and a spot `bookTicker`, which carries no exchange time.
const BINANCE: &str = concat!(
    r#"1723161255030314667 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1723161256299,"T":1723161256298,"s":"BTCUSDT","U":5123107832006,"u":5123107837557,"pu":5123107831937,"b":[["61800.20","2.507"]],"a":[["61800.30","3.330"]]}}"#,
    "\n",
    r#"1723161255088169167 {"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":5123107839020,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256313}}"#,
    "\n",
    r#"1723161255088176367 {"stream":"btcusdt@trade","data":{"e":"trade","E":1723161256322,"T":1723161256322,"s":"BTCUSDT","t":5266583935,"p":"61800.30","q":"0.006","X":"MARKET","m":false}}"#,
    "\n",
    r#"1723161255090000000 {"stream":"btcusdt@bookTicker","data":{"u":5123107839021,"s":"BTCUSDT","b":"61800.20","B":"2.5","a":"61800.30","A":"2.5"}}"#,
    "\n",
);

#[test]
fn binance_events_with_an_exchange_time_have_receive_minus_exchange() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("snippet.jsonl");
    std::fs::File::create(&path).and_then(|mut f| f.write_all(BINANCE.as_bytes())).expect("write");
    let events = read(&path);
    assert_eq!(events.len(), 4, "{events:?}");
    let ms = |v: i64| v * 1_000_000;
    // The depth diff: stamped with its event or its transaction time.
    assert!([ms(1723161256299), ms(1723161256298)].contains(&events[0].exchange_ts_ns));
    assert_eq!(events[0].feed_latency_ns, Some(1723161255030314667 - events[0].exchange_ts_ns));
    assert_eq!(events[1].feed_latency_ns, Some(1723161255088169167 - ms(1723161256313)));
    assert_eq!(events[2].feed_latency_ns, Some(1723161255088176367 - ms(1723161256322)));
    // The recorder's clock runs behind the venue's: about -1.2 s.
    assert!(events[1]
        .feed_latency_ns
        .is_some_and(|l| (-1_300_000_000..-1_200_000_000).contains(&l)));
    // The spot quote's exchange time is inferred from the clock offset: not a measure.
    assert_ne!(events[3].exchange_ts_ns, events[3].local_ts_ns, "inferred exchange time");
    assert_eq!(events[3].feed_latency_ns, None);

    let mut stats = FeedLatency::new();
    events.iter().for_each(|e| stats.observe(e));
    let s = stats.get(&events[0].symbol).expect("BTCUSDT");
    assert_eq!((s.events(), s.one_clock), (3, 1));
    let measured: Vec<i64> = events.iter().filter_map(|e| e.feed_latency_ns).collect();
    assert_eq!(s.min_ns, *measured.iter().min().expect("some"));
    assert_eq!(s.max_ns, *measured.iter().max().expect("some"));
    let mean = measured.iter().sum::<i64>() as f64 / 3.0;
    assert!((s.mean_ns().expect("events") - mean).abs() < 1.0);
    let median = s.quantile_ns(0.5).expect("events");
    let mut sorted = measured.clone();
    sorted.sort_unstable();
    assert!((median - sorted[1]).abs() <= sorted[1].abs() / 1000, "{median} vs {}", sorted[1]);
}

#[test]
fn tardis_rows_have_local_minus_exchange_timestamp() {
    let Some(path) = common::data_file("tardis/bitmex_trades_XBTUSD.csv") else { return };
    let text = std::fs::read_to_string(&path).expect("reads");
    // `exchange,symbol,timestamp,local_timestamp,...`, both in µs.
    let expected: Vec<i64> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let us = |i: usize| f[i].parse::<i64>().expect("µs");
            (us(3) - us(2)) * 1_000
        })
        .collect();
    let events = read(&path);
    assert_eq!(events.len(), expected.len());
    let got: Vec<Option<i64>> = events.iter().map(|e| e.feed_latency_ns).collect();
    assert_eq!(got, expected.iter().copied().map(Some).collect::<Vec<_>>());
    assert!(expected.iter().all(|&l| l > 0), "Tardis' receive times follow the venue's");

    let mut stats = FeedLatency::new();
    events.iter().for_each(|e| stats.observe(e));
    let (_, s) = stats.iter().next().expect("one symbol");
    assert_eq!((s.events(), s.one_clock), (expected.len() as u64, 0));
    assert_eq!(s.min_ns, *expected.iter().min().expect("rows"));
    assert_eq!(s.quantile_ns(1.0), Some(s.max_ns));
    assert!(stats.to_string().contains("XBTUSD"));
}

#[test]
fn a_source_with_one_clock_has_no_feed_latency() {
    let Some(path) = common::data_file("truefx_USDJPY_ticks_20130101.csv") else { return };
    let events = read(&path);
    assert!(events.iter().all(|e| e.feed_latency_ns.is_none()));
    let mut stats = FeedLatency::new();
    events.iter().for_each(|e| stats.observe(e));
    let (_, s) = stats.iter().next().expect("one symbol");
    assert_eq!((s.events(), s.one_clock), (0, events.len() as u64));
    assert_eq!((s.mean_ns(), s.quantile_ns(0.5)), (None, None));
}
