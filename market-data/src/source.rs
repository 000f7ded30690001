//! Opening tick sources by path, and merging several by exchange time.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::adapter::{TickAdapter, TickError, Ticks};
use crate::feed::TickSource;
use crate::prefetch::prefetch;
use crate::readers::{MarketDataReader, ReadError, ReaderOptions};
use crate::recording::{RecordingReader, MAGIC};
use crate::tick::MarketTick;

/// Opens `path` as a tick source: a recording in the project's binary format
/// (recognized by its magic bytes), else recorded market data in any format the
/// readers know (per `options`). With `options.background_decompression` (the
/// default), the file is also read ahead on a helper thread ([`prefetch`]).
pub fn open_source(path: &Path, options: &ReaderOptions) -> Result<TickSource, TickError> {
    let source = open_in_line(path, options)?;
    Ok(if options.background_decompression { prefetch(source, "md-prefetch") } else { source })
}

fn open_in_line(path: &Path, options: &ReaderOptions) -> Result<TickSource, TickError> {
    if is_recording(path) {
        let file =
            File::open(path).map_err(|e| ReadError::Open { path: path.to_owned(), source: e })?;
        let owned: PathBuf = path.to_owned();
        let reader = RecordingReader::new(BufReader::new(file))
            .map_err(|error| TickError::Recording { path: owned.clone(), error })?;
        return Ok(Box::new(reader.map(move |r| {
            r.map_err(|error| TickError::Recording { path: owned.clone(), error })
        })));
    }
    let reader = MarketDataReader::open(path, options.clone())?;
    Ok(Box::new(Ticks::new(reader, TickAdapter::new())))
}

fn is_recording(path: &Path) -> bool {
    let mut magic = [0u8; 8];
    File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok_and(|()| magic == MAGIC)
}

/// Merges sources into one, in exchange-time order; ties go to the source listed
/// first, so the order is the same on every run. Errors pass through at once.
pub fn merge(sources: Vec<TickSource>) -> TickSource {
    if sources.len() == 1 {
        if let Some(only) = sources.into_iter().next() {
            return only;
        }
        return Box::new(std::iter::empty());
    }
    Box::new(Merge { heads: sources.into_iter().map(|s| (s.fuse(), None)).collect() })
}

struct Merge {
    /// Each source with its next tick, read ahead.
    heads: Vec<(std::iter::Fuse<TickSource>, Option<MarketTick>)>,
}

impl Iterator for Merge {
    type Item = Result<MarketTick, TickError>;

    fn next(&mut self) -> Option<Self::Item> {
        for (source, head) in &mut self.heads {
            if head.is_none() {
                match source.next() {
                    Some(Ok(tick)) => *head = Some(tick),
                    Some(Err(e)) => return Some(Err(e)),
                    None => {}
                }
            }
        }
        let earliest = self
            .heads
            .iter()
            .enumerate()
            .filter_map(|(i, (_, h))| h.as_ref().map(|t| (t.exchange_ts_ns, i)))
            .min()?;
        self.heads[earliest.1].1.take().map(Ok)
    }
}
