//! Segment files: their names, listing a directory's, reading one, and scanning it —
//! the one place that decides what is a valid record, a torn tail, or damage.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use rkyv::util::AlignedVec;

use crate::error::JournalError;
use crate::format::{self, FileHeader, FileKind, Frame, ALIGN, FILE_HEADER_LEN};

/// A file read whole into a 16-aligned buffer, so payloads are aligned for rkyv.
pub(crate) type FileBytes = AlignedVec<ALIGN>;

/// Segment files are named by their first sequence: `00000000000000000001.log`.
pub(crate) fn segment_path(dir: &Path, base_seq: u64) -> PathBuf {
    dir.join(format!("{base_seq:020}.log"))
}

/// Snapshot files are named by the sequence they cover: `00000000000000000100.snap`.
pub(crate) fn snapshot_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{seq:020}.snap"))
}

/// The files of one kind in `dir`, as (sequence in the name, path), sorted by sequence.
/// Other files are ignored.
pub(crate) fn list(dir: &Path, extension: &str) -> Result<Vec<(u64, PathBuf)>, JournalError> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| JournalError::io(dir, e))? {
        let path = entry.map_err(|e| JournalError::io(dir, e))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some(extension) {
            continue;
        }
        let seq = path.file_stem().and_then(|s| s.to_str()).and_then(|s| {
            (s.len() == 20 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
        });
        if let Some(seq) = seq {
            out.push((seq, path));
        }
    }
    out.sort();
    Ok(out)
}

/// Reads a whole file into an aligned buffer.
pub(crate) fn read_file(path: &Path) -> Result<FileBytes, JournalError> {
    let mut file = File::open(path).map_err(|e| JournalError::io(path, e))?;
    let len = file.metadata().map_err(|e| JournalError::io(path, e))?.len();
    let mut buf = FileBytes::with_capacity(usize::try_from(len).unwrap_or(0));
    buf.extend_from_reader(&mut file).map_err(|e| JournalError::io(path, e))?;
    Ok(buf)
}

/// Bytes at the end of the log that do not form a valid record, with nothing valid
/// after them: what a crash in the middle of a write leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    /// The segment file.
    pub path: PathBuf,
    /// Where the torn bytes start (the end of the last valid record).
    pub offset: u64,
    /// How many bytes follow that offset.
    pub dropped_bytes: u64,
    /// Why the first of them is not a record.
    pub reason: &'static str,
}

/// What a scan found in one segment.
#[derive(Debug, Clone)]
pub(crate) struct SegmentScan {
    /// The header's first sequence.
    pub(crate) base_seq: u64,
    /// Valid records.
    pub(crate) count: u64,
    /// Where the valid records end.
    pub(crate) valid_end: usize,
    /// The bytes after `valid_end`, when they are not all zeros.
    pub(crate) torn: Option<TornTail>,
}

impl SegmentScan {
    /// The last valid record's sequence, or `base_seq - 1` for an empty segment.
    pub(crate) fn last_seq(&self) -> u64 {
        self.base_seq + self.count - 1
    }
}

/// Scans a segment: checks its header, then each record's checksum and that sequences
/// run from the header's base without a gap. A bad record with any valid record after
/// it is [`JournalError::Corrupt`]; a bad record with none after it is the torn tail;
/// zeros to the end of the file are unused space (neither). A file too short for its
/// header is all torn tail, and one of zeros only is empty, both with base
/// `expected_base`. The scan ends after the record of sequence `through`: what follows
/// it is not looked at (a live writer may be writing there).
pub(crate) fn scan(
    data: &[u8],
    path: &Path,
    expected_base: u64,
    max_record: u32,
    through: u64,
) -> Result<SegmentScan, JournalError> {
    if data.iter().all(|&b| b == 0) {
        // Created (and perhaps reserved) but not even its header written yet: empty.
        return Ok(SegmentScan { base_seq: expected_base, count: 0, valid_end: 0, torn: None });
    }
    if data.len() < FILE_HEADER_LEN {
        return Ok(SegmentScan {
            base_seq: expected_base,
            count: 0,
            valid_end: 0,
            torn: (!data.is_empty()).then(|| TornTail {
                path: path.to_owned(),
                offset: 0,
                dropped_bytes: data.len() as u64,
                reason: "incomplete file header",
            }),
        });
    }
    let header = FileHeader::decode(data, FileKind::Segment, path)?;
    let mut at = FILE_HEADER_LEN;
    let mut expected = header.base_seq;
    while at < data.len() {
        match format::check_record(data, at, max_record) {
            Frame::Valid { seq, next, .. } => {
                if seq != expected {
                    return Err(JournalError::SequenceGap {
                        path: path.to_owned(),
                        offset: at as u64,
                        expected,
                        found: seq,
                    });
                }
                expected += 1;
                at = next;
                if seq == through {
                    break;
                }
            }
            Frame::Invalid(_) if data[at..].iter().all(|&b| b == 0) => {
                // Space reserved for records not yet written (a mapped segment's
                // end), or a tear that left only zeros: nothing to report either way.
                break;
            }
            Frame::Invalid(reason) => {
                if any_valid_record_after(data, at, expected, max_record) {
                    return Err(JournalError::Corrupt {
                        path: path.to_owned(),
                        offset: at as u64,
                        reason,
                    });
                }
                let torn = TornTail {
                    path: path.to_owned(),
                    offset: at as u64,
                    dropped_bytes: (data.len() - at) as u64,
                    reason,
                };
                return Ok(SegmentScan {
                    base_seq: header.base_seq,
                    count: expected - header.base_seq,
                    valid_end: at,
                    torn: Some(torn),
                });
            }
        }
    }
    Ok(SegmentScan {
        base_seq: header.base_seq,
        count: expected - header.base_seq,
        valid_end: at,
        torn: None,
    })
}

/// Whether a valid record of sequence `expected` or later starts anywhere after a bad
/// one at `bad`. Records start at multiples of 16, so those are the only places to
/// look; a damaged length field does not hide the records behind it.
fn any_valid_record_after(data: &[u8], bad: usize, expected: u64, max_record: u32) -> bool {
    (bad + ALIGN..data.len()).step_by(ALIGN).any(|at| {
        matches!(format::check_record(data, at, max_record), Frame::Valid { seq, .. } if seq >= expected)
    })
}

/// One record as stored: its sequence, where it starts, and its payload.
#[derive(Debug, Clone, Copy)]
pub struct RecordRef<'a> {
    /// Its sequence number.
    pub seq: u64,
    /// The byte offset of its header in its segment file.
    pub offset: u64,
    /// Its payload (16-byte aligned in memory).
    pub payload: &'a [u8],
}

/// The records of a scanned segment between two offsets (already checked).
pub(crate) struct Records<'a> {
    data: &'a [u8],
    at: usize,
    end: usize,
}

impl<'a> Records<'a> {
    /// The records of `data` from offset `at` to `end` (a scan's `valid_end`).
    pub(crate) fn new(data: &'a [u8], at: usize, end: usize) -> Self {
        Records { data, at, end }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = RecordRef<'a>;

    #[inline]
    fn next(&mut self) -> Option<RecordRef<'a>> {
        if self.at >= self.end {
            return None;
        }
        let offset = self.at;
        let (seq, payload, next) = format::payload_at(self.data, offset);
        self.at = next;
        Some(RecordRef { seq, offset: offset as u64, payload })
    }
}

/// One segment of a chain, read and scanned.
pub(crate) struct Scanned {
    pub(crate) path: PathBuf,
    pub(crate) data: FileBytes,
    pub(crate) scan: SegmentScan,
    pub(crate) is_last: bool,
}

/// Reads and scans `segments` in order, checking that each starts where the previous
/// ended. Only the last may have a torn tail: one anywhere else has the next segment's
/// records after it, so it is damage. Nothing after the record of sequence `through`
/// is read (`u64::MAX`: to the end).
pub(crate) fn scan_chain(
    segments: &[(u64, PathBuf)],
    max_record: u32,
    through: u64,
    mut each: impl FnMut(Scanned) -> Result<(), JournalError>,
) -> Result<(), JournalError> {
    let mut expected = None;
    let segments = match segments.iter().position(|&(base, _)| base > through) {
        Some(past) => &segments[..past],
        None => segments,
    };
    for (i, (name_base, path)) in segments.iter().enumerate() {
        let data = read_file(path)?;
        let scan = scan(&data, path, *name_base, max_record, through)?;
        let want = expected.unwrap_or(*name_base);
        if scan.base_seq != want || scan.base_seq != *name_base {
            return Err(JournalError::SequenceGap {
                path: path.clone(),
                offset: FILE_HEADER_LEN as u64,
                expected: want,
                found: scan.base_seq,
            });
        }
        let is_last = i + 1 == segments.len();
        if let (Some(t), false) = (&scan.torn, is_last) {
            return Err(JournalError::Corrupt {
                path: path.clone(),
                offset: t.offset,
                reason: t.reason,
            });
        }
        expected = Some(scan.last_seq() + 1);
        each(Scanned { path: path.clone(), data, scan, is_last })?;
    }
    Ok(())
}
