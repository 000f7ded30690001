//! Helpers shared by the journal's tests.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

use mycelium_journal::{Bytes, Durability, Journal, Options, Reader, Recovery};

/// The payload of record `seq`: deterministic, 0 to 90 bytes, content tied to `seq`.
pub fn payload(seq: u64) -> Vec<u8> {
    let len = (seq * 37 % 91) as usize;
    (0..len).map(|i| (seq as usize * 31 + i) as u8).collect()
}

/// `process` mode with 64 KiB segments: a test's journal is small, and a mapped
/// segment is reserved (and cut again on close) at its full size.
pub fn process() -> Options {
    let mut o = Options::new(Durability::Process);
    o.segment_bytes = 64 << 10;
    o
}

/// Writes records 1..=n in `process` mode, committing every `per_commit`, and closes.
pub fn write_journal(dir: &Path, n: u64, per_commit: u64) {
    let (mut j, _) = Journal::<Bytes>::open(dir, process()).expect("open");
    for seq in 1..=n {
        assert_eq!(j.append(&payload(seq)).expect("append"), seq);
        if seq % per_commit == 0 {
            j.commit().expect("commit");
        }
    }
    j.close().expect("close");
}

/// (seq, start offset, end offset) of every record, read back through the reader.
pub fn layout(dir: &Path) -> Vec<(u64, u64, u64)> {
    let mut starts = Vec::new();
    Reader::open(dir)
        .expect("reader")
        .visit(|r| {
            starts.push((r.seq, r.offset));
            Ok::<_, mycelium_journal::JournalError>(())
        })
        .expect("visit");
    let file_len = std::fs::metadata(only_segment(dir)).expect("meta").len();
    let ends = starts.iter().skip(1).map(|&(_, o)| o).chain([file_len]);
    starts.iter().zip(ends).map(|(&(s, o), e)| (s, o, e)).collect()
}

/// The one segment file of a journal that has one.
pub fn only_segment(dir: &Path) -> PathBuf {
    let segs = segments(dir);
    assert_eq!(segs.len(), 1, "expected one segment: {segs:?}");
    segs[0].clone()
}

/// The segment files, in order.
pub fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    v.sort();
    v
}

/// What a recovery replays, as (seq, payload).
pub fn replayed(r: &Recovery) -> Vec<(u64, Vec<u8>)> {
    r.records().map(|r| (r.seq, r.payload.to_vec())).collect()
}

/// The expected records `from..=to`.
pub fn expected(from: u64, to: u64) -> Vec<(u64, Vec<u8>)> {
    (from..=to).map(|s| (s, payload(s))).collect()
}
