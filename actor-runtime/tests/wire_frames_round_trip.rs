//! The wire layer round-trips: header bytes at their documented offsets, payloads
//! encoded and decoded (owned and zero-copy), and a coalesced batch of 10,000 frames
//! read back in order over loopback TCP.
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use mycelium::remote::{
    access_payload, decode_payload, encode_payload, name_hash, FrameDecoder, FrameEncoder,
    FrameHeader, FrameKind, FLAG_TARGET_NAME, FRAME_ALIGN, HEADER_LEN, PROTOCOL_VERSION,
};
use rkyv::util::AlignedVec;
use tokio::io::AsyncWrite;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

/// Every wait in these tests is bounded by this.
const WAIT: Duration = Duration::from_secs(20);

/// About the size of a `MarketTick`, with a heap string inside.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
struct Tick {
    symbol: String,
    seq: u64,
    exchange_ts_ns: i64,
    local_ts_ns: i64,
    bid: f64,
    ask: f64,
    bid_size: u32,
    ask_size: u32,
    side: Side,
}

#[derive(Debug, Clone, Copy, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
#[rkyv(derive(Debug, PartialEq))]
enum Side {
    Bid,
    Ask,
}

fn tick(seq: u64) -> Tick {
    Tick {
        symbol: format!("BTC-USD-{}", seq % 7),
        seq,
        exchange_ts_ns: 1_700_000_000_000_000_000 + seq as i64,
        local_ts_ns: -(seq as i64),
        bid: 42_000.5 + seq as f64,
        ask: 42_001.25,
        bid_size: seq as u32,
        ask_size: u32::MAX,
        side: if seq & 1 == 0 { Side::Bid } else { Side::Ask },
    }
}

#[test]
fn header_bytes_are_at_their_documented_offsets() {
    let header = FrameHeader {
        version: PROTOCOL_VERSION,
        kind: FrameKind::Ask,
        flags: FLAG_TARGET_NAME,
        target: name_hash("orders"),
        sequence: 0x0102_0304_0506_0708,
        correlation: 0x1112_1314_1516_1718,
        sent_at_ns: 0x2122_2324_2526_2728,
        payload_len: 0x3132_3334,
    };
    let mut bytes = [0xAA; HEADER_LEN];
    header.encode(&mut bytes);
    assert_eq!(HEADER_LEN, 48);
    assert_eq!(&bytes[0..4], b"MYCL");
    assert_eq!(bytes[4..6], [3, 0]);
    assert_eq!(bytes[6], 0x11);
    assert_eq!(bytes[7], 0x01);
    assert_eq!(bytes[8..16], name_hash("orders").to_le_bytes());
    assert_eq!(bytes[16..24], [8, 7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(bytes[24..32], [0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11]);
    assert_eq!(bytes[32..40], [0x28, 0x27, 0x26, 0x25, 0x24, 0x23, 0x22, 0x21]);
    assert_eq!(bytes[40..44], [0x34, 0x33, 0x32, 0x31]);
    assert_eq!(bytes[44..48], [0, 0, 0, 0]);
    assert_eq!(FrameHeader::decode(&bytes).unwrap(), header);
    // FNV-1a 64 test vectors, as documented.
    assert_eq!(name_hash(""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(name_hash("a"), 0xaf63_dc4c_8601_ec8c);
}

#[test]
fn every_kind_round_trips() {
    let kinds = [
        FrameKind::Hello,
        FrameKind::Response,
        FrameKind::Tell,
        FrameKind::Ask,
        FrameKind::Reply,
        FrameKind::Ack,
        FrameKind::Seal,
        FrameKind::Heartbeat,
        FrameKind::Close,
    ];
    for kind in kinds {
        let header = FrameHeader { target: 9, sequence: 3, ..FrameHeader::new(kind) };
        let mut bytes = [0; HEADER_LEN];
        header.encode(&mut bytes);
        assert_eq!(FrameHeader::decode(&bytes).unwrap(), header);
        assert_eq!(FrameKind::from_u8(kind as u8), Some(kind));
    }
}

#[test]
fn payload_round_trips_owned_and_zero_copy() {
    let value = tick(12_345);
    let mut buf = AlignedVec::new();
    encode_payload(&value, &mut buf).unwrap();
    assert_eq!(decode_payload::<Tick>(&buf).unwrap(), value);

    let archived = access_payload::<Tick>(&buf).unwrap();
    assert_eq!(archived.symbol.as_str(), value.symbol);
    assert_eq!(archived.seq.to_native(), 12_345);
    assert_eq!(archived.exchange_ts_ns.to_native(), value.exchange_ts_ns);
    assert_eq!(archived.local_ts_ns.to_native(), value.local_ts_ns);
    assert_eq!(archived.bid.to_native(), value.bid);
    assert_eq!(archived.ask_size.to_native(), u32::MAX);
    assert_eq!(archived.side, ArchivedSide::Ask);
    // Zero-copy: the archived string's bytes live inside the payload buffer.
    let range = buf.as_ptr_range();
    assert!(range.contains(&archived.symbol.as_str().as_ptr()));

    // The buffer is reused: encoding again replaces its contents.
    let capacity = buf.capacity();
    encode_payload(&tick(1), &mut buf).unwrap();
    assert_eq!(decode_payload::<Tick>(&buf).unwrap(), tick(1));
    assert_eq!(buf.capacity(), capacity);
}

/// A writer that takes every buffer whole and counts the calls.
#[derive(Default)]
struct CountingWriter {
    bytes: Vec<u8>,
    writes: usize,
}

impl AsyncWrite for CountingWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.writes += 1;
        self.bytes.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn a_batch_is_one_write_and_every_payload_is_aligned() {
    let mut enc = FrameEncoder::new();
    for seq in 1..=100u64 {
        let header = FrameHeader { sequence: seq, target: 7, ..FrameHeader::new(FrameKind::Tell) };
        enc.push(header, &tick(seq)).unwrap();
        // Odd-length raw payloads in between must not misalign what follows.
        enc.push_raw(FrameHeader::new(FrameKind::Heartbeat), &[1, 2, 3][..(seq % 4) as usize])
            .unwrap();
    }
    assert_eq!(enc.frames(), 200);
    assert_eq!(enc.len() % FRAME_ALIGN, 0);
    let mut out = CountingWriter::default();
    enc.flush(&mut out).await.unwrap();
    assert_eq!(out.writes, 1, "a flushed batch is one write");
    assert!(enc.is_empty());
    assert_eq!(enc.frames(), 0);

    // Feed the bytes back in 7-byte reads: frames straddle every read boundary.
    let (mut tx, rx) = tokio::io::duplex(7);
    let bytes = out.bytes;
    let writer = tokio::spawn(async move {
        tokio::io::AsyncWriteExt::write_all(&mut tx, &bytes).await.unwrap();
    });
    let mut dec = FrameDecoder::new(rx);
    for seq in 1..=100u64 {
        let (header, payload) = dec.next_frame().await.unwrap().unwrap();
        assert_eq!((header.kind, header.sequence, header.target), (FrameKind::Tell, seq, 7));
        assert_eq!(payload.as_ptr() as usize % 16, 0);
        assert_eq!(access_payload::<Tick>(payload).unwrap().seq.to_native(), seq);
        let (header, payload) = dec.next_frame().await.unwrap().unwrap();
        assert_eq!(header.kind, FrameKind::Heartbeat);
        assert_eq!(payload, &[1, 2, 3][..(seq % 4) as usize]);
    }
    timeout(WAIT, writer).await.unwrap().unwrap();
    assert!(dec.next_frame().await.unwrap().is_none(), "clean end of stream");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_coalesced_frames_arrive_in_order_over_tcp() {
    const N: u64 = 10_000;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sender = tokio::spawn(async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let mut enc = FrameEncoder::new();
        for seq in 1..=N {
            let header = FrameHeader { sequence: seq, ..FrameHeader::new(FrameKind::Tell) };
            enc.push(header, &tick(seq)).unwrap();
        }
        assert_eq!(enc.frames(), N as usize);
        enc.flush(&mut stream).await.unwrap();
    });
    let (stream, _) = timeout(WAIT, listener.accept()).await.unwrap().unwrap();
    let mut dec = FrameDecoder::new(stream);
    let received = timeout(WAIT, async {
        let mut next = 1;
        while let Some((header, payload)) = dec.next_frame().await.unwrap() {
            assert_eq!(header.sequence, next);
            assert_eq!(decode_payload::<Tick>(payload).unwrap(), tick(next));
            next += 1;
        }
        next - 1
    })
    .await
    .unwrap();
    assert_eq!(received, N);
    timeout(WAIT, sender).await.unwrap().unwrap();
    assert!(dec.buffer_len() <= 64 * 1024, "small frames never grow the buffer");
}

#[tokio::test]
async fn a_frame_at_the_limit_grows_the_buffer_and_round_trips() {
    let big = vec![0xA5u8; (1 << 20) - 64];
    let mut enc = FrameEncoder::new();
    enc.push(FrameHeader::new(FrameKind::Tell), &big).unwrap();
    enc.push(FrameHeader::new(FrameKind::Tell), &tick(3)).unwrap();
    let mut wire = Vec::new();
    enc.flush(&mut wire).await.unwrap();
    let mut dec = FrameDecoder::new(&wire[..]);
    let (header, payload) = dec.next_frame().await.unwrap().unwrap();
    assert!(header.payload_len as usize >= big.len());
    assert_eq!(decode_payload::<Vec<u8>>(payload).unwrap(), big);
    let (_, payload) = dec.next_frame().await.unwrap().unwrap();
    assert_eq!(decode_payload::<Tick>(payload).unwrap(), tick(3));
    assert!(dec.next_frame().await.unwrap().is_none());
}

#[test]
fn header_example_in_protocol_md_is_exact() {
    let header = FrameHeader {
        version: 3,
        kind: FrameKind::Ask,
        flags: 0,
        target: 42,
        sequence: 7,
        correlation: 99,
        sent_at_ns: 1_700_000_000_123_456_789,
        payload_len: 24,
    };
    let dump = "4d 59 43 4c 03 00 11 00 2a 00 00 00 00 00 00 00 \
                07 00 00 00 00 00 00 00 63 00 00 00 00 00 00 00 \
                15 cd 85 3d fe 9c 97 17 18 00 00 00 00 00 00 00";
    let expected: Vec<u8> =
        dump.split_whitespace().map(|b| u8::from_str_radix(b, 16).unwrap()).collect();
    let mut bytes = [0; HEADER_LEN];
    header.encode(&mut bytes);
    assert_eq!(&bytes[..], &expected[..]);
    assert_eq!(header.wire_len(), 48 + 32);
}
