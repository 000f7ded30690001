//! A recording ends with a trailer (record count and CRC-32 of the records), so a
//! recording cut anywhere, between records too, or altered anywhere, is an error
//! naming the byte offset: never a shorter or different replay that looks complete.

mod common;

use common::read_recording as read_all;
use mycelium_market_data::recording::{HEADER_LEN, TRAILER_LEN};
use mycelium_market_data::{MarketTick, Quote, RecordingError, RecordingWriter, Symbol, TickEvent};

const BID: f64 = 12_345.678;

fn tick(seq: u64) -> MarketTick {
    let quote =
        Quote { bid_px: BID, bid_qty: 1.0, ask_px: 12_346.0, ask_qty: 2.0, from_book: false };
    MarketTick {
        symbol: Symbol::new("BTCUSDT").expect("symbol"),
        seq,
        exchange_ts_ns: seq as i64,
        local_ts_ns: seq as i64,
        event: TickEvent::Quote(quote),
    }
}

/// Three ticks, and where each record starts.
fn recording() -> (Vec<u8>, Vec<usize>) {
    let mut writer = RecordingWriter::new(Vec::new()).expect("header");
    for seq in 1..=3 {
        writer.write(&tick(seq)).expect("write");
    }
    let bytes = writer.finish().expect("finish");
    // Records are `len | body`: walk the length prefixes.
    let mut starts = vec![HEADER_LEN];
    for _ in 0..2 {
        let s = *starts.last().expect("a start");
        let len = u32::from_le_bytes(bytes[s..s + 4].try_into().expect("4 bytes")) as usize;
        starts.push(s + 4 + len);
    }
    (bytes, starts)
}

#[test]
fn a_complete_recording_reads_whole() {
    let (bytes, _) = recording();
    assert_eq!(read_all(bytes).expect("complete"), 3);
}

#[test]
fn a_recording_cut_between_records_is_truncated_at_its_end() {
    let (bytes, starts) = recording();
    let cut = starts[2];
    let err = read_all(bytes[..cut].to_vec()).expect_err("cut between records");
    assert!(
        matches!(err, RecordingError::MissingTrailer { offset, records: 2 } if offset == cut as u64),
        "{err}"
    );
    assert!(err.to_string().contains(&format!("byte {cut}")), "{err}");
    // Cut inside the trailer.
    let cut = bytes.len() - 3;
    let err = read_all(bytes[..cut].to_vec()).expect_err("cut trailer");
    let trailer = (bytes.len() - TRAILER_LEN) as u64;
    assert!(
        matches!(err, RecordingError::TruncatedTrailer { offset, got: 13 } if offset == trailer),
        "{err}"
    );
}

#[test]
fn an_altered_byte_is_a_checksum_error_naming_the_trailer() {
    let (mut bytes, starts) = recording();
    // The second record's bid price: any bits are a valid f64, so only the checksum
    // can tell.
    let record = &bytes[starts[1]..starts[2]];
    let at = record
        .windows(8)
        .position(|w| w == BID.to_le_bytes())
        .map(|i| starts[1] + i)
        .expect("the bid's bytes in the record");
    bytes[at] ^= 1;
    let err = read_all(bytes.clone()).expect_err("altered");
    let trailer = (bytes.len() - TRAILER_LEN) as u64;
    assert!(
        matches!(err, RecordingError::ChecksumMismatch { offset, .. } if offset == trailer),
        "{err}"
    );
    assert!(err.to_string().contains(&format!("byte {trailer}")), "{err}");
}

#[test]
fn a_miscounting_trailer_or_bytes_after_it_are_errors() {
    let (bytes, _) = recording();
    let trailer = bytes.len() - TRAILER_LEN;
    let mut miscounted = bytes.clone();
    miscounted[trailer + 4] = 4;
    let err = read_all(miscounted).expect_err("count");
    assert!(matches!(err, RecordingError::CountMismatch { expected: 4, found: 3, .. }), "{err}");
    let mut extended = bytes.clone();
    extended.push(0);
    let err = read_all(extended).expect_err("trailing");
    assert!(
        matches!(err, RecordingError::TrailingBytes { offset } if offset == bytes.len() as u64),
        "{err}"
    );
}
