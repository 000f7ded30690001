//! Actors on other nodes: the wire layer (frames, payloads, the handshake), the links
//! between nodes, and the remote half of [`ActorRef`](crate::ActorRef). The
//! byte-level protocol is in `docs/PROTOCOL.md`.
//!
//! A node starts its remote side with [`Node::start_remote`](crate::Node::start_remote)
//! (listeners, secret), dials peers with [`Node::connect`](crate::Node::connect),
//! makes actors reachable with [`Node::expose`](crate::Node::expose), and reaches
//! other nodes' actors with [`Node::lookup_remote`](crate::Node::lookup_remote)
//! (`"name@node"`). The transport is chosen for the caller: local on this node, a
//! Unix socket when the peer's socket file exists on this host, TCP otherwise.
//!
//! # Layout
//! - `config`: [`RemoteConfig`], [`PeerAddr`], [`Transport`].
//! - `net`: listeners, dialers (reconnect with backoff), the link table.
//! - `link`: one peer's state across connections: queue, pending asks, watchers,
//!   figures ([`LinkMetrics`]).
//! - `outbox`: the bounded outbound batch that senders serialize into.
//! - `conn`: one connection: the writer task and the reader that dispatches.
//! - `stream`: socket halves, and the busy-poll reader.
//! - `exposed` and `inbound`: actors reachable by name, decoding or in place
//!   ([`ArchivedMessage`]).
//! - `remote_ref`: sends and asks to a remote actor.
//! - `sys`: node-level requests (typed lookup).
//! - `proxy`: [`FaultProxy`], link faults on demand, for tests.
//! - `api`: the `Node` methods above.
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

mod api;
mod config;
mod conn;
mod decoder;
mod encoder;
pub(crate) mod exposed;
mod frame;
mod handshake;
mod inbound;
pub(crate) mod link;
pub(crate) mod net;
pub(crate) mod outbox;
mod proxy;
pub(crate) mod remote_ref;
mod stream;
mod sys;
mod wire;

pub use config::{
    PeerAddr, ReconnectBackoff, RemoteConfig, Transport, DEFAULT_OUTBOUND_BYTES,
    DEFAULT_OUTBOUND_FRAMES,
};
pub use decoder::FrameDecoder;
pub use encoder::FrameEncoder;
pub use frame::{
    name_hash, unix_nanos_now, CloseReason, FrameError, FrameHeader, FrameKind,
    DEFAULT_MAX_PAYLOAD, FLAG_ECHO, FLAG_ERROR, FLAG_RESUME, FLAG_TARGET_NAME, FRAME_ALIGN,
    HEADER_LEN, MAGIC, PROTOCOL_VERSION,
};
pub use handshake::{handshake, HandshakeError, PeerInfo, Role, CHALLENGE_LEN, MAX_NAME_LEN};
pub use inbound::ArchivedMessage;
pub use link::{LinkMetrics, LinkState};
pub use net::RemoteError;
pub use proxy::FaultProxy;
pub use wire::{access_payload, decode_payload, encode_payload, RemoteMessage, WireError};
