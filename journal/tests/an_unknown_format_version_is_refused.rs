//! A journal written by another format version is refused with an error that says so,
//! and is left untouched.

mod common;

use common::{only_segment, write_journal};
use mycelium_journal::{Bytes, Journal, JournalError, Reader, FORMAT_VERSION};

#[test]
fn a_segment_of_an_unknown_version_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_journal(dir.path(), 5, 1);
    let seg = only_segment(dir.path());
    let mut bytes = std::fs::read(&seg).expect("read");
    assert_eq!(u16::from_le_bytes([bytes[8], bytes[9]]), FORMAT_VERSION);
    bytes[8..10].copy_from_slice(&7u16.to_le_bytes());
    std::fs::write(&seg, &bytes).expect("write");

    let err = Journal::<Bytes>::open(dir.path(), common::process()).expect_err("refused");
    match &err {
        JournalError::UnsupportedVersion { path, found: 7, supported } => {
            assert_eq!((path, *supported), (&seg, FORMAT_VERSION));
        }
        other => panic!("expected UnsupportedVersion, got {other:?}"),
    }
    assert!(err.to_string().contains("version 7 is not supported"), "{err}");
    assert_eq!(std::fs::read(&seg).expect("read"), bytes, "the file is untouched");
    let read = Reader::open(dir.path()).expect("reader").visit(|_| Ok::<_, JournalError>(()));
    assert!(matches!(read, Err(JournalError::UnsupportedVersion { found: 7, .. })));
}

#[test]
fn a_file_that_is_not_a_journal_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_journal(dir.path(), 2, 1);
    let seg = only_segment(dir.path());
    let mut bytes = std::fs::read(&seg).expect("read");
    bytes[0] = b'X';
    std::fs::write(&seg, &bytes).expect("write");
    let err = Journal::<Bytes>::open(dir.path(), common::process()).expect_err("refused");
    assert!(matches!(err, JournalError::BadHeader { .. }), "{err:?}");
}
