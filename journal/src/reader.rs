//! Read-only access for tools (`verify`, `inspect`, `export`) and replicas: every
//! record still on disk, checked as recovery checks them, without cutting or changing
//! anything. Beside a live writer its unfinished batch shows as a torn tail, and a
//! record written while the file is being read can show as damage (torn, with whole
//! records read after it): a second read clears that. A replica that reads only
//! through a committed sequence ([`Reader::visit_range`]) never sees either.
use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::JournalError;
use crate::segment::{self, RecordRef, Records, TornTail};
use crate::snapshot;

/// A journal directory opened for reading.
#[derive(Debug, Clone)]
pub struct Reader {
    dir: PathBuf,
    max_record: u32,
}

/// What a pass over the log saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// Segment files read.
    pub segments: usize,
    /// Valid records.
    pub records: u64,
    /// The first record's sequence.
    pub first_seq: Option<u64>,
    /// The last valid record's sequence.
    pub last_seq: Option<u64>,
    /// Bytes of valid records and headers.
    pub bytes: u64,
    /// Bytes at the end that are not a valid record (recovery would cut them).
    pub torn_tail: Option<TornTail>,
}

impl Reader {
    /// Opens `dir` for reading (default record limit: 16 MiB, as [`Options::new`](crate::Options::new)).
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, JournalError> {
        let dir = dir.as_ref().to_owned();
        std::fs::metadata(&dir).map_err(|e| JournalError::io(&dir, e))?;
        Ok(Reader { dir, max_record: 16 << 20 })
    }

    /// Reads with a different record limit (the writer's `max_record_bytes`).
    pub fn max_record_bytes(mut self, max: u32) -> Self {
        self.max_record = max;
        self
    }

    /// Calls `each` with every record, in sequence order. Damage (a bad record with
    /// valid ones after it, a gap) is an error; a torn tail ends the pass and is
    /// reported in the summary.
    pub fn visit<E: From<JournalError>>(
        &self,
        each: impl FnMut(RecordRef<'_>) -> Result<(), E>,
    ) -> Result<ReadSummary, E> {
        self.visit_range(0, u64::MAX, each)
    }

    /// As [`visit`](Self::visit), for the records after `after` up to and including
    /// `through`: the segments every record of which is at or below `after` are not
    /// read, and nothing past `through` is even looked at. For a replica that
    /// keeps up with a live journal: a writer may be in the middle of a record after
    /// the last committed one, and a file read while it writes can show that record
    /// torn with later ones whole (the read is not atomic), which a whole-file check
    /// would call damage. The summary covers the segments read.
    pub fn visit_range<E: From<JournalError>>(
        &self,
        after: u64,
        through: u64,
        mut each: impl FnMut(RecordRef<'_>) -> Result<(), E>,
    ) -> Result<ReadSummary, E> {
        let mut segments = segment::list(&self.dir, "log")?;
        // The last segment whose first record is at or below `after + 1` holds it.
        let first = segments.iter().rposition(|&(base, _)| base <= after + 1).unwrap_or(0);
        segments.drain(..first);
        let mut sum = ReadSummary::default();
        let mut failed = None;
        segment::scan_chain(&segments, self.max_record, through, |s| {
            sum.segments += 1;
            sum.bytes += s.scan.valid_end as u64;
            sum.torn_tail = s.scan.torn.clone();
            if s.scan.count > 0 {
                sum.first_seq.get_or_insert(s.scan.base_seq);
                sum.last_seq = Some(s.scan.last_seq());
                sum.records += s.scan.count;
            }
            if failed.is_none() {
                let records =
                    Records::new(&s.data, crate::format::FILE_HEADER_LEN, s.scan.valid_end);
                for r in records.skip_while(|r| r.seq <= after) {
                    if let Err(e) = each(r) {
                        failed = Some(e);
                        break;
                    }
                }
            }
            Ok(())
        })?;
        match failed {
            Some(e) => Err(e),
            None => Ok(sum),
        }
    }

    /// Checks the whole journal: the log (as [`visit`](Self::visit)) and each snapshot.
    /// `time_of` reads a timestamp from a payload when the caller knows how (the
    /// journal does not: its records are opaque).
    pub fn verify(
        &self,
        time_of: impl Fn(&[u8]) -> Option<i64>,
    ) -> Result<VerifyReport, JournalError> {
        let mut first_time = None;
        let mut last_time = None;
        let log = self.visit(|r| {
            if let Some(t) = time_of(r.payload) {
                first_time.get_or_insert(t);
                last_time = Some(t);
            }
            Ok::<(), JournalError>(())
        })?;
        let snapshots = segment::list(&self.dir, "snap")?
            .into_iter()
            .map(|(seq, path)| {
                let problem = snapshot::load(&path, u32::MAX).err().map(|e| e.to_string());
                SnapshotInfo { seq, path, problem }
            })
            .collect();
        Ok(VerifyReport { log, first_time, last_time, snapshots })
    }
}

/// A snapshot file as `verify` found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// The sequence it covers.
    pub seq: u64,
    /// Its file.
    pub path: PathBuf,
    /// Why it cannot be used, if it cannot.
    pub problem: Option<String>,
}

/// What [`Reader::verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// The log.
    pub log: ReadSummary,
    /// The first record's timestamp, per the caller's `time_of`.
    pub first_time: Option<i64>,
    /// The last record's timestamp.
    pub last_time: Option<i64>,
    /// The snapshots, oldest first.
    pub snapshots: Vec<SnapshotInfo>,
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = &self.log;
        writeln!(f, "segments: {}, records: {}, bytes: {}", l.segments, l.records, l.bytes)?;
        match (l.first_seq, l.last_seq) {
            (Some(a), Some(b)) => writeln!(f, "sequences: {a}..={b}")?,
            _ => writeln!(f, "sequences: none")?,
        }
        if let (Some(a), Some(b)) = (self.first_time, self.last_time) {
            writeln!(f, "time span: {a}..={b} ({} units)", b - a)?;
        }
        match &l.torn_tail {
            Some(t) => writeln!(
                f,
                "torn tail: {} bytes at {} byte {} ({})",
                t.dropped_bytes,
                t.path.display(),
                t.offset,
                t.reason
            )?,
            None => writeln!(f, "torn tail: none")?,
        }
        for s in &self.snapshots {
            match &s.problem {
                None => writeln!(f, "snapshot: through {} ({})", s.seq, s.path.display())?,
                Some(p) => writeln!(f, "snapshot: through {} INVALID: {p}", s.seq)?,
            }
        }
        Ok(())
    }
}
