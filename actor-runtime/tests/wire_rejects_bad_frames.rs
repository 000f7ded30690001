//! Bad input gives a clear error, never a panic: oversized frames are refused from
//! their header before any allocation, truncated streams, bad magic, other versions,
//! unknown kinds and invalid rkyv payloads are all named.
use std::time::Duration;

use mycelium::remote::{
    access_payload, decode_payload, encode_payload, FrameDecoder, FrameEncoder, FrameError,
    FrameHeader, FrameKind, WireError, DEFAULT_MAX_PAYLOAD, HEADER_LEN,
};
use rkyv::util::AlignedVec;
use tokio::io::AsyncWriteExt;
use tokio::time::timeout;

/// Every wait in these tests is bounded by this.
const WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
struct Order {
    client_id: String,
    qty: u64,
    tags: Vec<String>,
}

fn order() -> Order {
    Order { client_id: "client-order-0001".into(), qty: 5, tags: vec!["x".into(), "yz".into()] }
}

fn header_bytes(header: FrameHeader) -> [u8; HEADER_LEN] {
    let mut bytes = [0; HEADER_LEN];
    header.encode(&mut bytes);
    bytes
}

/// Decodes `bytes` as a whole stream and returns the first error.
async fn first_error(bytes: &[u8]) -> FrameError {
    let mut dec = FrameDecoder::new(bytes);
    loop {
        match timeout(WAIT, dec.next_frame()).await.expect("decoder hung") {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("no error in {bytes:?}"),
            Err(e) => return e,
        }
    }
}

#[tokio::test]
async fn an_oversized_length_is_refused_from_the_header_before_allocating() {
    // The peer announces 4 GiB and then sends nothing more, keeping the stream open:
    // the decoder must answer from the header alone, without waiting or allocating.
    let (mut tx, rx) = tokio::io::duplex(1024);
    let header = FrameHeader { payload_len: u32::MAX, ..FrameHeader::new(FrameKind::Tell) };
    tx.write_all(&header_bytes(header)).await.unwrap();
    let mut dec = FrameDecoder::new(rx);
    let err = timeout(WAIT, dec.next_frame()).await.expect("waited for the payload").unwrap_err();
    assert!(
        matches!(err, FrameError::Oversized { len, max } if len == u64::from(u32::MAX) && max == DEFAULT_MAX_PAYLOAD),
        "{err:?}"
    );
    assert!(dec.buffer_len() <= 64 * 1024, "buffer grew to {}", dec.buffer_len());
    assert!(err.to_string().contains("over the limit"));

    // A configured limit: one byte over is refused, exactly at it is accepted.
    let limit = 1024;
    let over = FrameHeader { payload_len: limit + 1, ..FrameHeader::new(FrameKind::Tell) };
    let over = header_bytes(over);
    let mut dec = FrameDecoder::with_max_payload(&over[..], limit);
    let err = dec.next_frame().await.unwrap_err();
    assert!(matches!(err, FrameError::Oversized { len: 1025, max: 1024 }), "{err:?}");

    let mut enc = FrameEncoder::with_max_payload(limit);
    enc.push_raw(FrameHeader::new(FrameKind::Tell), &[7; 1024]).unwrap();
    let mut wire = Vec::new();
    enc.flush(&mut wire).await.unwrap();
    let mut dec = FrameDecoder::with_max_payload(&wire[..], limit);
    assert_eq!(dec.next_frame().await.unwrap().unwrap().1, &[7; 1024][..]);
}

#[tokio::test]
async fn the_encoder_refuses_what_the_peer_would_refuse_and_keeps_its_batch() {
    let mut enc = FrameEncoder::with_max_payload(16);
    enc.push_raw(FrameHeader::new(FrameKind::Heartbeat), &[]).unwrap();
    let before = enc.as_bytes().to_vec();
    let err = enc.push(FrameHeader::new(FrameKind::Tell), &order()).unwrap_err();
    assert!(matches!(err, WireError::Oversized { max: 16, .. }), "{err:?}");
    let err = enc.push_raw(FrameHeader::new(FrameKind::Tell), &[0; 17]).unwrap_err();
    assert!(matches!(err, WireError::Oversized { len: 17, max: 16 }), "{err:?}");
    assert_eq!(enc.as_bytes(), &before[..], "a refused frame leaves no trace");
    assert_eq!(enc.frames(), 1);
}

#[tokio::test]
async fn truncated_streams_are_named() {
    let mut enc = FrameEncoder::new();
    enc.push(FrameHeader::new(FrameKind::Tell), &order()).unwrap();
    let wire = enc.as_bytes().to_vec();

    // Ends inside the header, inside the payload, inside the padding.
    for cut in [1, HEADER_LEN / 2, HEADER_LEN - 1, HEADER_LEN + 3, wire.len() - 1] {
        let err = first_error(&wire[..cut]).await;
        assert!(matches!(err, FrameError::Truncated), "cut at {cut}: {err:?}");
    }
    // A clean end between frames is not an error.
    let mut dec = FrameDecoder::new(&wire[..]);
    assert!(dec.next_frame().await.unwrap().is_some());
    assert!(dec.next_frame().await.unwrap().is_none());
    assert!(FrameDecoder::new(&[][..]).next_frame().await.unwrap().is_none());
    // A header slice that is too short.
    assert!(matches!(FrameHeader::decode(&wire[..HEADER_LEN - 1]), Err(FrameError::Truncated)));
}

#[tokio::test]
async fn bad_magic_version_kind_and_reserved_bytes_are_named() {
    let good = header_bytes(FrameHeader::new(FrameKind::Heartbeat));

    let mut bad = good;
    bad[0..4].copy_from_slice(b"HTTP");
    assert!(matches!(first_error(&bad).await, FrameError::BadMagic(m) if &m == b"HTTP"));

    let mut bad = good;
    bad[4..6].copy_from_slice(&1u16.to_le_bytes());
    let err = first_error(&bad).await;
    assert!(matches!(err, FrameError::UnsupportedVersion { got: 1 }), "{err:?}");
    assert!(err.to_string().contains("version 1"));

    for kind in [0x00, 0x03, 0x7f, 0xff] {
        let mut bad = good;
        bad[6] = kind;
        assert!(matches!(first_error(&bad).await, FrameError::UnknownKind(k) if k == kind));
    }

    let mut bad = good;
    bad[46] = 1;
    assert!(matches!(first_error(&bad).await, FrameError::ReservedNotZero));

    // A good frame, then garbage: the good frame is delivered, then the error.
    let mut stream = good.to_vec();
    stream.extend_from_slice(&[0xEE; HEADER_LEN]);
    let mut dec = FrameDecoder::new(&stream[..]);
    assert_eq!(dec.next_frame().await.unwrap().unwrap().0.kind, FrameKind::Heartbeat);
    assert!(matches!(dec.next_frame().await, Err(FrameError::BadMagic(_))));
    // Calling again repeats the error instead of resynchronizing on garbage.
    assert!(matches!(dec.next_frame().await, Err(FrameError::BadMagic(_))));
}

#[test]
fn invalid_rkyv_payloads_are_errors_not_panics() {
    let mut good = AlignedVec::new();
    encode_payload(&order(), &mut good).unwrap();
    assert_eq!(decode_payload::<Order>(&good).unwrap(), order());

    let check = |bytes: &[u8], what: &str| {
        let mut buf = AlignedVec::<16>::new();
        buf.extend_from_slice(bytes);
        let err = decode_payload::<Order>(&buf).expect_err(what);
        assert!(matches!(err, WireError::Invalid(_)), "{what}: {err:?}");
        assert!(access_payload::<Order>(&buf).is_err(), "{what}");
    };
    check(&[], "empty");
    check(&good[..good.len() - 1], "truncated");
    check(&[0xFF; 64], "all ones");
    // Every relative pointer and length in the archive, corrupted one byte at a time:
    // each result must be an error or a valid value, never a panic.
    for i in 0..good.len() {
        let mut buf = AlignedVec::<16>::new();
        buf.extend_from_slice(&good);
        buf[i] ^= 0x80;
        let _ = decode_payload::<Order>(&buf);
    }
    // The string's bytes made invalid UTF-8.
    let at = good.windows(17).position(|w| w == b"client-order-0001").unwrap();
    let mut bad = good.to_vec();
    bad[at + 3] = 0xFF;
    check(&bad, "invalid utf-8");

    // A payload that does not start 16-byte aligned is refused up front.
    let mut shifted = AlignedVec::<16>::new();
    shifted.push(0);
    shifted.extend_from_slice(&good);
    let err = decode_payload::<Order>(&shifted[1..]).unwrap_err();
    assert!(matches!(err, WireError::Misaligned), "{err:?}");
}
