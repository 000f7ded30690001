//! Shared helpers for the integration tests: locating the real data files.

#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

/// The shared data folder: `$MYCELIUM_DATA_DIR`, else `../shared/data` beside the
/// workspace. `None` (after printing why) when it is absent.
pub fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("MYCELIUM_DATA_DIR").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data"))
    });
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: {} not found (set MYCELIUM_DATA_DIR)", dir.display());
        None
    }
}

/// A file in the data folder, or `None` (after printing why) when it is absent.
pub fn data_file(name: &str) -> Option<PathBuf> {
    let path = data_dir()?.join(name);
    if path.is_file() {
        Some(path)
    } else {
        println!("skipped: {} not found (set MYCELIUM_DATA_DIR)", path.display());
        None
    }
}

/// The main Binance USD-M capture.
pub const BTCUSDT_CAPTURE: &str = "hftbacktest_binance-usdm_BTCUSDT_20240808.jsonl.gz";

/// Reads a whole recording: its tick count, or the first error.
pub fn read_recording(bytes: Vec<u8>) -> Result<u64, mycelium_market_data::RecordingError> {
    let mut n = 0;
    for t in mycelium_market_data::RecordingReader::new(std::io::Cursor::new(bytes))? {
        t?;
        n += 1;
    }
    Ok(n)
}
