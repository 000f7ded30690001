//! Spot `bookTicker` carries no exchange time, only the recorder's receive time, on a
//! clock ~1.27 s behind the exchange's. The reader puts it on the exchange clock:
//! `receive - offset`, the offset being the least `receive - exchange` of the events
//! that carry both times so far. Quotes before the first such event wait for it; a
//! file without one keeps receive times.

use std::io::Write;

use mycelium_market_data::{MarketDataReader, ReaderOptions, RecordedEvent, TickEvent};

/// Exchange time of the first trade, ns.
const T0: i64 = 1_723_161_256_000_000_000;
/// The recorder's clock is this much behind, in receive - exchange terms.
const SKEW: i64 = 1_270_000_000;
const MS: i64 = 1_000_000;

fn trade(exchange_ns: i64, delay_ns: i64) -> String {
    let ms = exchange_ns / MS;
    format!(
        r#"{} {{"stream":"btcusdt@trade","data":{{"e":"trade","E":{ms},"T":{ms},"s":"BTCUSDT","t":1,"p":"61800.30","q":"0.006","m":false}}}}"#,
        exchange_ns + SKEW + delay_ns
    )
}

fn book_ticker(received_ns: i64) -> String {
    format!(
        r#"{received_ns} {{"stream":"btcusdt@bookTicker","data":{{"u":400900217,"s":"BTCUSDT","b":"61800.10","B":"1.5","a":"61800.20","A":"2.5"}}}}"#
    )
}

fn read(lines: &[String]) -> Vec<RecordedEvent> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("spot.jsonl");
    let mut f = std::fs::File::create(&path).expect("create");
    for l in lines {
        writeln!(f, "{l}").expect("write");
    }
    let reader = MarketDataReader::open(&path, ReaderOptions::default()).expect("open");
    reader.collect::<Result<_, _>>().expect("a clean file")
}

fn is_quote(ev: &RecordedEvent) -> bool {
    matches!(ev.event, TickEvent::Quote(_))
}

#[test]
fn quotes_are_stamped_on_the_exchange_clock_by_the_least_offset_seen() {
    let q0 = T0 + SKEW - 20 * MS; // received before any trade
    let q1 = T0 + SKEW + 30 * MS;
    let q2 = T0 + SKEW + 90 * MS;
    let lines = [
        book_ticker(q0),
        trade(T0, 5 * MS), // offset SKEW + 5 ms
        book_ticker(q1),
        trade(T0 + 50 * MS, MS), // a faster one: offset SKEW + 1 ms
        book_ticker(q2),
    ];
    let events = read(&lines);
    assert_eq!(events.iter().map(|e| e.line).collect::<Vec<_>>(), [1, 2, 3, 4, 5], "file order");
    let quotes: Vec<(i64, i64)> =
        events.iter().filter(|e| is_quote(e)).map(|e| (e.local_ts_ns, e.exchange_ts_ns)).collect();
    assert_eq!(
        quotes,
        [(q0, q0 - SKEW - 5 * MS), (q1, q1 - SKEW - 5 * MS), (q2, q2 - SKEW - MS)],
        "each quote at its receive time less the least offset seen when it was read"
    );
    // The trades keep their own exchange time.
    assert_eq!(events[1].exchange_ts_ns, T0);
    assert_eq!(events[3].exchange_ts_ns, T0 + 50 * MS);
    // On one clock, the quote received 30 ms after the first trade's receipt comes
    // after that trade, as it did on the wire.
    assert!(events[2].exchange_ts_ns > events[1].exchange_ts_ns);
}

#[test]
fn without_any_exchange_time_quotes_keep_their_receive_time() {
    let events = read(&[book_ticker(T0), book_ticker(T0 + MS)]);
    let stamps: Vec<i64> = events.iter().map(|e| e.exchange_ts_ns).collect();
    assert_eq!(stamps, [T0, T0 + MS]);
}
