//! The Binance BTCUSDT capture reads completely, with the exact per-stream counts and
//! the right values on spot-checked lines.

mod common;

use mycelium_market_data::{
    DepthKind, FeedStats, Format, MarketDataReader, ReaderOptions, Side, Symbol, TickEvent,
    UpdateIds,
};

#[test]
fn capture_counts_and_values() {
    let Some(path) = common::data_file(common::BTCUSDT_CAPTURE) else {
        return;
    };
    let mut reader = MarketDataReader::open(&path, ReaderOptions::default()).expect("open");
    assert_eq!(reader.format(), Format::BinanceJsonl);
    let (mut quotes, mut trades, mut diffs, mut snaps) = (0u64, 0u64, 0u64, 0u64);
    let mut stats = FeedStats::new();
    let mut last_line = 0;
    let btc: Symbol = "BTCUSDT".parse().expect("symbol");
    for ev in reader.by_ref() {
        let ev = ev.expect("every line parses");
        assert_eq!(ev.symbol, btc);
        assert!(ev.line > last_line, "line numbers increase");
        last_line = ev.line;
        stats.observe_event(&ev);
        match &ev.event {
            TickEvent::Quote(q) => {
                quotes += 1;
                assert!(q.bid_px < q.ask_px, "line {}: crossed bookTicker", ev.line);
            }
            TickEvent::Trade(_) => trades += 1,
            TickEvent::Depth(d) if d.kind == DepthKind::Snapshot => {
                snaps += 1;
                assert_eq!(ev.line, 55);
                assert_eq!(ev.venue_id, Some(5_123_107_852_948));
                assert_eq!(ev.local_ts_ns, 1_723_161_255_319_702_566);
                assert_eq!(ev.exchange_ts_ns, 1_723_161_256_501_000_000);
                assert_eq!(d.bids[0].price, 61800.20);
                assert_eq!(d.bids[0].qty, 2.909);
                assert_eq!(d.asks.last().map(|l| l.price), Some(61976.20));
            }
            TickEvent::Depth(_) => diffs += 1,
        }
        match ev.line {
            1 => {
                let TickEvent::Depth(d) = &ev.event else { panic!("line 1 is a depth diff") };
                assert_eq!(ev.local_ts_ns, 1_723_161_255_030_314_667);
                assert_eq!(ev.exchange_ts_ns, 1_723_161_256_299_000_000);
                assert_eq!(
                    d.ids,
                    Some(UpdateIds {
                        first: 5_123_107_832_006,
                        last: 5_123_107_837_557,
                        prev: Some(5_123_107_831_937),
                    })
                );
                assert_eq!((d.bids[0].price, d.bids[0].qty), (58710.20, 0.014));
                assert_eq!((d.bids[2].price, d.bids[2].qty), (61510.90, 0.0));
            }
            2 => {
                let TickEvent::Quote(q) = ev.event else { panic!("line 2 is a bookTicker") };
                assert_eq!(ev.venue_id, Some(5_123_107_839_020));
                assert_eq!(
                    (q.bid_px, q.bid_qty, q.ask_px, q.ask_qty),
                    (61800.20, 2.507, 61800.30, 2.510)
                );
                assert!(!q.from_book);
                assert_eq!(ev.exchange_ts_ns, 1_723_161_256_313_000_000);
            }
            3 => {
                let TickEvent::Trade(t) = ev.event else { panic!("line 3 is a trade") };
                assert_eq!(ev.venue_id, Some(5_266_583_935));
                assert_eq!((t.px, t.qty, t.aggressor), (61800.30, 0.006, Some(Side::Buy)));
                assert_eq!(ev.exchange_ts_ns, 1_723_161_256_322_000_000);
            }
            48 => {
                let TickEvent::Trade(t) = ev.event else { panic!("line 48 is a trade") };
                assert_eq!((t.px, t.qty, t.aggressor), (61800.20, 0.015, Some(Side::Sell)));
            }
            _ => {}
        }
    }
    assert_eq!(quotes, 66_089, "bookTicker lines");
    assert_eq!(trades, 21_313, "trade lines");
    assert_eq!(diffs, 6_551, "depth lines");
    assert_eq!(snaps, 1, "snapshot lines");
    assert_eq!(reader.lines_read(), 93_954);
    assert_eq!(reader.skipped_lines(), 0);
    assert_eq!(reader.ignored_lines(), 0);
    let s = stats.get(&btc).expect("stats");
    assert_eq!((s.quotes, s.trades, s.book_updates, s.snapshots), (66_089, 21_313, 6_551, 1));
    let span_s =
        (s.last_exchange_ts_ns.unwrap_or(0) - s.first_exchange_ts_ns.unwrap_or(0)) / 1_000_000_000;
    assert!((340..=350).contains(&span_s), "about 5m45s of data, got {span_s} s");
    println!("{stats}");
}
