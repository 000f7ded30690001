//! Frame authentication. The handshake leaves both sides with the same two session
//! keys, one per direction, derived from the secret, both challenges and both names
//! ([`SessionKeys`]). From then on every frame travels inside a *seal*: a `Seal`
//! frame whose payload is a run of whole frames followed by a 16-byte tag: the
//! AEGIS-128L tag of the seal's header and those frames, as associated data with an
//! empty message, the seal's number as the nonce. Seals are numbered 1, 2, 3, …
//! per connection and direction, and the number is in the tagged header, so a relay
//! that forwarded the handshake can neither inject, alter, drop, reorder nor replay
//! frames: the receiver checks every seal's number and tag before it looks at any
//! frame inside. Byte-level description in `docs/PROTOCOL.md`, section 3.5.
//!
//! One tag per seal, not per frame: a writer seals the whole batch it writes (cut
//! into seals of about [`UNIT_TARGET`] bytes), so a stream of small messages pays one
//! pass over its bytes and one tag per batch, not a tag per message.
//!
//! Why AEGIS-128L: a round trip of small messages pays four tags (seal and open, each
//! way), so the fixed cost per tag matters as much as the cost per byte. With AES-NI it
//! tags a 112-byte seal in about 45 ns and 64 KiB in about 5 µs, against 170 ns and
//! 13 µs for keyed BLAKE3 and 100 ns and 40 µs for AES-GMAC (`aes-gcm`) on the same
//! machine (docs/BENCHMARKS.md). Seal numbers never repeat under one key (each
//! connection and direction has its own), as the AEAD's nonce must not.

use std::ops::Range;

use aegis::aegis128l::Aegis128L;
use hkdf::Hkdf;
use sha2::Sha256;

use super::frame::{padded, FrameHeader, FrameKind, HEADER_LEN};
use super::handshake::{Role, CHALLENGE_LEN};

/// Length of a seal's tag, in bytes (AEGIS-128L's 128-bit tag).
pub const TAG_LEN: usize = 16;
/// Length of a direction's key, in bytes (an AEGIS-128L key).
const KEY_LEN: usize = 16;
/// A seal takes no further frame once its frames reach this many bytes: seals are at
/// most this plus one frame. Bounds what a receiver buffers before it can check a tag.
pub const UNIT_TARGET: usize = 64 * 1024;
/// Domain separation for the session keys (HKDF `info` prefix).
const KEY_LABEL: &[u8] = b"mycelium-session-v3";

/// The two keys of one connection, one for each direction, derived from the
/// handshake. Each side seals what it writes with one and opens what it reads with
/// the other.
#[derive(Clone)]
pub struct SessionKeys {
    send: [u8; KEY_LEN],
    recv: [u8; KEY_LEN],
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a key.
        f.write_str("SessionKeys(..)")
    }
}

/// What a handshake binds the session keys to.
pub(crate) struct Transcript<'a> {
    pub(crate) secret: &'a [u8],
    pub(crate) role: Role,
    pub(crate) initiator_challenge: &'a [u8; CHALLENGE_LEN],
    pub(crate) acceptor_challenge: &'a [u8; CHALLENGE_LEN],
    pub(crate) initiator_name: &'a str,
    pub(crate) acceptor_name: &'a str,
}

impl SessionKeys {
    /// HKDF-SHA256 with the secret as input key material, both challenges
    /// (initiator's first) as salt, and as `info` the label, the direction byte
    /// (0: initiator to acceptor, 1: acceptor to initiator) and both names,
    /// length-prefixed, initiator's first.
    pub(crate) fn derive(t: &Transcript<'_>) -> Self {
        let mut salt = [0; 2 * CHALLENGE_LEN];
        salt[..CHALLENGE_LEN].copy_from_slice(t.initiator_challenge);
        salt[CHALLENGE_LEN..].copy_from_slice(t.acceptor_challenge);
        let hkdf = Hkdf::<Sha256>::new(Some(&salt), t.secret);
        let key = |direction: u8| {
            let mut info = Vec::with_capacity(KEY_LABEL.len() + 3 + 2 * 255);
            info.extend_from_slice(KEY_LABEL);
            info.push(direction);
            for name in [t.initiator_name, t.acceptor_name] {
                // Names are at most 255 bytes (checked by the handshake).
                info.push(name.len() as u8);
                info.extend_from_slice(name.as_bytes());
            }
            let mut okm = [0; KEY_LEN];
            // 16 bytes is far below HKDF-SHA256's limit of 8160: cannot fail.
            let _ = hkdf.expand(&info, &mut okm);
            okm
        };
        let (to_acceptor, to_initiator) = (key(0), key(1));
        match t.role {
            Role::Initiator => Self { send: to_acceptor, recv: to_initiator },
            Role::Acceptor => Self { send: to_initiator, recv: to_acceptor },
        }
    }

    /// Seals what this side writes, numbering seals from 1.
    pub fn sealer(&self) -> Sealer {
        Sealer { key: self.send, next: 1 }
    }

    /// Opens what this side reads, expecting seals numbered from 1.
    pub fn opener(&self) -> Opener {
        Opener { key: self.recv, next: 1 }
    }
}

/// Why a seal was refused. The connection must be closed: the bytes did not come
/// from the peer that did the handshake, or not in the order it wrote them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// A frame came outside a seal.
    #[error("a {0:?} frame outside a seal")]
    Unsealed(FrameKind),
    /// A seal's number is not the next one: a seal was dropped, replayed or moved.
    #[error("seal {got} where seal {expected} was due")]
    OutOfOrder {
        /// The number due.
        expected: u64,
        /// The number found.
        got: u64,
    },
    /// The tag does not match the seal's bytes: forged or altered.
    #[error("the seal's tag does not match its bytes")]
    BadTag,
    /// The seal is not laid out as one: a bad length, a frame running past the
    /// seal's end, a seal or handshake frame inside one.
    #[error("malformed seal: {0}")]
    Malformed(&'static str),
}

/// Seals batches written on one connection. See the module docs.
pub struct Sealer {
    key: [u8; KEY_LEN],
    next: u64,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer").field("next", &self.next).finish_non_exhaustive()
    }
}

impl Sealer {
    /// Seals, in place, every seal of `batch`, a batch laid out by a sealing
    /// [`FrameEncoder`](super::encoder::FrameEncoder) (see
    /// [`FrameEncoder::sealed`](super::encoder::FrameEncoder::sealed)), whose seals
    /// are closed: numbers each seal, stamps it, and fills in its tag.
    pub fn seal(&mut self, batch: &mut [u8]) {
        let mut at = 0;
        while let Some(unit) = next_unit(batch, at) {
            let stamp = FrameHeader {
                sequence: self.next,
                payload_len: (unit.end - unit.start - HEADER_LEN) as u32,
                ..FrameHeader::new(FrameKind::Seal)
            };
            let mut header = [0; HEADER_LEN];
            stamp.encode(&mut header);
            batch[unit.start..unit.start + HEADER_LEN].copy_from_slice(&header);
            let tag_at = unit.end - TAG_LEN;
            let tag =
                aead(&self.key, self.next).encrypt_in_place(&mut [], &batch[unit.start..tag_at]);
            batch[tag_at..unit.end].copy_from_slice(&tag);
            self.next += 1;
            at = unit.end;
        }
    }

    /// The number the next seal gets.
    pub fn next_number(&self) -> u64 {
        self.next
    }
}

/// Checks the seals read on one connection, in order. See the module docs.
pub struct Opener {
    key: [u8; KEY_LEN],
    next: u64,
}

impl std::fmt::Debug for Opener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opener").field("next", &self.next).finish_non_exhaustive()
    }
}

impl Opener {
    /// Checks one whole seal (`header` already decoded from its first bytes):
    /// its number, then its tag, in constant time. Returns the range of its frames
    /// within `seal`.
    pub(crate) fn open(
        &mut self,
        header: &FrameHeader,
        seal: &[u8],
    ) -> Result<Range<usize>, SealError> {
        if header.sequence != self.next {
            return Err(SealError::OutOfOrder { expected: self.next, got: header.sequence });
        }
        let tag_at = seal.len() - TAG_LEN;
        let mut tag = [0; TAG_LEN];
        tag.copy_from_slice(&seal[tag_at..]);
        // libaegis compares tags in constant time.
        aead(&self.key, self.next)
            .decrypt_in_place(&mut [], &tag, &seal[..tag_at])
            .map_err(|_| SealError::BadTag)?;
        self.next += 1;
        Ok(HEADER_LEN..tag_at)
    }
}

/// The AEAD that tags seal number `number` under `key`: its nonce is the number,
/// little-endian, then eight zero bytes.
fn aead(key: &[u8; KEY_LEN], number: u64) -> Aegis128L<TAG_LEN> {
    let mut nonce = [0; 16];
    nonce[..8].copy_from_slice(&number.to_le_bytes());
    Aegis128L::new(key, &nonce)
}

/// Checks a seal's header before its bytes are read: its payload holds whole frames
/// (a multiple of 16 bytes) and a tag, and at most `max_len` bytes.
pub(crate) fn check_seal_header(header: &FrameHeader, max_len: usize) -> Result<(), SealError> {
    if header.kind != FrameKind::Seal {
        return Err(SealError::Unsealed(header.kind));
    }
    let len = header.payload_len as usize;
    if len < TAG_LEN + HEADER_LEN || !len.is_multiple_of(16) {
        return Err(SealError::Malformed("a seal's length is not that of frames and a tag"));
    }
    if len > max_len {
        return Err(SealError::Malformed("a seal over the size limit"));
    }
    Ok(())
}

/// The largest seal payload a receiver accepts, for a frame payload limit of
/// `max_payload`: [`UNIT_TARGET`] bytes of frames, one more frame of the largest
/// size, and the tag.
pub(crate) fn max_seal_len(max_payload: u32) -> usize {
    UNIT_TARGET + HEADER_LEN + padded(max_payload as usize) + TAG_LEN
}

/// The byte range of the seal starting at `at` in a batch of closed seals, if one
/// starts there.
fn next_unit(batch: &[u8], at: usize) -> Option<Range<usize>> {
    let header = batch.get(at..at + HEADER_LEN)?;
    let len = u32::from_le_bytes([header[40], header[41], header[42], header[43]]) as usize;
    let end = (at + HEADER_LEN + len).min(batch.len());
    Some(at..end)
}

/// The byte range of each frame inside the seals of `batch` (a batch a sealing
/// encoder laid out), in order.
pub(crate) fn frames(batch: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut unit_at = 0;
    let mut inner: Option<Range<usize>> = None;
    std::iter::from_fn(move || loop {
        if let Some(range) = inner.as_mut() {
            if range.start + HEADER_LEN <= range.end {
                let header = FrameHeader::decode(&batch[range.start..]).ok()?;
                let frame = range.start..(range.start + header.wire_len()).min(range.end);
                range.start = frame.end;
                return Some(frame);
            }
        }
        let unit = next_unit(batch, unit_at)?;
        unit_at = unit.end;
        inner = Some(unit.start + HEADER_LEN..unit.end.saturating_sub(TAG_LEN));
    })
}
