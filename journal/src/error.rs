//! The journal's errors. Each names the file and byte offset it is about, so that an
//! operator can find the bytes in question.

use std::io;
use std::path::PathBuf;

/// What went wrong opening, reading or writing a journal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// An operating-system call failed.
    #[error("journal I/O on {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A file written by a format version this build does not read.
    #[error(
        "{}: journal format version {found} is not supported (this build reads version {supported})",
        path.display()
    )]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// The version in its header.
        found: u16,
        /// The version this build reads.
        supported: u16,
    },
    /// A file header that is not a valid journal header.
    #[error("{}: bad journal file header: {reason}", path.display())]
    BadHeader {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A bad record with valid records after it: damage, not a torn tail. Never skipped.
    #[error(
        "{} at byte {offset}: corrupt record ({reason}) with valid records after it",
        path.display()
    )]
    Corrupt {
        /// The segment file.
        path: PathBuf,
        /// Where the bad record starts.
        offset: u64,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A record (or a segment's first record) whose sequence is not the one expected.
    #[error(
        "{} at byte {offset}: sequence gap: expected {expected}, found {found}",
        path.display()
    )]
    SequenceGap {
        /// The segment file.
        path: PathBuf,
        /// Where the record (or, for a missing segment, the file's first record) starts.
        offset: u64,
        /// The sequence that should be there.
        expected: u64,
        /// The sequence that is there.
        found: u64,
    },
    /// The log no longer holds the records recovery needs (segments deleted while no
    /// valid snapshot covers them).
    #[error(
        "journal {}: recovery needs records from sequence {needed}, but the log starts at {first}",
        dir.display()
    )]
    MissingHistory {
        /// The journal directory.
        dir: PathBuf,
        /// The first sequence recovery needs.
        needed: u64,
        /// The first sequence the log holds.
        first: u64,
    },
    /// The newest valid snapshot covers records the log does not hold.
    #[error(
        "journal {}: snapshot covers sequence {snapshot} but the log ends at {log_end}",
        dir.display()
    )]
    SnapshotAheadOfLog {
        /// The journal directory.
        dir: PathBuf,
        /// The snapshot's sequence.
        snapshot: u64,
        /// The last sequence in the log.
        log_end: u64,
    },
    /// Another journal handle holds this directory.
    #[error("journal {} is open in another process or handle", dir.display())]
    Locked {
        /// The journal directory.
        dir: PathBuf,
    },
    /// A record or snapshot over the size limit; nothing was written.
    #[error("a record of {len} bytes is over the limit of {max} bytes")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: u32,
    },
    /// The codec could not encode an item; nothing was written.
    #[error("cannot encode a record: {0}")]
    Encode(String),
    /// The codec could not decode a record's payload.
    #[error("cannot decode record {seq}: {reason}")]
    Decode {
        /// The record's sequence.
        seq: u64,
        /// The codec's reason.
        reason: String,
    },
    /// An earlier write or sync failed: the journal accepts nothing more. Its on-disk
    /// state is whatever recovery finds; reopen it to go on.
    #[error("the journal failed earlier and accepts nothing more: {0}")]
    Failed(String),
}

impl JournalError {
    /// An I/O error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        JournalError::Io { path: path.into(), source }
    }
}

/// Why a snapshot was not taken; the state is handed back in [`SnapshotRefused`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotRefusal {
    /// The previous snapshot is still being written.
    #[error("a snapshot is still being written")]
    Busy,
    /// The snapshot covers records not yet committed.
    #[error("snapshot at sequence {seq} is ahead of the committed log ({committed})")]
    Ahead {
        /// The sequence asked for.
        seq: u64,
        /// The last committed sequence.
        committed: u64,
    },
    /// Over the size limit.
    #[error("a snapshot of {len} bytes is over the limit of {max} bytes")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: u32,
    },
    /// The journal is off (nothing is written) or has failed.
    #[error("the journal writes no snapshots: {0}")]
    Unavailable(&'static str),
}

/// A snapshot the journal did not take, with the state handed back.
#[derive(Debug, thiserror::Error)]
#[error("snapshot refused: {reason}")]
pub struct SnapshotRefused {
    /// Why.
    pub reason: SnapshotRefusal,
    /// The caller's state, untouched.
    pub state: Vec<u8>,
}
