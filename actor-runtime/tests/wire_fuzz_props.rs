//! Property tests: arbitrary bytes fed to the `FrameDecoder` and to the handshake (as
//! acceptor and initiator) never panic, never hang, and never authenticate. The
//! bodies are the fuzz targets' own (`fuzz/src/lib.rs`), compiled here as well.
use mycelium::remote::{FrameEncoder, FrameHeader, FrameKind, PROTOCOL_VERSION};
use proptest::prelude::*;

#[allow(unreachable_pub, dead_code)]
#[path = "../../fuzz/src/lib.rs"]
mod fuzz_bodies;

/// Well-formed frames with arbitrary fields and payloads, then mutated: gets past
/// the magic check far more often than pure noise.
fn mutated_frames() -> impl Strategy<Value = Vec<u8>> {
    let frame =
        (any::<u8>(), any::<u8>(), any::<u64>(), proptest::collection::vec(any::<u8>(), 0..300));
    (
        proptest::collection::vec(frame, 1..8),
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        0usize..64,
    )
        .prop_map(|(frames, flips, cut)| {
            let mut enc = FrameEncoder::new();
            for (kind, flags, seq, payload) in frames {
                let kind = FrameKind::from_u8(kind % 0x22).unwrap_or(FrameKind::Tell);
                let header = FrameHeader { flags, sequence: seq, ..FrameHeader::new(kind) };
                enc.push_raw(header, &payload).unwrap();
            }
            let mut bytes = enc.as_bytes().to_vec();
            for (at, value) in flips {
                let i = at.index(bytes.len());
                bytes[i] = value;
            }
            bytes.truncate(bytes.len().saturating_sub(cut));
            bytes
        })
}

/// A well-formed Hello followed by arbitrary bytes.
fn hello_then_noise() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(any::<u8>(), 33..300),
        proptest::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(|(payload, tail)| {
            let mut enc = FrameEncoder::new();
            let header =
                FrameHeader { version: PROTOCOL_VERSION, ..FrameHeader::new(FrameKind::Hello) };
            enc.push_raw(header, &payload).unwrap();
            let mut bytes = enc.as_bytes().to_vec();
            bytes.extend_from_slice(&tail);
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn decoder_survives_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        fuzz_bodies::frame_decoder(&bytes);
    }

    #[test]
    fn decoder_survives_mutated_frames(limit in any::<u8>(), bytes in mutated_frames()) {
        let mut input = vec![limit];
        input.extend_from_slice(&bytes);
        fuzz_bodies::frame_decoder(&input);
    }

    #[test]
    fn handshake_survives_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        fuzz_bodies::handshake(&bytes);
    }

    #[test]
    fn handshake_survives_a_hello_then_noise(bytes in hello_then_noise()) {
        fuzz_bodies::handshake(&bytes);
    }
}

#[test]
fn fuzz_bodies_accept_the_empty_input() {
    fuzz_bodies::frame_decoder(&[]);
    fuzz_bodies::handshake(&[]);
}
