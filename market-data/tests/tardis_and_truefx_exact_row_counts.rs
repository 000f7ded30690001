//! Every Tardis.dev sample and the TrueFX file read completely with exact row counts,
//! the right event kinds and spot-checked values.

mod common;

use mycelium_market_data::{
    DepthKind, Format, MarketDataReader, ReaderOptions, RecordedEvent, Side, TickEvent,
};

fn read_all(name: &str) -> Option<(Vec<RecordedEvent>, Format)> {
    let path = common::data_file(name)?;
    let reader = MarketDataReader::open(&path, ReaderOptions::default()).expect("open");
    let format = reader.format();
    let events = reader.collect::<Result<Vec<_>, _>>().expect("all rows parse");
    Some((events, format))
}

#[test]
fn bitmex_trades() {
    let Some((evs, format)) = read_all("tardis/bitmex_trades_XBTUSD.csv") else {
        return;
    };
    assert_eq!(format, Format::Tardis);
    assert_eq!(evs.len(), 10);
    let first = &evs[0];
    assert_eq!((first.line, first.symbol.as_str()), (2, "XBTUSD"));
    assert_eq!(first.exchange_ts_ns, 1_583_020_803_145_000_000);
    assert_eq!(first.local_ts_ns, 1_583_020_803_307_160_000);
    let TickEvent::Trade(t) = first.event else { panic!("trade expected") };
    assert_eq!((t.px, t.qty, t.aggressor), (8531.5, 2152.0, Some(Side::Sell)));
    assert!(evs.iter().all(|e| matches!(e.event, TickEvent::Trade(_))));
}

#[test]
fn huobi_quotes() {
    let Some((evs, _)) = read_all("tardis/huobi-dm-swap_quotes_BTC-USD.csv") else {
        return;
    };
    assert_eq!(evs.len(), 10);
    let TickEvent::Quote(q) = evs[5].event else { panic!("quote expected") };
    // huobi-dm-swap,BTC-USD,1588291201471000,1588291201671346,5673,8629.3,8629.2,856
    assert_eq!((q.bid_px, q.bid_qty, q.ask_px, q.ask_qty), (8629.2, 856.0, 8629.3, 5673.0));
    assert_eq!(evs[5].symbol.as_str(), "BTC-USD");
    assert_eq!(evs[5].line, 7);
}

#[test]
fn deribit_incremental_l2() {
    let Some((evs, _)) = read_all("tardis/deribit_incremental_book_L2_BTC-PERPETUAL.csv") else {
        return;
    };
    assert_eq!(evs.len(), 15);
    let mut ends = 0;
    for ev in &evs {
        let TickEvent::Depth(d) = &ev.event else { panic!("depth expected") };
        assert_eq!(d.kind, DepthKind::Snapshot);
        assert_eq!(d.asks.len(), 1);
        ends += usize::from(d.end_of_event);
    }
    assert_eq!(ends, 1, "one venue message: only its last row ends the event");
    let TickEvent::Depth(d) = &evs[14].event else { panic!("depth expected") };
    assert_eq!((d.asks[0].price, d.asks[0].qty), (6428.5, 39950.0));
}

#[test]
fn binance_futures_book_snapshots() {
    for (name, levels) in [
        ("tardis/binance-futures_book_snapshot_5_BTCUSDT.csv", 5),
        ("tardis/binance-futures_book_snapshot_25_BTCUSDT.csv", 25),
    ] {
        let Some((evs, _)) = read_all(name) else {
            return;
        };
        assert_eq!(evs.len(), 10, "{name}");
        for ev in &evs {
            let TickEvent::Depth(d) = &ev.event else { panic!("depth expected") };
            assert_eq!(d.kind, DepthKind::Snapshot);
            assert_eq!((d.bids.len(), d.asks.len()), (levels, levels), "{name}");
            assert!(d.bids[0].price < d.asks[0].price);
        }
        let TickEvent::Depth(d) = &evs[0].event else { panic!("depth expected") };
        assert_eq!((d.asks[0].price, d.asks[0].qty), (11657.08, 1.714));
        assert_eq!((d.bids[1].price, d.bids[1].qty), (11656.97, 0.2));
    }
}

#[test]
fn truefx_quotes() {
    let Some((evs, format)) = read_all("truefx_USDJPY_ticks_20130101.csv") else {
        return;
    };
    assert_eq!(format, Format::QuotesCsv);
    assert_eq!(evs.len(), 1_000);
    let first = &evs[0];
    assert_eq!(first.symbol.as_str(), "USDJPY");
    // 2013-01-01 22:00:00.295 UTC
    assert_eq!(first.exchange_ts_ns, 1_357_077_600_295_000_000);
    let TickEvent::Quote(q) = first.event else { panic!("quote expected") };
    assert_eq!((q.bid_px, q.ask_px, q.bid_qty), (86.655, 86.728, 0.0));
    let last = &evs[999];
    assert_eq!(last.line, 1_001);
    // 2013-01-01 22:35:13.494 UTC
    assert_eq!(last.exchange_ts_ns, 1_357_079_713_494_000_000);
    assert!(evs.windows(2).all(|w| w[0].exchange_ts_ns <= w[1].exchange_ts_ns));
}
