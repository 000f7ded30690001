//! Damage in the middle of the log (a bad record with valid records after it, or a
//! sequence gap) is an error naming the file and byte offset: never skipped, never cut.

mod common;

use common::{layout, only_segment, segments, write_journal};
use mycelium_journal::{Bytes, Journal, JournalError, Reader};

fn open(dir: &std::path::Path) -> Result<(), JournalError> {
    Journal::<Bytes>::open(dir, common::process()).map(drop)
}

#[test]
fn any_flipped_byte_of_a_middle_record_names_that_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_journal(dir.path(), 10, 1);
    let (_, start, end) = layout(dir.path())[4];
    let seg = only_segment(dir.path());
    let original = std::fs::read(&seg).expect("read");

    for byte in start..end {
        let mut bytes = original.clone();
        bytes[byte as usize] ^= 0x01;
        std::fs::write(&seg, &bytes).expect("write");
        match open(dir.path()) {
            Err(JournalError::Corrupt { path, offset, .. }) => {
                assert_eq!((path.as_path(), offset), (seg.as_path(), start), "flip at {byte}");
            }
            other => panic!("flip at byte {byte}: expected Corrupt, got {other:?}"),
        }
        // Nothing was cut: the file is as damaged as it was, for an operator to see.
        assert_eq!(std::fs::read(&seg).expect("read"), bytes);
        // The reader refuses it the same way.
        let read = Reader::open(dir.path()).expect("reader").visit(|_| Ok::<_, JournalError>(()));
        assert!(matches!(read, Err(JournalError::Corrupt { offset, .. }) if offset == start));
    }
    let message = {
        let mut bytes = original.clone();
        bytes[start as usize + 20] ^= 0xff;
        std::fs::write(&seg, &bytes).expect("write");
        open(dir.path()).expect_err("corrupt").to_string()
    };
    assert!(message.contains(&format!("at byte {start}")), "{message}");
    assert!(message.contains("corrupt record"), "{message}");
}

#[test]
fn a_record_missing_from_the_middle_is_a_sequence_gap_at_its_offset() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_journal(dir.path(), 10, 1);
    let (_, start, end) = layout(dir.path())[4]; // seq 5
    let seg = only_segment(dir.path());
    let mut bytes = std::fs::read(&seg).expect("read");
    bytes.drain(start as usize..end as usize);
    std::fs::write(&seg, &bytes).expect("write");
    match open(dir.path()) {
        Err(JournalError::SequenceGap { offset, expected: 5, found: 6, .. }) => {
            assert_eq!(offset, start)
        }
        other => panic!("expected a gap at {start}, got {other:?}"),
    }
}

#[test]
fn a_missing_segment_is_a_sequence_gap_naming_the_next_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut options = common::process();
    options.segment_bytes = 200;
    let (mut j, _) = Journal::<Bytes>::open(dir.path(), options.clone()).expect("open");
    for i in 0..40u8 {
        j.append(&[i; 40]).expect("append");
        j.commit().expect("commit");
    }
    j.close().expect("close");
    let segs = segments(dir.path());
    assert!(segs.len() >= 4, "{segs:?}");
    std::fs::remove_file(&segs[1]).expect("remove");
    match Journal::<Bytes>::open(dir.path(), options).map(drop) {
        Err(JournalError::SequenceGap { path, offset: 32, .. }) => assert_eq!(path, segs[2]),
        other => panic!("expected a gap at {}, got {other:?}", segs[2].display()),
    }
}
