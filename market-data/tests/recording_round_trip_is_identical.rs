//! Recording ticks and reading them back gives the identical tick sequence, for the
//! synthetic source and for the real Binance capture (depth, snapshot and derived
//! quotes included).

mod common;

use std::io::{BufReader, BufWriter, Cursor};

use mycelium_market_data::{
    MarketDataReader, MarketTick, ReaderOptions, RecordingReader, RecordingWriter, SyntheticConfig,
    SyntheticSource, TickAdapter, TickEvent, Ticks,
};

fn round_trip(ticks: &[MarketTick]) -> Vec<MarketTick> {
    let mut w = RecordingWriter::new(Vec::new()).expect("header");
    for t in ticks {
        w.write(t).expect("write");
    }
    assert_eq!(w.records(), ticks.len() as u64);
    let bytes = w.finish().expect("finish");
    RecordingReader::new(Cursor::new(bytes))
        .expect("header")
        .collect::<Result<Vec<_>, _>>()
        .expect("read back")
}

#[test]
fn synthetic_round_trip() {
    let cfg = SyntheticConfig { symbols: 8, seed: 7, ..SyntheticConfig::default() };
    let ticks: Vec<_> = SyntheticSource::new(cfg).expect("cfg").take(20_000).collect();
    assert_eq!(round_trip(&ticks), ticks);
}

#[test]
fn capture_round_trip_through_a_file() {
    let Some(path) = common::data_file(common::BTCUSDT_CAPTURE) else {
        return;
    };
    let reader = MarketDataReader::open(&path, ReaderOptions::default()).expect("open");
    let ticks = Ticks::new(reader, TickAdapter::new())
        .collect::<Result<Vec<_>, _>>()
        .expect("capture converts without errors");
    assert!(ticks.len() > 93_954, "every line plus derived quotes");
    assert!(ticks.windows(2).all(|w| w[1].seq == w[0].seq + 1));
    assert!(ticks.iter().any(|t| matches!(&t.event, TickEvent::Depth(d) if d.bids.len() > 500)));

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("btcusdt.myc");
    let mut w = RecordingWriter::new(BufWriter::new(std::fs::File::create(&file).expect("create")))
        .expect("header");
    for t in &ticks {
        w.write(t).expect("write");
    }
    w.finish().expect("flush");
    let back = RecordingReader::new(BufReader::new(std::fs::File::open(&file).expect("open")))
        .expect("header")
        .collect::<Result<Vec<_>, _>>()
        .expect("read back");
    assert_eq!(back.len(), ticks.len());
    assert!(back == ticks, "identical tick sequence");
}
