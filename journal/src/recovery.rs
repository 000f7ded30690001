//! Opening a journal directory: the newest valid snapshot, then every record after it,
//! checked; a torn tail is cut from the file and reported; damage is an error.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};

use crate::codec::Codec;
use crate::error::JournalError;
use crate::format::FILE_HEADER_LEN;
use crate::segment::{self, FileBytes, RecordRef, Records, TornTail};
use crate::snapshot::{self, SkippedSnapshot, Snapshot};

/// What recovery found: the state to start from and the records to replay on it.
#[derive(Debug, Default)]
pub struct Recovery {
    snapshot: Option<Snapshot>,
    tail: Vec<Tail>,
    replay_len: u64,
    next_seq: u64,
    torn: Option<TornTail>,
    skipped: Vec<SkippedSnapshot>,
}

/// The part of one segment that replay reads.
#[derive(Debug)]
struct Tail {
    data: FileBytes,
    start: usize,
    end: usize,
}

impl Recovery {
    /// Nothing to recover: a new journal, or durability `off`.
    pub(crate) fn empty() -> Self {
        Recovery { next_seq: 1, ..Recovery::default() }
    }

    /// The snapshot to start from, if any: apply it first, then [`records`](Self::records).
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snapshot.as_ref()
    }

    /// The records after the snapshot (or all of them), in sequence order, checked.
    pub fn records(&self) -> impl Iterator<Item = RecordRef<'_>> + '_ {
        self.tail.iter().flat_map(|t| Records::new(&t.data, t.start, t.end))
    }

    /// The same records decoded by `C`, with their sequence numbers.
    pub fn decode<C: Codec>(
        &self,
    ) -> impl Iterator<Item = Result<(u64, C::Owned), JournalError>> + '_ {
        self.records().map(|r| {
            C::decode(r.payload)
                .map(|item| (r.seq, item))
                .map_err(|reason| JournalError::Decode { seq: r.seq, reason })
        })
    }

    /// How many records [`records`](Self::records) yields.
    pub fn replay_len(&self) -> u64 {
        self.replay_len
    }

    /// The sequence the next append gets.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The torn tail that was cut from the log, if there was one.
    pub fn torn_tail(&self) -> Option<&TornTail> {
        self.torn.as_ref()
    }

    /// Snapshots newer than the one used that were invalid, with why.
    pub fn skipped_snapshots(&self) -> &[SkippedSnapshot] {
        &self.skipped
    }
}

/// Where appends go on after recovery.
pub(crate) enum TailAt {
    /// This segment, whose records end at this offset (the file is cut there).
    Reopen(PathBuf, u64),
    /// A new segment starting at this sequence.
    Create(u64),
}

/// Recovers `dir` (which exists and is locked): the state to start from, and where
/// appends go on.
pub(crate) fn recover(
    dir: &Path,
    max_record: u32,
    max_snapshot: u32,
) -> Result<(Recovery, TailAt), JournalError> {
    remove_temp_files(dir)?;
    let (snapshot, skipped) = snapshot::load_newest(dir, max_snapshot)?;
    let covered = snapshot.as_ref().map_or(0, Snapshot::seq);
    let segments = segment::list(dir, "log")?;
    let Some(first) = segments.iter().rposition(|(base, _)| *base <= covered + 1) else {
        if let Some((base, _)) = segments.first() {
            return Err(JournalError::MissingHistory {
                dir: dir.to_owned(),
                needed: covered + 1,
                first: *base,
            });
        }
        if covered > 0 {
            return Err(JournalError::SnapshotAheadOfLog {
                dir: dir.to_owned(),
                snapshot: covered,
                log_end: 0,
            });
        }
        let recovery = Recovery { skipped, ..Recovery::empty() };
        return Ok((recovery, TailAt::Create(1)));
    };

    let mut tail = Vec::new();
    let mut replay_len = 0;
    let mut torn = None;
    let mut expected = segments[first].0;
    let mut writer_at = None;
    segment::scan_chain(&segments[first..], max_record, u64::MAX, |s| {
        if let Some(t) = &s.scan.torn {
            cut_to(&t.path, t.offset)?;
            tracing::warn!(
                file = %t.path.display(),
                offset = t.offset,
                dropped_bytes = t.dropped_bytes,
                reason = t.reason,
                "torn tail cut from the journal"
            );
            torn = Some(t.clone());
        }
        expected = s.scan.last_seq() + 1;
        // Records the snapshot covers are checked (by the scan) but not replayed.
        let start = Records::new(&s.data, FILE_HEADER_LEN, s.scan.valid_end)
            .find(|r| r.seq > covered)
            .map_or(s.scan.valid_end, |r| r.offset as usize);
        replay_len += expected.saturating_sub((covered + 1).max(s.scan.base_seq));
        if s.is_last {
            writer_at = Some((s.path, s.scan.valid_end as u64, s.data.len() as u64));
        }
        tail.push(Tail { data: s.data, start, end: s.scan.valid_end });
        Ok(())
    })?;
    if expected <= covered {
        return Err(JournalError::SnapshotAheadOfLog {
            dir: dir.to_owned(),
            snapshot: covered,
            log_end: expected - 1,
        });
    }
    let tail_at = match writer_at {
        // A segment whose very header was torn is gone (cut to nothing): start it anew.
        Some((path, 0, _)) => {
            fs::remove_file(&path).map_err(|e| JournalError::io(&path, e))?;
            TailAt::Create(expected)
        }
        Some((path, valid_end, len)) => {
            if len > valid_end && torn.is_none() {
                // Unused zeros at the end (a mapped segment not closed): cut them too,
                // so the file ends where its records do whatever writes it next.
                cut_to(&path, valid_end)?;
            }
            TailAt::Reopen(path, valid_end)
        }
        None => TailAt::Create(expected),
    };
    let recovery = Recovery { snapshot, tail, replay_len, next_seq: expected, torn, skipped };
    Ok((recovery, tail_at))
}

/// Truncates a segment to the end of its last valid record, durably.
fn cut_to(path: &Path, len: u64) -> Result<(), JournalError> {
    let file = OpenOptions::new().write(true).open(path).map_err(|e| JournalError::io(path, e))?;
    file.set_len(len).and_then(|()| file.sync_all()).map_err(|e| JournalError::io(path, e))
}

/// Removes the temp files a crash left behind: unfinished snapshots and segments.
fn remove_temp_files(dir: &Path) -> Result<(), JournalError> {
    for entry in fs::read_dir(dir).map_err(|e| JournalError::io(dir, e))? {
        let path = entry.map_err(|e| JournalError::io(dir, e))?.path();
        if path.extension().and_then(|e| e.to_str()) == Some("tmp") {
            tracing::info!(file = %path.display(), "removing an unfinished journal file");
            fs::remove_file(&path).map_err(|e| JournalError::io(&path, e))?;
        }
    }
    Ok(())
}
