//! [`Journal`]: the writer's handle. Append, commit, and release acknowledgements at the
//! durable watermark.

use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::watch;

use crate::codec::Codec;
use crate::durability::{Durability, Durable, FdataSync, SyncHook, Watermark};
use crate::error::{JournalError, SnapshotRefusal, SnapshotRefused};
use crate::format;
use crate::group_commit::GroupCommit;
use crate::mapped::MappedWriter;
use crate::recovery::{self, Recovery, TailAt};
use crate::snapshot::{SnapshotQueue, SnapshotWriter};
use crate::writer::SegmentWriter;

/// How a journal is opened.
#[derive(Clone)]
pub struct Options {
    /// When a committed record counts as durable.
    pub durability: Durability,
    /// A segment is closed and a new one started at the first commit after it reaches
    /// this size. Smaller segments let snapshots free space sooner.
    pub segment_bytes: u64,
    /// The largest record payload accepted, written or read.
    pub max_record_bytes: u32,
    /// The largest snapshot accepted, written or read.
    pub max_snapshot_bytes: u32,
    /// `fsync` mode: how far (bytes) commits may run ahead of the disk before `commit`
    /// waits for the writer thread. Bounds memory when the disk cannot keep up.
    pub max_pending_bytes: usize,
    /// How many snapshots are kept; segments older than the oldest kept are deleted.
    pub keep_snapshots: usize,
    /// How `fsync` mode syncs a batch (`fdatasync` unless a test replaces it).
    pub sync: Arc<dyn SyncHook>,
}

impl Options {
    /// Defaults for `durability`: 16 MiB segments, 16 MiB records, 1 GiB snapshots,
    /// 64 MiB of pending commits, two snapshots kept, `fdatasync`.
    pub fn new(durability: Durability) -> Self {
        Options {
            durability,
            segment_bytes: 16 << 20,
            max_record_bytes: 16 << 20,
            max_snapshot_bytes: 1 << 30,
            max_pending_bytes: 64 << 20,
            keep_snapshots: 2,
            sync: Arc::new(FdataSync),
        }
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("durability", &self.durability)
            .field("segment_bytes", &self.segment_bytes)
            .field("max_record_bytes", &self.max_record_bytes)
            .field("max_snapshot_bytes", &self.max_snapshot_bytes)
            .field("max_pending_bytes", &self.max_pending_bytes)
            .field("keep_snapshots", &self.keep_snapshots)
            .finish_non_exhaustive()
    }
}

/// Where committed batches go.
enum Sink {
    Off,
    /// `process` mode: copied into the mapped segment on the caller's thread. `None`
    /// once a write failed.
    Process(Option<MappedWriter>),
    Fsync(GroupCommit),
}

/// An open journal: the single writer of its directory.
///
/// Records are appended into an in-memory batch ([`append`](Self::append), tens of
/// nanoseconds, no syscall) and made durable per the mode by [`commit`](Self::commit).
/// An acknowledgement for a record may be released once
/// [`durable_through`](Self::durable_through) has reached its sequence: at once after
/// `commit` in `off` and `process` modes, when its group-commit batch is synced in
/// `fsync` mode (without the caller's thread ever waiting on the disk).
pub struct Journal<C: Codec> {
    dir: PathBuf,
    options: Options,
    batch: Vec<u8>,
    /// The first sequence in `batch` (when it is not empty).
    batch_first: u64,
    next_seq: u64,
    /// The last sequence handed to the sink by `commit`.
    committed: u64,
    sink: Sink,
    watermark: Arc<Watermark>,
    snapshots: Option<SnapshotWriter>,
    /// Held for the journal's life: a second writer would interleave records.
    _lock: Option<File>,
    _codec: PhantomData<fn(&C::Item)>,
}

impl<C: Codec> Journal<C> {
    /// Opens (creating if needed) the journal in `dir` and recovers it: the returned
    /// [`Recovery`] holds the snapshot and the records to replay before appending more.
    /// In `off` mode the directory is neither read nor written.
    pub fn open(dir: impl AsRef<Path>, options: Options) -> Result<(Self, Recovery), JournalError> {
        let dir = dir.as_ref().to_owned();
        let (recovery, tail_at, lock) = if options.durability == Durability::Off {
            (Recovery::empty(), None, None)
        } else {
            std::fs::create_dir_all(&dir).map_err(|e| JournalError::io(&dir, e))?;
            let lock = lock_dir(&dir)?;
            let (recovery, tail_at) =
                recovery::recover(&dir, options.max_record_bytes, options.max_snapshot_bytes)?;
            (recovery, Some(tail_at), Some(lock))
        };
        let last = recovery.next_seq() - 1;
        let watermark = Arc::new(Watermark::new(last));
        let seg = options.segment_bytes;
        let sink = match (options.durability, tail_at) {
            (Durability::Fsync, Some(at)) => {
                let writer = match at {
                    TailAt::Reopen(path, len) => SegmentWriter::reopen(&dir, path, len, seg)?,
                    TailAt::Create(base) => SegmentWriter::create(&dir, base, seg)?,
                };
                let group = GroupCommit::start(
                    writer,
                    options.sync.clone(),
                    watermark.clone(),
                    options.max_pending_bytes,
                )?;
                Sink::Fsync(group)
            }
            (Durability::Process, Some(at)) => Sink::Process(Some(match at {
                TailAt::Reopen(path, len) => MappedWriter::reopen(&dir, path, len, seg)?,
                TailAt::Create(base) => MappedWriter::create(&dir, base, seg)?,
            })),
            _ => Sink::Off,
        };
        let snapshots = match options.durability {
            Durability::Off => None,
            _ => Some(SnapshotWriter::start(
                &dir,
                watermark.clone(),
                options.keep_snapshots,
                options.max_snapshot_bytes,
            )?),
        };
        let journal = Journal {
            dir,
            options,
            batch: Vec::with_capacity(64 << 10),
            batch_first: last + 1,
            next_seq: last + 1,
            committed: last,
            sink,
            watermark,
            snapshots,
            _lock: lock,
            _codec: PhantomData,
        };
        Ok((journal, recovery))
    }

    /// Appends `item` to the current batch and returns its sequence number. Nothing is
    /// durable, and no acknowledgement for it may be released, before a
    /// [`commit`](Self::commit) and the watermark passing it. An item that cannot be
    /// encoded or is too large is refused and takes no sequence number.
    #[inline]
    pub fn append(&mut self, item: &C::Item) -> Result<u64, JournalError> {
        let seq = self.next_seq;
        if !matches!(self.sink, Sink::Off) {
            if self.watermark.has_failed() {
                return Err(JournalError::Failed("an earlier write or sync failed".into()));
            }
            let start = format::begin_record(&mut self.batch);
            if let Err(e) = C::encode(item, &mut self.batch) {
                self.batch.truncate(start);
                return Err(JournalError::Encode(e));
            }
            format::seal_record(&mut self.batch, start, seq, self.options.max_record_bytes)?;
            if self.batch.len() >= self.options.max_pending_bytes {
                // A caller that never commits must not grow the batch without bound;
                // committing early is never less durable.
                self.next_seq += 1;
                self.commit()?;
                return Ok(seq);
            }
        }
        self.next_seq += 1;
        Ok(seq)
    }

    /// Makes every appended record durable per the mode: `process` copies the batch
    /// into the mapped segment (the page cache) before returning; `fsync` hands it to
    /// the group-commit thread and returns at once (the watermark moves when it is
    /// synced); `off` only moves the watermark.
    pub fn commit(&mut self) -> Result<(), JournalError> {
        let last = self.next_seq - 1;
        if last == self.committed {
            return Ok(());
        }
        match &mut self.sink {
            Sink::Off => self.watermark.advance(last),
            Sink::Process(slot) => {
                let Some(writer) = slot else {
                    return Err(JournalError::Failed("an earlier write failed".into()));
                };
                if let Err(e) = writer.write(&self.batch, self.batch_first) {
                    // The file may hold part of the batch: write nothing more.
                    *slot = None;
                    self.watermark.fail();
                    return Err(e);
                }
                self.batch.clear();
                self.watermark.advance(last);
            }
            Sink::Fsync(group) => group.submit(&mut self.batch, self.batch_first, last)?,
        }
        self.committed = last;
        self.batch_first = last + 1;
        Ok(())
    }

    /// The highest sequence whose acknowledgement may be released.
    #[inline]
    pub fn durable_through(&self) -> u64 {
        self.watermark.get()
    }

    /// Blocks the calling thread until every committed record is durable (at once
    /// in `off` and `process` modes; in `fsync` mode, until its batch is synced, a
    /// few milliseconds): for a reader of the files that must see all of them. False
    /// if a write or sync failed.
    pub fn wait_durable(&self) -> bool {
        self.watermark.wait_through(self.committed)
    }

    /// A receiver of the durable watermark (and of a failure), for an async task that
    /// releases acknowledgements (or tells an actor to) as it moves.
    pub fn subscribe(&self) -> watch::Receiver<Durable> {
        self.watermark.subscribe()
    }

    /// The sequence of the last appended record (0 before the first).
    pub fn last_seq(&self) -> u64 {
        self.next_seq - 1
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The options it was opened with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Whether a write or sync failed: nothing more will be durable; reopen to go on.
    pub fn has_failed(&self) -> bool {
        self.watermark.has_failed()
    }

    /// Queues a snapshot of the caller's state as of record `seq` (every record up to
    /// and including it applied, none after). A background thread writes it once the
    /// log is durable through `seq`, so appends never wait on it. Refused, with the
    /// state handed back, when `seq` is not committed yet, when two snapshots are
    /// already queued, or in `off` mode.
    pub fn snapshot(&mut self, seq: u64, state: Vec<u8>) -> Result<(), SnapshotRefused> {
        let Some(writer) = &self.snapshots else {
            return Err(SnapshotRefused {
                reason: SnapshotRefusal::Unavailable("durability off"),
                state,
            });
        };
        if self.has_failed() {
            return Err(SnapshotRefused {
                reason: SnapshotRefusal::Unavailable("the journal failed"),
                state,
            });
        }
        if seq > self.committed {
            let reason = SnapshotRefusal::Ahead { seq, committed: self.committed };
            return Err(SnapshotRefused { reason, state });
        }
        match writer.queue() {
            Some(queue) => queue.try_send(seq, state),
            None => Err(SnapshotRefused { reason: SnapshotRefusal::Unavailable("closed"), state }),
        }
    }

    /// A handle for queuing snapshots from another thread: one that keeps its own copy
    /// of the state by replaying this journal's records (read with
    /// [`Reader::visit_range`](crate::Reader::visit_range)) and encodes it there, so
    /// the owner's thread never stalls for a snapshot. `None` in `off` mode. The
    /// handle must be dropped before [`close`](Self::close), which waits for it.
    pub fn snapshot_queue(&self) -> Option<SnapshotQueue> {
        self.snapshots.as_ref().and_then(|w| w.queue()).cloned()
    }

    /// Commits what is appended, waits until it is durable and the queued snapshots
    /// are written, and closes the journal.
    pub fn close(mut self) -> Result<(), JournalError> {
        self.commit()?;
        match std::mem::replace(&mut self.sink, Sink::Off) {
            Sink::Fsync(mut group) => group.close()?,
            Sink::Process(Some(writer)) => writer.close()?,
            _ => {}
        }
        if let Some(s) = &mut self.snapshots {
            s.close()?;
        }
        Ok(())
    }
}

impl<C: Codec> fmt::Debug for Journal<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Journal")
            .field("dir", &self.dir)
            .field("durability", &self.options.durability)
            .field("last_seq", &self.last_seq())
            .field("durable_through", &self.durable_through())
            .finish_non_exhaustive()
    }
}

/// Takes the directory's lock file (released by the OS when the process dies).
fn lock_dir(dir: &Path) -> Result<File, JournalError> {
    let path = dir.join("LOCK");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| JournalError::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(JournalError::Locked { dir: dir.to_owned() }),
        Err(TryLockError::Error(e)) => Err(JournalError::io(&path, e)),
    }
}
