//! The L2 book built from the capture's snapshot plus depth diffs agrees with the
//! venue's bookTicker best bid/ask (prices and sizes) wherever their update ids coincide.

mod common;

use std::collections::HashMap;

use mycelium_market_data::book::SyncState;
use mycelium_market_data::{MarketDataReader, ReaderOptions, TickAdapter, TickEvent};

#[test]
fn book_top_matches_book_ticker_at_equal_update_ids() {
    let Some(path) = common::data_file(common::BTCUSDT_CAPTURE) else {
        return;
    };
    let reader = MarketDataReader::open(&path, ReaderOptions::default()).expect("open");
    let mut adapter = TickAdapter::new();
    let mut out = Vec::new();
    // update id -> (bid px, bid qty, ask px, ask qty), from each side.
    let mut from_book: HashMap<u64, [f64; 4]> = HashMap::new();
    let mut from_ticker: HashMap<u64, ([f64; 4], u64)> = HashMap::new();
    let mut derived = 0u64;
    for ev in reader {
        let ev = ev.expect("parses");
        let (symbol, line) = (ev.symbol, ev.line);
        if let (TickEvent::Quote(q), Some(u)) = (&ev.event, ev.venue_id) {
            from_ticker.insert(u, ([q.bid_px, q.bid_qty, q.ask_px, q.ask_qty], line));
        }
        let is_depth = matches!(ev.event, TickEvent::Depth(_));
        out.clear();
        adapter
            .push(ev, &mut out)
            .unwrap_or_else(|gap| panic!("no sequence gap expected in the capture: {gap}"));
        derived +=
            out.iter().filter(|t| matches!(t.event, TickEvent::Quote(q) if q.from_book)).count()
                as u64;
        if is_depth {
            let book = adapter.book(&symbol).expect("book exists");
            if let SyncState::Synced { last } = book.state() {
                let top = book.book().top().expect("two-sided book");
                assert!(top.bid_px < top.ask_px, "line {line}: crossed book");
                from_book.insert(last, [top.bid_px, top.bid_qty, top.ask_px, top.ask_qty]);
            }
        }
    }
    assert_eq!(adapter.gaps(), 0);
    assert!(from_book.len() > 6_000, "book synced for almost every diff: {}", from_book.len());
    assert!(derived > 0);
    let mut agree = 0;
    for (u, top) in &from_book {
        if let Some((ticker, line)) = from_ticker.get(u) {
            assert_eq!(top, ticker, "update id {u} (bookTicker line {line})");
            agree += 1;
        }
    }
    println!("{agree} coinciding update ids, all agree");
    assert!(agree > 0);
}
