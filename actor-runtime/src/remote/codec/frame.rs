//! The fixed frame header: 48 bytes, little-endian, documented byte by byte in
//! `docs/PROTOCOL.md`.
//!
//! | offset | size | field         |
//! |-------:|-----:|---------------|
//! | 0      | 4    | magic `MYCL`  |
//! | 4      | 2    | version (u16) |
//! | 6      | 1    | kind (u8)     |
//! | 7      | 1    | flags (u8)    |
//! | 8      | 8    | target (u64)  |
//! | 16     | 8    | sequence (u64)|
//! | 24     | 8    | correlation (u64) |
//! | 32     | 8    | sent_at_ns (u64)  |
//! | 40     | 4    | payload_len (u32) |
//! | 44     | 4    | reserved, zero    |
//!
//! The payload follows the header, then zero padding up to the next multiple of
//! [`FRAME_ALIGN`], so every frame starts (and every payload starts) 16-byte aligned
//! relative to the start of the stream.

use std::io;
use std::time::{SystemTime, UNIX_EPOCH};

use super::seal::SealError;

/// The four bytes every frame starts with.
pub const MAGIC: [u8; 4] = *b"MYCL";
/// The protocol version this build speaks. A peer with another version is refused.
pub const PROTOCOL_VERSION: u16 = 3;
/// Length of the fixed header in bytes (a multiple of [`FRAME_ALIGN`]).
pub const HEADER_LEN: usize = 48;
/// Frames are padded to a multiple of this many bytes, so that payloads stay aligned
/// for zero-copy rkyv access.
pub const FRAME_ALIGN: usize = 16;
/// Default limit on a frame's payload length: 1 MiB. Larger frames are rejected from
/// their header, before any buffer grows for them.
pub const DEFAULT_MAX_PAYLOAD: u32 = 1 << 20;

/// Flag bit: `target` is the [`name_hash`] of a registered name, not an actor id.
pub const FLAG_TARGET_NAME: u8 = 0x01;
/// Flag bit (on `Reply`): the remote ask failed; the payload describes the error.
pub const FLAG_ERROR: u8 = 0x02;
/// Flag bit (on `Heartbeat`): an echo of the peer's probe, carrying its correlation.
pub const FLAG_ECHO: u8 = 0x04;
/// Flag bit (on `Ack`): the first frame of a connection, resuming the link (see
/// `docs/PROTOCOL.md`): `correlation` is the sender's incarnation, `target` the
/// receiver's incarnation as the sender knows it (0 if none), `sequence` the last
/// data frame the sender received in order from that incarnation.
pub const FLAG_RESUME: u8 = 0x08;

/// What a frame carries. Unknown kinds are rejected as [`FrameError::UnknownKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum FrameKind {
    /// Handshake: node name and a fresh 32-byte challenge.
    Hello = 0x01,
    /// Handshake: the HMAC answering the peer's challenge.
    Response = 0x02,
    /// A message with no reply expected.
    Tell = 0x10,
    /// A request; the answer comes back as a `Reply` with the same correlation id.
    Ask = 0x11,
    /// The answer to an `Ask`, matched by correlation id.
    Reply = 0x12,
    /// Cumulative acknowledgement: `sequence` is the highest in-order sequence seen.
    Ack = 0x13,
    /// Authenticates the frames it carries: its payload is whole frames, then a tag
    /// (see `docs/PROTOCOL.md`, section 3.5). After the handshake every frame is
    /// inside one.
    Seal = 0x14,
    /// Liveness probe; empty payload.
    Heartbeat = 0x20,
    /// Orderly close; payload is one [`CloseReason`] byte.
    Close = 0x21,
}

impl FrameKind {
    /// The kind for a wire byte, if it is one this version knows.
    pub fn from_u8(byte: u8) -> Option<Self> {
        Some(match byte {
            0x01 => Self::Hello,
            0x02 => Self::Response,
            0x10 => Self::Tell,
            0x11 => Self::Ask,
            0x12 => Self::Reply,
            0x13 => Self::Ack,
            0x14 => Self::Seal,
            0x20 => Self::Heartbeat,
            0x21 => Self::Close,
            _ => return None,
        })
    }
}

/// Why a peer closes the connection: the one-byte payload of a `Close` frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum CloseReason {
    /// Orderly shutdown (also any code this version does not know).
    Normal = 0,
    /// The handshake proof did not verify: the secrets differ.
    WrongSecret = 1,
    /// The peer speaks another protocol version.
    VersionMismatch = 2,
    /// The peer sent something this side cannot parse.
    ProtocolError = 3,
    /// Both nodes connected to each other at once; this connection is the one given
    /// up (the one initiated by the node with the greater name). Not a loss.
    Duplicate = 4,
}

impl CloseReason {
    /// The reason for a wire byte; unknown codes read as `Normal`.
    pub fn from_u8(byte: u8) -> Self {
        match byte {
            1 => Self::WrongSecret,
            2 => Self::VersionMismatch,
            3 => Self::ProtocolError,
            4 => Self::Duplicate,
            _ => Self::Normal,
        }
    }
}

/// Why bytes are not a valid frame. After any of these the stream is out of sync:
/// close the connection.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The first four bytes are not [`MAGIC`].
    #[error("bad magic {0:02x?}: not a mycelium frame")]
    BadMagic([u8; 4]),
    /// The peer speaks another protocol version.
    #[error("unsupported protocol version {got} (this node speaks {PROTOCOL_VERSION})")]
    UnsupportedVersion {
        /// The version in the header.
        got: u16,
    },
    /// The kind byte is not a [`FrameKind`].
    #[error("unknown frame kind 0x{0:02x}")]
    UnknownKind(u8),
    /// The reserved header bytes are not zero.
    #[error("reserved header bytes are not zero")]
    ReservedNotZero,
    /// The payload length is over the limit; nothing was allocated for it.
    #[error("frame payload of {len} bytes is over the limit of {max}")]
    Oversized {
        /// The announced (or produced) payload length.
        len: u64,
        /// The limit in force.
        max: u32,
    },
    /// The bytes (or the stream) end inside a frame.
    #[error("truncated frame")]
    Truncated,
    /// A seal did not check out (see [`SealError`]).
    #[error("frame authentication failed: {0}")]
    Seal(#[from] SealError),
    /// Reading from the stream failed.
    #[error("i/o error while reading frames: {0}")]
    Io(#[from] io::Error),
}

/// The fixed header in front of every frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameHeader {
    /// Protocol version; [`PROTOCOL_VERSION`] unless crafting a test frame.
    pub version: u16,
    /// What the frame carries.
    pub kind: FrameKind,
    /// Flag bits ([`FLAG_TARGET_NAME`], [`FLAG_ERROR`], [`FLAG_ECHO`],
    /// [`FLAG_RESUME`]); other bits are sent as 0 and ignored on receipt.
    pub flags: u8,
    /// The receiving actor: its `ActorId` number, or with [`FLAG_TARGET_NAME`] the
    /// [`name_hash`] of its registered name. 0 for frames addressed to the link.
    pub target: u64,
    /// Per-link, per-direction sequence number (0 during the handshake).
    pub sequence: u64,
    /// Ask/reply correlation id; 0 for every other kind.
    pub correlation: u64,
    /// Send time, ns since the Unix epoch on the sender's clock (not synchronized).
    pub sent_at_ns: u64,
    /// Payload length in bytes, excluding header and padding.
    pub payload_len: u32,
}

impl FrameHeader {
    /// A header of `kind` for this protocol version, stamped now, all else zero.
    pub fn new(kind: FrameKind) -> Self {
        Self::new_at(kind, unix_nanos_now())
    }

    /// A header of `kind` for this protocol version, all else zero, `sent_at_ns`
    /// included: for frames sent inside a seal, which carries the send time for all
    /// of them (a clock read per message is a good part of a message's cost).
    pub fn unstamped(kind: FrameKind) -> Self {
        Self::new_at(kind, 0)
    }

    const fn new_at(kind: FrameKind, sent_at_ns: u64) -> Self {
        Self {
            version: PROTOCOL_VERSION,
            kind,
            flags: 0,
            target: 0,
            sequence: 0,
            correlation: 0,
            sent_at_ns,
            payload_len: 0,
        }
    }

    /// Writes the header into `out`, little-endian, reserved bytes zero.
    pub fn encode(&self, out: &mut [u8; HEADER_LEN]) {
        out[0..4].copy_from_slice(&MAGIC);
        out[4..6].copy_from_slice(&self.version.to_le_bytes());
        out[6] = self.kind as u8;
        out[7] = self.flags;
        out[8..16].copy_from_slice(&self.target.to_le_bytes());
        out[16..24].copy_from_slice(&self.sequence.to_le_bytes());
        out[24..32].copy_from_slice(&self.correlation.to_le_bytes());
        out[32..40].copy_from_slice(&self.sent_at_ns.to_le_bytes());
        out[40..44].copy_from_slice(&self.payload_len.to_le_bytes());
        out[44..48].fill(0);
    }

    /// Parses a header from the first [`HEADER_LEN`] bytes of `bytes`. Checks, in
    /// order: length, magic, version, kind, reserved bytes. The payload length is
    /// checked against a limit by [`FrameHeader::check_len`], not here.
    pub fn decode(bytes: &[u8]) -> Result<Self, FrameError> {
        let Some(h) = bytes.first_chunk::<HEADER_LEN>() else {
            return Err(FrameError::Truncated);
        };
        let magic = [h[0], h[1], h[2], h[3]];
        if magic != MAGIC {
            return Err(FrameError::BadMagic(magic));
        }
        let version = u16::from_le_bytes([h[4], h[5]]);
        if version != PROTOCOL_VERSION {
            return Err(FrameError::UnsupportedVersion { got: version });
        }
        let kind = FrameKind::from_u8(h[6]).ok_or(FrameError::UnknownKind(h[6]))?;
        if h[44..48] != [0; 4] {
            return Err(FrameError::ReservedNotZero);
        }
        Ok(Self {
            version,
            kind,
            flags: h[7],
            target: le_u64(h, 8),
            sequence: le_u64(h, 16),
            correlation: le_u64(h, 24),
            sent_at_ns: le_u64(h, 32),
            payload_len: u32::from_le_bytes([h[40], h[41], h[42], h[43]]),
        })
    }

    /// `Oversized` if the payload length is over `max`.
    pub fn check_len(&self, max: u32) -> Result<(), FrameError> {
        if self.payload_len > max {
            return Err(FrameError::Oversized { len: u64::from(self.payload_len), max });
        }
        Ok(())
    }

    /// Bytes the whole frame occupies on the wire: header, payload, padding.
    pub fn wire_len(&self) -> usize {
        HEADER_LEN + padded(self.payload_len as usize)
    }
}

/// `len` rounded up to a multiple of [`FRAME_ALIGN`].
pub(crate) fn padded(len: usize) -> usize {
    len.next_multiple_of(FRAME_ALIGN)
}

fn le_u64(h: &[u8; HEADER_LEN], at: usize) -> u64 {
    let mut b = [0; 8];
    b.copy_from_slice(&h[at..at + 8]);
    u64::from_le_bytes(b)
}

/// Nanoseconds since the Unix epoch on this machine's clock (0 if it is before 1970).
pub fn unix_nanos_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

/// The 64-bit FNV-1a hash of a registered name, used as `target` with
/// [`FLAG_TARGET_NAME`]. Stable across builds and platforms (documented in
/// `docs/PROTOCOL.md`).
pub fn name_hash(name: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in name.as_bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}
