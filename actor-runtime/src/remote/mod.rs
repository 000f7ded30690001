//! The wire layer for talking to actors on other nodes: frames, payloads and the
//! handshake. Links and remote actor references build on it; the byte-level protocol
//! is in `docs/PROTOCOL.md`.
//!
//! - [`FrameHeader`]: the fixed 48-byte little-endian header in front of every frame.
//! - [`FrameEncoder`]: serializes rkyv values straight into one reused, aligned batch
//!   buffer and writes the batch with one `write_all`.
//! - [`FrameDecoder`]: reads frames into one reused, 16-byte aligned buffer, checks
//!   the size limit before allocating, and lends out aligned payloads.
//! - [`RemoteMessage`]: the bound on messages that may cross a process, with
//!   [`encode_payload`], [`access_payload`] (zero-copy, validated) and
//!   [`decode_payload`] (validated, then deserialized).
//! - [`handshake`]: version, names and a mutual HMAC-SHA256 challenge-response over a
//!   shared secret, before any message.
//!
//! ```
//! use mycelium::remote::{access_payload, FrameDecoder, FrameEncoder, FrameHeader, FrameKind};
//!
//! #[derive(rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
//! struct Ping { n: u64, note: String }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut enc = FrameEncoder::new();
//! enc.push(FrameHeader::new(FrameKind::Tell), &Ping { n: 7, note: "hi".into() })?;
//! let mut wire = Vec::new();
//! enc.flush(&mut wire).await?;
//!
//! let mut dec = FrameDecoder::new(&wire[..]);
//! let (header, payload) = dec.next_frame().await?.ok_or("no frame")?;
//! assert_eq!(header.kind, FrameKind::Tell);
//! let ping = access_payload::<Ping>(payload)?;
//! assert_eq!((ping.n.to_native(), ping.note.as_str()), (7, "hi"));
//! # Ok(()) }
//! ```

mod decoder;
mod encoder;
mod frame;
mod handshake;
mod wire;

pub use decoder::FrameDecoder;
pub use encoder::FrameEncoder;
pub use frame::{
    name_hash, unix_nanos_now, CloseReason, FrameError, FrameHeader, FrameKind,
    DEFAULT_MAX_PAYLOAD, FLAG_ERROR, FLAG_TARGET_NAME, FRAME_ALIGN, HEADER_LEN, MAGIC,
    PROTOCOL_VERSION,
};
pub use handshake::{handshake, HandshakeError, PeerInfo, Role, CHALLENGE_LEN, MAX_NAME_LEN};
pub use wire::{access_payload, decode_payload, encode_payload, RemoteMessage, WireError};
