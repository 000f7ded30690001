//! Indicative reader throughput: `cargo run --release -p mycelium-market-data --example
//! read_speed [FILE]` (default: the Binance capture in `$MYCELIUM_DATA_DIR`).

use std::path::PathBuf;
use std::time::Instant;

use mycelium_market_data::{MarketDataReader, ReaderOptions};

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
    Ok(())
}
