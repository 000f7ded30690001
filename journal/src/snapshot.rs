//! Snapshots: written by a background thread (temp file, fsync, rename, directory
//! fsync), loaded newest-valid-first at recovery, and pruned with the segments they
//! make unneeded.
//!
//! A snapshot file is a file header of kind snapshot whose base sequence is the
//! sequence the state covers, then exactly one record (same frame as the log's) with
//! that sequence and the state as payload.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::durability::Watermark;
use crate::error::{JournalError, SnapshotRefusal, SnapshotRefused};
use crate::format::{self, FileHeader, FileKind, Frame, FILE_HEADER_LEN, RECORD_HEADER_LEN};
use crate::segment::{self, snapshot_path, FileBytes};

/// A loaded snapshot: the state through `seq`.
#[derive(Debug)]
pub struct Snapshot {
    seq: u64,
    path: PathBuf,
    /// The whole file; the state is the payload of its one record.
    data: FileBytes,
    len: usize,
}

impl Snapshot {
    /// The last sequence the state includes; replay resumes after it.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The state as the caller gave it (16-byte aligned, so an rkyv archive can be
    /// accessed in place).
    pub fn bytes(&self) -> &[u8] {
        let start = FILE_HEADER_LEN + RECORD_HEADER_LEN;
        &self.data[start..start + self.len]
    }
}

/// Reads and checks a snapshot file; the error says why it cannot be used.
pub(crate) fn load(path: &Path, max_bytes: u32) -> Result<Snapshot, JournalError> {
    let data = segment::read_file(path)?;
    let header = FileHeader::decode(&data, FileKind::Snapshot, path)?;
    let bad = |reason| JournalError::Corrupt {
        path: path.to_owned(),
        offset: FILE_HEADER_LEN as u64,
        reason,
    };
    match format::check_record(&data, FILE_HEADER_LEN, max_bytes) {
        Frame::Valid { seq, len, next } => {
            if seq != header.base_seq {
                return Err(bad("record sequence differs from the header's"));
            }
            if next != data.len() {
                return Err(bad("bytes after the snapshot record"));
            }
            Ok(Snapshot { seq, path: path.to_owned(), data, len })
        }
        Frame::Invalid(reason) => Err(bad(reason)),
    }
}

/// A snapshot file that recovery could not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedSnapshot {
    /// Where the file now is (renamed with `.invalid` appended, out of the rotation).
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: String,
}

/// Loads the newest valid snapshot of `dir`. Invalid ones newer than it are renamed
/// `*.snap.invalid` (kept for inspection, out of the rotation) and reported.
pub(crate) fn load_newest(
    dir: &Path,
    max_bytes: u32,
) -> Result<(Option<Snapshot>, Vec<SkippedSnapshot>), JournalError> {
    let mut skipped = Vec::new();
    for (_, path) in segment::list(dir, "snap")?.into_iter().rev() {
        match load(&path, max_bytes) {
            Ok(s) => return Ok((Some(s), skipped)),
            Err(e) => {
                let mut renamed = path.clone().into_os_string();
                renamed.push(".invalid");
                let renamed = PathBuf::from(renamed);
                fs::rename(&path, &renamed).map_err(|e| JournalError::io(&path, e))?;
                tracing::warn!(file = %path.display(), reason = %e, "invalid snapshot skipped; falling back to an older one");
                skipped.push(SkippedSnapshot { path: renamed, reason: e.to_string() });
            }
        }
    }
    Ok((None, skipped))
}

struct Request {
    seq: u64,
    state: Vec<u8>,
}

/// The handle on the snapshot thread.
pub(crate) struct SnapshotWriter {
    queue: Option<SnapshotQueue>,
    thread: Option<JoinHandle<()>>,
    /// The first failure, reported by `close`.
    failure: Arc<Mutex<Option<String>>>,
}

/// Where snapshots are queued for the journal's snapshot thread, from any thread: the
/// journal's owner ([`Journal::snapshot`](crate::Journal::snapshot)) or a replica that
/// keeps its own copy of the state off the owner's thread
/// ([`Journal::snapshot_queue`](crate::Journal::snapshot_queue)). The thread writes a
/// snapshot only once the log is durable through its sequence.
#[derive(Clone)]
pub struct SnapshotQueue {
    tx: SyncSender<Request>,
    max_bytes: u32,
}

impl SnapshotQueue {
    fn check(&self, state: Vec<u8>) -> Result<Vec<u8>, SnapshotRefused> {
        if state.len() > self.max_bytes as usize {
            let reason = SnapshotRefusal::TooLarge { len: state.len(), max: self.max_bytes };
            return Err(SnapshotRefused { reason, state });
        }
        Ok(state)
    }

    fn stopped(state: Vec<u8>) -> SnapshotRefused {
        SnapshotRefused {
            reason: SnapshotRefusal::Unavailable("the snapshot thread stopped"),
            state,
        }
    }

    /// Queues the state through `seq` if there is room (one snapshot may wait while
    /// one is written); refused `Busy` otherwise.
    pub fn try_send(&self, seq: u64, state: Vec<u8>) -> Result<(), SnapshotRefused> {
        let state = self.check(state)?;
        self.tx.try_send(Request { seq, state }).map_err(|e| match e {
            TrySendError::Full(r) => {
                SnapshotRefused { reason: SnapshotRefusal::Busy, state: r.state }
            }
            TrySendError::Disconnected(r) => Self::stopped(r.state),
        })
    }

    /// Queues the state through `seq`, waiting for room: for a background thread, never
    /// for one that must not block. `seq` must be a record already appended (a
    /// snapshot is written only once the log is durable through it).
    pub fn send(&self, seq: u64, state: Vec<u8>) -> Result<(), SnapshotRefused> {
        let state = self.check(state)?;
        self.tx.send(Request { seq, state }).map_err(|e| Self::stopped(e.0.state))
    }
}

impl SnapshotWriter {
    pub(crate) fn start(
        dir: &Path,
        watermark: Arc<Watermark>,
        keep: usize,
        max_bytes: u32,
    ) -> Result<Self, JournalError> {
        // One request may wait while one is written; a third is refused (Busy).
        let (tx, rx) = mpsc::sync_channel::<Request>(1);
        let failure = Arc::new(Mutex::new(None));
        let thread = std::thread::Builder::new()
            .name("journal-snapshot".into())
            .spawn({
                let dir = dir.to_owned();
                let failure = failure.clone();
                move || {
                    for req in rx {
                        // Published only once the log holds every record it covers:
                        // otherwise a crash could leave a snapshot ahead of the log.
                        if !watermark.wait_through(req.seq) {
                            return;
                        }
                        match write(&dir, req.seq, &req.state).and_then(|()| prune(&dir, keep)) {
                            Ok(()) => tracing::debug!(seq = req.seq, "snapshot written"),
                            Err(e) => {
                                tracing::error!(seq = req.seq, error = %e, "snapshot failed");
                                failure
                                    .lock()
                                    .unwrap_or_else(|p| p.into_inner())
                                    .get_or_insert(e.to_string());
                            }
                        }
                    }
                }
            })
            .map_err(|e| JournalError::io("journal-snapshot thread", e))?;
        Ok(SnapshotWriter {
            queue: Some(SnapshotQueue { tx, max_bytes }),
            thread: Some(thread),
            failure,
        })
    }

    /// The queue, while the writer is open.
    pub(crate) fn queue(&self) -> Option<&SnapshotQueue> {
        self.queue.as_ref()
    }

    /// Finishes the queued snapshots and stops the thread (once every
    /// [`SnapshotQueue`] handed out is dropped too); reports the first failure.
    pub(crate) fn close(&mut self) -> Result<(), JournalError> {
        self.queue = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        match self.failure.lock().unwrap_or_else(|p| p.into_inner()).take() {
            Some(why) => Err(JournalError::Failed(format!("snapshot: {why}"))),
            None => Ok(()),
        }
    }
}

impl Drop for SnapshotWriter {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

/// Writes the snapshot of `seq` to a temp file, syncs it, renames it into place and
/// syncs the directory: a crash leaves either the whole file or none.
fn write(dir: &Path, seq: u64, state: &[u8]) -> Result<(), JournalError> {
    let path = snapshot_path(dir, seq);
    let mut tmp = path.clone().into_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut bytes = Vec::with_capacity(FILE_HEADER_LEN + format::framed_len(state.len()));
    bytes.extend_from_slice(&FileHeader { kind: FileKind::Snapshot, base_seq: seq }.encode());
    let start = format::begin_record(&mut bytes);
    bytes.extend_from_slice(state);
    format::seal_record(&mut bytes, start, seq, u32::MAX)?;
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)
        .map_err(|e| JournalError::io(&tmp, e))?;
    file.write_all(&bytes).and_then(|()| file.sync_all()).map_err(|e| JournalError::io(&tmp, e))?;
    fs::rename(&tmp, &path).map_err(|e| JournalError::io(&path, e))?;
    crate::writer::sync_dir(dir)
}

/// Keeps the newest `keep` snapshots, and deletes the segments whose every record the
/// oldest kept snapshot covers (once there are `keep`, so each has a fallback). The newest segment is never deleted (it is being
/// written).
pub(crate) fn prune(dir: &Path, keep: usize) -> Result<(), JournalError> {
    let snaps = segment::list(dir, "snap")?;
    let keep = keep.max(1);
    if snaps.len() > keep {
        for (seq, path) in &snaps[..snaps.len() - keep] {
            fs::remove_file(path).map_err(|e| JournalError::io(path, e))?;
            tracing::debug!(seq, "old snapshot deleted");
        }
    }
    // Until `keep` snapshots exist, the log from its start is the fallback of the
    // oldest: nothing is deleted.
    let Some(&(oldest_kept, _)) = snaps.len().checked_sub(keep).and_then(|i| snaps.get(i)) else {
        return Ok(());
    };
    let segments = segment::list(dir, "log")?;
    for pair in segments.windows(2) {
        let (_, path) = &pair[0];
        let (next_base, _) = pair[1];
        // Every record of this segment is below the next one's base.
        if next_base > oldest_kept + 1 {
            break;
        }
        fs::remove_file(path).map_err(|e| JournalError::io(path, e))?;
        tracing::debug!(file = %path.display(), "segment covered by a snapshot deleted");
    }
    Ok(())
}
