//! Indicative reader throughput: `cargo run --release -p mycelium-market-data --example
//! read_speed [FILE]` (default: the Binance capture in `$MYCELIUM_DATA_DIR`): the
//! file's reader, and the reader of its binary recording (ten copies, back to back).

use std::path::PathBuf;
use std::time::Instant;

use mycelium_market_data::{
    MarketDataReader, ReaderOptions, RecordingReader, RecordingWriter, TickAdapter, Ticks,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args_os().nth(1).map(PathBuf::from).unwrap_or_else(|| {
        std::env::var_os("MYCELIUM_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data"))
            })
            .join("hftbacktest_binance-usdm_BTCUSDT_20240808.jsonl.gz")
    });
    let mut best = f64::MAX;
    let mut lines = 0;
    for _ in 0..5 {
        let start = Instant::now();
        let mut reader = MarketDataReader::open(&path, ReaderOptions::default())?;
        let mut events = 0u64;
        for ev in reader.by_ref() {
            ev?;
            events += 1;
        }
        best = best.min(start.elapsed().as_secs_f64());
        lines = reader.lines_read();
        assert!(events > 0);
    }
    // Baseline: gunzip and split lines only, no parsing.
    let mut base = f64::MAX;
    for _ in 0..5 {
        use std::io::BufRead;
        let start = Instant::now();
        let file = std::io::BufReader::new(std::fs::File::open(&path)?);
        let mut input = std::io::BufReader::with_capacity(
            256 * 1024,
            flate2::bufread::MultiGzDecoder::new(file),
        );
        let mut buf = Vec::new();
        while {
            buf.clear();
            input.read_until(b'\n', &mut buf)? > 0
        } {}
        base = base.min(start.elapsed().as_secs_f64());
    }
    println!("gunzip + line split only: {:.1} ms", base * 1e3);
    println!(
        "{}: {lines} lines in {:.1} ms (best of 5) = {:.0} lines/s",
        path.display(),
        best * 1e3,
        lines as f64 / best
    );
    recording(&path)
}

/// Records the file's ticks ten times over into one in-memory recording and reads it
/// back: the recording reader's own cost (validation, deserialization, checksum).
fn recording(path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let reader = MarketDataReader::open(path, ReaderOptions::default())?;
    let ticks = Ticks::new(reader, TickAdapter::new()).collect::<Result<Vec<_>, _>>()?;
    let mut writer = RecordingWriter::new(Vec::new())?;
    for _ in 0..10 {
        for tick in &ticks {
            writer.write(tick)?;
        }
    }
    let bytes = writer.finish()?;
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let mut n = 0u64;
        for tick in RecordingReader::new(std::io::Cursor::new(&bytes))? {
            std::hint::black_box(tick?);
            n += 1;
        }
        assert_eq!(n, ticks.len() as u64 * 10);
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "its recording, x10: {} ticks ({} MB) in {:.1} ms (best of 5) = {:.2}M ticks/s",
        ticks.len() * 10,
        bytes.len() / 1_000_000,
        best * 1e3,
        (ticks.len() * 10) as f64 / best / 1e6
    );
    Ok(())
}
