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
//! Three layers, each in its folder; each uses only the ones before it, except that a
//! link's reader hands the frames it accepts to the API layer for delivery.
//! - `codec/`: bytes. [`FrameHeader`] (`frame`: the fixed 48-byte little-endian
//!   header), [`FrameEncoder`] (`encoder`: rkyv values serialized straight into one
//!   reused, aligned batch buffer, written with one `write_all`), [`FrameDecoder`]
//!   (`decoder`: frames read into one reused, 16-byte aligned buffer, the size limit
//!   checked before allocating, payloads lent out aligned), [`RemoteMessage`]
//!   (`payload`: the bound on messages that may cross a process, with
//!   [`encode_payload`], [`access_payload`] (zero-copy, validated) and
//!   [`decode_payload`]), [`handshake`] (`handshake`: version, names and a mutual
//!   HMAC-SHA256 challenge-response over a shared secret, before any message), and
//!   [`SessionKeys`], [`Sealer`], [`Opener`] (`seal`: the keys the handshake derives,
//!   and the seals that authenticate every batch of frames after it).
//! - `links/`: the links between nodes. `net` (the link table, reclaiming,
//!   [`RemoteMetrics`]), `accept` with `admission`, `unix` and `refusals`
//!   (listening: who gets in), `dial` (dialers with backoff), `link` (one peer's state
//!   across connections: pending asks, watchers, figures, [`LinkMetrics`]), `outbox`
//!   (the bounded outbound batch that senders serialize into, kept until
//!   acknowledged), `conn`, `reader`, `writer` (one connection), `stream` (socket
//!   halves, the busy-poll reader).
//! - `api/`: what users and the rest of the runtime call. `node` (the `Node` methods
//!   above), `remote_ref` (sends and asks to a remote actor), `exposed` and `inbound`
//!   (actors reachable by name, decoding or in place: [`ArchivedMessage`]),
//!   `dispatch` and `held` (where an accepted frame goes; frames held for reserved
//!   names), `sys` (node-level requests: the typed lookup).
//! - `config`: [`RemoteConfig`], [`PeerAddr`], [`Transport`], shared by the layers.
//! - `proxy`: [`FaultProxy`], link faults on demand, for tests.
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
mod codec;
mod config;
mod links;
mod proxy;

// The paths the rest of the crate uses (the node, `ActorRef`, `ReplyTo`).
pub(crate) use api::{exposed, remote_ref};
pub(crate) use links::{link, net, outbox};

pub use api::inbound::ArchivedMessage;
pub use codec::decoder::FrameDecoder;
pub use codec::encoder::FrameEncoder;
pub use codec::frame::{
    name_hash, unix_nanos_now, CloseReason, FrameError, FrameHeader, FrameKind,
    DEFAULT_MAX_PAYLOAD, FLAG_ECHO, FLAG_ERROR, FLAG_RESUME, FLAG_TARGET_NAME, FRAME_ALIGN,
    HEADER_LEN, MAGIC, PROTOCOL_VERSION,
};
pub use codec::handshake::{
    handshake, HandshakeError, PeerInfo, Role, CHALLENGE_LEN, MAX_NAME_LEN,
};
pub use codec::payload::{
    access_payload, decode_payload, encode_payload, RemoteMessage, WireError,
};
pub use codec::seal::{Opener, SealError, Sealer, SessionKeys, TAG_LEN, UNIT_TARGET};
pub use config::{
    PeerAddr, ReconnectBackoff, RemoteConfig, Transport, UnixPeers, DEFAULT_LINK_LINGER,
    DEFAULT_MAX_LINKS, DEFAULT_MAX_PENDING_HANDSHAKES, DEFAULT_MAX_PENDING_PER_SOURCE,
    DEFAULT_OUTBOUND_BYTES, DEFAULT_OUTBOUND_FRAMES,
};
pub use links::link::{LinkMetrics, LinkState};
pub use links::net::{RemoteError, RemoteMetrics};
pub use proxy::FaultProxy;
