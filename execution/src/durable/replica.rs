//! [`Replica`]: a second copy of the books, kept on a thread of its own by replaying
//! the journal's records from disk, which encodes the snapshots so that execution's
//! thread never does (encoding the books takes milliseconds and grows with them).
//!
//! Execution only asks for a snapshot through a sequence it has committed; the replica
//! reads the records it has not applied yet up to that sequence (the same inputs in the
//! same order, so the same books: the engine is deterministic), encodes its books and
//! queues them for the journal's snapshot thread. Between requests it does nothing. It
//! costs a second copy of the books in memory and, per snapshot, the replay of the
//! inputs since the last one on another core.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use mycelium_journal::{Codec, JournalError, Reader, Rkyv, SnapshotQueue};
use rkyv::util::AlignedVec;

use super::{Books, Input};

/// The handle on the replica's thread.
pub(super) struct Replica {
    tx: Option<SyncSender<u64>>,
    thread: Option<JoinHandle<()>>,
    /// Inputs between snapshots.
    interval: u64,
    /// The sequence of the last snapshot (the recovered one at start).
    last: u64,
}

/// Why catching up stopped short.
enum Stop {
    Journal(JournalError),
    Decode { seq: u64, error: String },
}

impl From<JournalError> for Stop {
    fn from(e: JournalError) -> Self {
        Stop::Journal(e)
    }
}

impl Replica {
    /// Starts the replica on the journal in `dir`, taking a snapshot every `interval`
    /// inputs, from the snapshot execution recovered from (`(seq, bytes)`), or from
    /// empty books at sequence 0, with the log written through `last`. The books are
    /// restored on the replica's thread, at its first request.
    pub(super) fn start(
        dir: PathBuf,
        from: Option<(u64, AlignedVec<16>)>,
        queue: SnapshotQueue,
        interval: u64,
        last: u64,
    ) -> std::io::Result<Self> {
        // One request may wait while one is served; execution skips a snapshot rather
        // than wait.
        let (tx, rx) = mpsc::sync_channel::<u64>(1);
        let thread = std::thread::Builder::new()
            .name("execution-replica".into())
            .spawn(move || serve(&dir, from, &queue, &rx))?;
        Ok(Self { tx: Some(tx), thread: Some(thread), interval, last })
    }

    /// Asks for a snapshot through `durable` (the journal's durable sequence) when
    /// `interval` inputs have become durable since the last one. If the replica is
    /// still busy with the last one (or has stopped), it is asked again at a later
    /// call.
    pub(super) fn request_if_due(&mut self, durable: u64) {
        let asked = durable - self.last >= self.interval
            && self.tx.as_ref().is_some_and(|tx| tx.try_send(durable).is_ok());
        if asked {
            self.last = durable;
        }
    }

    /// Lets the replica finish what it was asked and stops it.
    pub(super) fn close(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.close();
    }
}

/// The replica's thread: for each sequence asked, catches up to it and queues a
/// snapshot of its books. Stops (no more snapshots, said once) at the first error.
fn serve(
    dir: &Path,
    from: Option<(u64, AlignedVec<16>)>,
    queue: &SnapshotQueue,
    rx: &Receiver<u64>,
) {
    let mut at = from.as_ref().map_or(0, |(seq, _)| *seq);
    let mut books = None;
    for target in rx {
        if books.is_none() {
            match Books::recovered(from.as_ref().map(|(_, bytes)| &bytes[..])) {
                Ok(b) => books = Some(b),
                Err(e) => {
                    tracing::error!(%e, "execution replica stopped: no snapshots");
                    return;
                }
            }
        }
        let Some(books) = books.as_mut() else { return };
        if let Err(why) = catch_up(dir, books, &mut at, target) {
            tracing::error!(at, target, %why, "execution replica stopped: no snapshots");
            return;
        }
        let started = std::time::Instant::now();
        match books.snapshot() {
            Ok(state) => {
                let (bytes, encode_us) = (state.len(), started.elapsed().as_micros());
                tracing::debug!(seq = target, bytes, encode_us, "execution snapshot queued");
                if let Err(refused) = queue.send(target, state) {
                    tracing::warn!(%refused, "execution snapshot not taken");
                }
            }
            Err(e) => tracing::warn!(%e, "execution snapshot not taken"),
        }
    }
}

/// Applies the records after `at` up to `target` to `books`.
fn catch_up(dir: &Path, books: &mut Books, at: &mut u64, target: u64) -> Result<(), String> {
    if *at >= target {
        return Ok(());
    }
    let reader = Reader::open(dir).map_err(|e| e.to_string())?;
    let result = reader.visit_range(*at, target, |r| {
        let input =
            Rkyv::<Input>::decode(r.payload).map_err(|error| Stop::Decode { seq: r.seq, error })?;
        books.apply(&input);
        *at = r.seq;
        Ok(())
    });
    match result {
        Ok(_) if *at == target => Ok(()),
        Ok(_) => Err(format!("the journal ends at {at}, before {target}")),
        Err(Stop::Journal(e)) => Err(e.to_string()),
        Err(Stop::Decode { seq, error }) => Err(format!("record {seq}: {error}")),
    }
}
