//! A crash in the middle of a write leaves a torn tail: recovery cuts exactly the torn
//! record, reports how many bytes it dropped, and yields exactly the records before it.

mod common;

use common::{expected, layout, only_segment, payload, replayed, write_journal};
use mycelium_journal::{Bytes, Journal};

const RECORDS: u64 = 12;

#[test]
fn truncating_anywhere_in_the_last_three_records_recovers_exactly_the_prefix() {
    let original = tempfile::tempdir().expect("tempdir");
    write_journal(original.path(), RECORDS, 2);
    let records = layout(original.path());
    let seg = only_segment(original.path());
    let bytes = std::fs::read(&seg).expect("read");
    let name = seg.file_name().expect("name").to_owned();
    let first_cut = records[records.len() - 3].1;

    for cut in first_cut..bytes.len() as u64 {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(&name), &bytes[..cut as usize]).expect("write");
        // The records wholly before the cut survive; the one the cut falls in is torn.
        let whole: Vec<_> = records.iter().filter(|r| r.2 <= cut).collect();
        let kept = whole.last().map_or(0, |r| r.0);
        let valid_end = whole.last().map_or(32, |r| r.2);

        let (mut j, rec) = Journal::<Bytes>::open(dir.path(), common::process()).expect("open");
        assert_eq!(replayed(&rec), expected(1, kept), "cut at {cut}");
        assert_eq!(rec.next_seq(), kept + 1);
        match rec.torn_tail() {
            Some(t) => {
                assert_eq!(t.offset, valid_end, "cut at {cut}");
                assert_eq!(t.dropped_bytes, cut - valid_end, "cut at {cut}");
            }
            None => assert_eq!(cut, valid_end, "a cut inside a record went unseen at {cut}"),
        }

        // The journal goes on from there, and a second recovery finds nothing torn.
        assert_eq!(j.append(&payload(kept + 1)).expect("append"), kept + 1);
        j.close().expect("close");
        // The torn bytes were cut: the next record starts where the valid ones end.
        let framed = (16 + payload(kept + 1).len()).next_multiple_of(16) as u64;
        let len = std::fs::metadata(dir.path().join(&name)).expect("meta").len();
        assert_eq!(len, valid_end + framed, "cut at {cut}");
        let (_j, rec) = Journal::<Bytes>::open(dir.path(), common::process()).expect("reopen");
        assert_eq!(replayed(&rec), expected(1, kept + 1));
        assert!(rec.torn_tail().is_none());
    }
}

#[test]
fn a_checksum_failure_in_the_final_record_is_a_torn_tail() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_journal(dir.path(), RECORDS, 3);
    let records = layout(dir.path());
    let (_, last_start, last_end) = records[records.len() - 1];
    let seg = only_segment(dir.path());
    let mut bytes = std::fs::read(&seg).expect("read");
    bytes[last_start as usize + 16] ^= 0x40; // a payload byte of the last record
    std::fs::write(&seg, &bytes).expect("write");

    let (_j, rec) = Journal::<Bytes>::open(dir.path(), common::process()).expect("open");
    assert_eq!(replayed(&rec), expected(1, RECORDS - 1));
    let torn = rec.torn_tail().expect("torn tail reported");
    assert_eq!((torn.offset, torn.dropped_bytes), (last_start, last_end - last_start));
    assert_eq!(torn.reason, "checksum mismatch");
}

#[test]
fn a_segment_torn_inside_its_header_is_started_anew() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_journal(dir.path(), 3, 1);
    let seg = only_segment(dir.path());
    let bytes = std::fs::read(&seg).expect("read");
    std::fs::write(&seg, &bytes[..20]).expect("write");

    let (mut j, rec) = Journal::<Bytes>::open(dir.path(), common::process()).expect("open");
    assert_eq!(rec.replay_len(), 0);
    assert_eq!(rec.torn_tail().map(|t| (t.offset, t.dropped_bytes)), Some((0, 20)));
    assert_eq!(j.append(b"again").expect("append"), 1);
    j.close().expect("close");
    let (_j, rec) = Journal::<Bytes>::open(dir.path(), common::process()).expect("reopen");
    assert_eq!(replayed(&rec), vec![(1, b"again".to_vec())]);
}
