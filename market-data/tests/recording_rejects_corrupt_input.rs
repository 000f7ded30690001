//! The recording reader turns bad input into typed errors, never a panic: wrong magic,
//! wrong version, truncated header/record, oversized length, invalid bytes; and
//! (proptest) arbitrary bytes, with or without a valid header, never panic.

mod common;

use common::read_recording as read_all;
use mycelium_market_data::recording::{HEADER_LEN, MAGIC, MAX_RECORD_LEN, TRAILER_LEN, VERSION};
use mycelium_market_data::{RecordingError, RecordingWriter, SyntheticConfig, SyntheticSource};
use proptest::prelude::*;

fn valid_recording(n: usize) -> Vec<u8> {
    let mut w = RecordingWriter::new(Vec::new()).expect("header");
    for t in SyntheticSource::new(SyntheticConfig::default()).expect("cfg").take(n) {
        w.write(&t).expect("write");
    }
    w.finish().expect("finish")
}

/// A recording's header alone, for records made up by the tests to follow.
fn header() -> Vec<u8> {
    valid_recording(0)[..HEADER_LEN].to_vec()
}

#[test]
fn wrong_magic_and_version() {
    let mut bytes = valid_recording(3);
    bytes[0] = b'X';
    assert!(matches!(read_all(bytes), Err(RecordingError::BadMagic { .. })));

    let mut bytes = valid_recording(3);
    bytes[8..10].copy_from_slice(&(VERSION + 1).to_le_bytes());
    let err = read_all(bytes).expect_err("version");
    assert!(matches!(err, RecordingError::UnsupportedVersion { found } if found == VERSION + 1));
    assert!(err.to_string().contains("unsupported recording version"));

    assert!(matches!(
        read_all(MAGIC[..5].to_vec()),
        Err(RecordingError::TruncatedHeader { got: 5 })
    ));
}

#[test]
fn truncated_records() {
    let bytes = valid_recording(3);
    assert_eq!(read_all(bytes.clone()).expect("valid"), 3);
    // Cut inside the last record's body, then inside a length prefix.
    let err =
        read_all(bytes[..bytes.len() - TRAILER_LEN - 1].to_vec()).expect_err("truncated body");
    assert!(matches!(err, RecordingError::TruncatedRecord { index: 2, .. }), "{err}");
    let err = read_all(bytes[..HEADER_LEN + 2].to_vec()).expect_err("truncated prefix");
    assert!(
        matches!(err, RecordingError::TruncatedRecord { index: 0, expected: 4, got: 2, .. }),
        "{err}"
    );
}

#[test]
fn oversized_length_is_rejected_before_allocating() {
    let mut bytes = header();
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    let err = read_all(bytes).expect_err("oversized");
    assert!(
        matches!(err, RecordingError::BadRecordLength { len: u32::MAX, index: 0, .. }),
        "{err}"
    );
    let mut bytes = header();
    bytes.extend_from_slice(&(MAX_RECORD_LEN + 1).to_le_bytes());
    assert!(matches!(read_all(bytes), Err(RecordingError::BadRecordLength { .. })));
}

#[test]
fn garbage_record_fails_validation() {
    let mut bytes = header();
    bytes.extend_from_slice(&64u32.to_le_bytes());
    bytes.extend_from_slice(&[0xAB; 64]);
    let err = read_all(bytes).expect_err("invalid");
    assert!(matches!(err, RecordingError::InvalidRecord { index: 0, .. }), "{err}");
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_all(bytes);
    }

    #[test]
    fn random_records_after_a_valid_header_never_panic(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        len in 0u32..600,
    ) {
        let mut bytes = header();
        bytes.extend_from_slice(&len.to_le_bytes());
        bytes.extend_from_slice(&body);
        let _ = read_all(bytes);
    }

    #[test]
    fn corrupting_a_valid_recording_never_panics(pos in 0usize..2_000, val in any::<u8>()) {
        let mut bytes = valid_recording(20);
        let i = pos % bytes.len();
        bytes[i] = val;
        let _ = read_all(bytes);
    }
}
