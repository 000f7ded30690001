//! Tick sources: [`TickSource`], the feed's input; opening one by path (any recorded
//! format, or a recording); merging several by exchange time.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use crate::adapter::{TickAdapter, TickError, Ticks};
use crate::prefetch::{prefetch, read_ahead};
use crate::readers::{Counted, MarketDataReader, ReadError, ReaderOptions};
use crate::recording::{RecordingReader, MAGIC};
use crate::tick::MarketTick;

/// A boxed source of ticks: synthetic, a recorded file, a recording, several merged.
pub type TickSource = Box<dyn Iterator<Item = Result<MarketTick, TickError>> + Send>;

/// Opens `path` as a tick source: a recording in the project's binary format
/// (recognized by its magic bytes), else recorded market data in any format the
/// readers know (per `options`). With `options.background_decompression` (the
/// default), the file is also read ahead on helper threads ([`prefetch`]): a
/// recording on one, other formats parsed on one and put through the book on another.
pub fn open_source(path: &Path, options: &ReaderOptions) -> Result<TickSource, TickError> {
    let ahead = options.background_decompression;
    if is_recording(path) {
        let source = open_recording(path, options.bytes_read.clone())?;
        return Ok(if ahead { prefetch(source, "md-prefetch") } else { source });
    }
    let reader = MarketDataReader::open(path, options.clone())?;
    if !ahead {
        return Ok(Box::new(Ticks::new(reader, TickAdapter::new())));
    }
    // Parsing (JSON or CSV, decimals) and the book each take about half of a line's
    // cost: one thread each, beside the decompressing one, so a replay of a
    // compressed capture keeps both cores busy.
    let events = read_ahead(
        Box::new(reader.map(|event| event.map_err(TickError::from))),
        "md-parse",
        |why| Err(TickError::SourcePanicked(why)),
    );
    Ok(prefetch(Box::new(Ticks::new(events, TickAdapter::new())), "md-book"))
}

fn open_recording(path: &Path, counter: Option<Arc<AtomicU64>>) -> Result<TickSource, TickError> {
    let file =
        File::open(path).map_err(|e| ReadError::Open { path: path.to_owned(), source: e })?;
    match counter {
        Some(counter) => read_recording(path, Counted { inner: file, counter }),
        None => read_recording(path, file),
    }
}

fn read_recording<R: Read + Send + 'static>(path: &Path, file: R) -> Result<TickSource, TickError> {
    let owned: PathBuf = path.to_owned();
    let reader = RecordingReader::new(file)
        .map_err(|error| TickError::Recording { path: owned.clone(), error })?;
    Ok(Box::new(
        reader.map(move |r| r.map_err(|error| TickError::Recording { path: owned.clone(), error })),
    ))
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
