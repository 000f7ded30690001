//! [`prefetch`]: a tick source read ahead on a helper thread.
//!
//! Reading recorded data (decompress, parse, maintain the book, or validate and
//! decode a recording) costs more per event than publishing it; on a helper thread
//! it overlaps with the feed, so a replay uses two cores. [`read_ahead`] is the same
//! for any iterator: the recorded-data path uses it twice, parsing on one thread and
//! maintaining the book on another. Ticks travel in batches
//! over a small bounded channel (the thread never runs more than a few batches
//! ahead, so memory stays bounded), and emptied batches go back to be refilled, so a
//! warm prefetcher allocates nothing per batch. Order is kept, errors included.

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, SyncSender};

use crate::adapter::TickError;
use crate::source::TickSource;

/// Ticks per batch: large enough that the channel costs nothing per tick, small
/// enough that the first tick waits for little.
const BATCH: usize = 1024;
/// Batches in flight between the thread and the reader.
const IN_FLIGHT: usize = 4;

type Batch<T> = VecDeque<T>;

/// Runs `source` on a helper thread named `name`, reading ahead. If the thread
/// cannot be started, `source` is returned as it is.
pub fn prefetch(source: TickSource, name: &str) -> TickSource {
    read_ahead(source, name, |why| Err(TickError::SourcePanicked(why)))
}

/// Runs any `source` on a helper thread named `name`, reading ahead, in order. A
/// panic in the source ends it with the item `on_panic` makes of the panic message.
/// If the thread cannot be started, `source` is returned as it is.
pub fn read_ahead<T: Send + 'static>(
    source: Box<dyn Iterator<Item = T> + Send>,
    name: &str,
    on_panic: fn(String) -> T,
) -> Box<dyn Iterator<Item = T> + Send> {
    let (full_tx, full_rx) = mpsc::sync_channel::<Batch<T>>(IN_FLIGHT);
    let (empty_tx, empty_rx) = mpsc::sync_channel::<Batch<T>>(IN_FLIGHT + 1);
    let slot = std::sync::Arc::new(std::sync::Mutex::new(Some(source)));
    let theirs = slot.clone();
    let spawned = std::thread::Builder::new().name(name.to_owned()).spawn(move || {
        let source = theirs.lock().ok().and_then(|mut s| s.take());
        if let Some(source) = source {
            fill(source, &full_tx, &empty_rx, on_panic);
        }
    });
    match spawned {
        Ok(_) => Box::new(Prefetched { full: full_rx, empty: empty_tx, current: VecDeque::new() }),
        Err(e) => {
            tracing::warn!(error = %e, "cannot start a prefetch thread: reading in line");
            let source = slot.lock().ok().and_then(|mut s| s.take());
            source.unwrap_or_else(|| Box::new(std::iter::empty()))
        }
    }
}

/// The helper thread: fill batches until the source ends or the reader is gone. A
/// panic in the source ends the data with the item `on_panic` makes of it.
fn fill<T>(
    mut source: Box<dyn Iterator<Item = T> + Send>,
    full: &SyncSender<Batch<T>>,
    empty: &Receiver<Batch<T>>,
    on_panic: fn(String) -> T,
) {
    loop {
        let mut batch = empty.try_recv().unwrap_or_else(|_| VecDeque::with_capacity(BATCH));
        batch.clear();
        // One unwind guard a batch, not an item: what was read before a panic is in
        // `batch` and still delivered, ahead of the panic's item.
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            while batch.len() < BATCH {
                match source.next() {
                    Some(item) => batch.push_back(item),
                    None => return true,
                }
            }
            false
        }));
        let ended = read.unwrap_or_else(|panic| {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".to_owned());
            batch.push_back(on_panic(why));
            true
        });
        if (!batch.is_empty() && full.send(batch).is_err()) || ended {
            return;
        }
    }
}

struct Prefetched<T> {
    full: Receiver<Batch<T>>,
    empty: SyncSender<Batch<T>>,
    current: Batch<T>,
}

impl<T> Iterator for Prefetched<T> {
    type Item = T;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.current.pop_front() {
                return Some(item);
            }
            // Hand the emptied batch back (if the thread has enough, drop it) and
            // take the next; the channel closes when the source has ended.
            let next = self.full.recv().ok()?;
            let done = std::mem::replace(&mut self.current, next);
            let _ = self.empty.try_send(done);
        }
    }
}
