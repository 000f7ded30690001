//! The bodies of the fuzz targets in `fuzz_targets/`.
//!
//! Each takes arbitrary bytes as what a peer sent and must never panic, hang or
//! authenticate. `actor-runtime/tests/wire_fuzz_props.rs` includes this file with
//! `#[path]` and runs the same bodies under proptest, so it only uses crates that
//! `mycelium` itself depends on (tokio, rkyv).

use std::future::Future;
use std::time::Duration;

use mycelium::remote::{
    access_payload, decode_payload, handshake as run_handshake, FrameDecoder, Role, FRAME_ALIGN,
};

/// A payload type with variable-length parts, so bytecheck has work to do.
#[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Sample {
    /// A string (UTF-8 and bounds checks).
    pub name: String,
    /// A vector (length and bounds checks).
    pub values: Vec<u64>,
    /// An option (tag check).
    pub flag: Option<u32>,
}

/// Decodes `data` as a stream of frames until the end or the first error. The first
/// byte picks the payload limit, so the size check is exercised at many limits.
pub fn frame_decoder(data: &[u8]) {
    let max = data.first().map_or(1 << 20, |&b| u32::from(b) * 64);
    let input = data.get(1..).unwrap_or_default();
    block_on(async {
        let mut decoder = FrameDecoder::with_max_payload(input, max);
        while let Ok(Some((header, payload))) = decoder.next_frame().await {
            assert_eq!(payload.len(), header.payload_len as usize);
            assert!(header.payload_len <= max);
            assert_eq!(payload.as_ptr() as usize % FRAME_ALIGN, 0, "payload misaligned");
            let _ = access_payload::<Sample>(payload);
            let _ = decode_payload::<Sample>(payload);
            let _ = decode_payload::<String>(payload);
        }
    });
}

/// Runs the handshake as acceptor and as initiator against a peer that sent `data`
/// (and reads nothing). It must fail: `data` cannot know the secret's proof for a
/// fresh random challenge.
pub fn handshake(data: &[u8]) {
    for role in [Role::Acceptor, Role::Initiator] {
        let mut stream = tokio::io::join(data, tokio::io::sink());
        let result = block_on(run_handshake(
            &mut stream,
            "fuzz-node",
            b"fuzz-secret",
            role,
            Duration::from_secs(5),
        ));
        assert!(result.is_err(), "arbitrary bytes authenticated as {role:?}");
    }
}

fn block_on<F: Future>(future: F) -> F::Output {
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a current-thread runtime");
    }
    RUNTIME.with(|rt| rt.block_on(future))
}
