//! `process` mode maps segments at full size, so a segment not closed (the process was
//! killed) ends in zeros. Zeros from the last record to the end of a file are unused
//! space: no torn tail, nothing lost, cut at recovery. Zeros with valid records after
//! them are damage like any other.

mod common;

use common::{expected, layout, payload, replayed, segments};
use mycelium_journal::{Bytes, Durability, Journal, JournalError, Options};

fn options() -> Options {
    let mut o = Options::new(Durability::Process);
    o.segment_bytes = 4096;
    o
}

#[test]
fn a_journal_dropped_without_close_recovers_every_committed_record_and_no_torn_tail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut j, _) = Journal::<Bytes>::open(dir.path(), options()).expect("open");
    for seq in 1..=10 {
        j.append(&payload(seq)).expect("append");
    }
    j.commit().expect("commit");
    j.append(&payload(11)).expect("append"); // never committed: never written
    drop(j); // as a kill would leave it: mapped at full size, zeros after record 10
    let seg = segments(dir.path()).pop().expect("a segment");
    assert_eq!(std::fs::metadata(&seg).expect("meta").len(), 4096);

    let (j, rec) = Journal::<Bytes>::open(dir.path(), options()).expect("open");
    assert_eq!(replayed(&rec), expected(1, 10));
    assert!(rec.torn_tail().is_none(), "{:?}", rec.torn_tail());
    j.close().expect("close");
    let end = layout(dir.path()).last().expect("records").2;
    assert_eq!(std::fs::metadata(&seg).expect("meta").len(), end, "closed at its last record");
}

#[test]
fn a_zeroed_end_of_an_earlier_segment_is_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut j, _) = Journal::<Bytes>::open(dir.path(), options()).expect("open");
    for seq in 1..=200 {
        j.append(&payload(seq)).expect("append");
        j.commit().expect("commit");
    }
    j.close().expect("close");
    let segs = segments(dir.path());
    assert!(segs.len() >= 3, "{segs:?}");
    // A kill between starting the next segment and cutting this one leaves it so.
    let f = std::fs::OpenOptions::new().write(true).open(&segs[1]).expect("open");
    f.set_len(f.metadata().expect("meta").len() + 1000).expect("extend");

    let (_j, rec) = Journal::<Bytes>::open(dir.path(), options()).expect("open");
    assert_eq!(replayed(&rec), expected(1, 200));
    assert!(rec.torn_tail().is_none());
}

#[test]
fn zeros_with_valid_records_after_them_are_damage() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write_journal(dir.path(), 10, 1);
    let (_, start, end) = layout(dir.path())[3];
    let seg = common::only_segment(dir.path());
    let mut bytes = std::fs::read(&seg).expect("read");
    bytes[start as usize..end as usize].fill(0);
    std::fs::write(&seg, &bytes).expect("write");
    match Journal::<Bytes>::open(dir.path(), options()).map(drop) {
        Err(JournalError::Corrupt { offset, .. }) => assert_eq!(offset, start),
        other => panic!("expected Corrupt at {start}, got {other:?}"),
    }
}

#[test]
fn a_last_segment_of_zeros_only_is_started_anew() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write_journal(dir.path(), 5, 1);
    // A segment created and reserved, killed before its header was written.
    let empty = dir.path().join(format!("{:020}.log", 6));
    std::fs::write(&empty, vec![0u8; 8192]).expect("write");

    let (mut j, rec) = Journal::<Bytes>::open(dir.path(), options()).expect("open");
    assert_eq!(replayed(&rec), expected(1, 5));
    assert!(rec.torn_tail().is_none());
    assert_eq!(j.append(&payload(6)).expect("append"), 6);
    j.close().expect("close");
    let (_j, rec) = Journal::<Bytes>::open(dir.path(), options()).expect("reopen");
    assert_eq!(replayed(&rec), expected(1, 6));
}
