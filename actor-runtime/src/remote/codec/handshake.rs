//! The handshake that opens every connection, before any message: protocol version,
//! node names, and an HMAC-SHA256 challenge-response over a shared secret, both ways
//! (like Erlang's distribution cookie). Byte-level description in `docs/PROTOCOL.md`.
//!
//! ```text
//! initiator                                  acceptor
//!   Hello { challenge cI, name I }   ------>
//!                                    <------ Hello { challenge cA, name A }
//!   Response { proof_I }             ------>  verifies proof_I (constant time)
//!                                    <------ Response { proof_A }
//!   verifies proof_A (constant time)
//! ```
//!
//! The acceptor answers a challenge only after the initiator has proved it knows the
//! secret, so an unauthenticated client gets no MAC over a challenge of its choosing.
//! Both sides then derive the session keys that seal every later frame
//! ([`SessionKeys`]).
//! A side that refuses sends `Close(reason)` (best effort) and drops the connection.

use std::io;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::encoder::FrameEncoder;
use super::frame::{CloseReason, FrameError, FrameHeader, FrameKind, HEADER_LEN, PROTOCOL_VERSION};
use super::seal::{SessionKeys, Transcript};

/// Longest node name accepted, in bytes (UTF-8).
pub const MAX_NAME_LEN: usize = 255;
/// Length of a handshake challenge, in bytes.
pub const CHALLENGE_LEN: usize = 32;
/// Length of a handshake proof (HMAC-SHA256), in bytes.
const PROOF_LEN: usize = 32;
/// Largest Hello payload: challenge then name.
const HELLO_MAX: usize = CHALLENGE_LEN + MAX_NAME_LEN;
/// How long a refusing side keeps reading before it drops the connection.
const LINGER: Duration = Duration::from_millis(100);
/// At most this many reads of 1 KiB while lingering.
const LINGER_READS: usize = 64;
/// Domain separation for the proofs.
const PROOF_TAG: &[u8] = b"mycelium-handshake-v1";

type HmacSha256 = Hmac<Sha256>;

/// Which end of the connection this side is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The side that connected; it speaks and proves itself first.
    Initiator = 0,
    /// The side that accepted the connection.
    Acceptor = 1,
}

/// Who is on the other end, once the handshake has succeeded.
#[derive(Debug, Clone)]
pub struct PeerInfo {
    /// The peer's node name.
    pub name: String,
    /// The protocol version both sides speak.
    pub version: u16,
    /// The keys that seal every frame from now on, both ways (see
    /// [`SessionKeys`]).
    pub session: SessionKeys,
}

/// Why a handshake failed. The connection must be dropped.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    /// The peer's proof did not verify, or the peer refused ours: the secrets differ.
    #[error("handshake refused: wrong secret")]
    WrongSecret,
    /// The peer speaks another protocol version.
    #[error("protocol version mismatch: ours {ours}, theirs {theirs}")]
    VersionMismatch {
        /// This node's version.
        ours: u16,
        /// The peer's version.
        theirs: u16,
    },
    /// The peer sent bytes that are not a valid handshake.
    #[error("handshake garbage: {reason}")]
    Garbage {
        /// What was wrong.
        reason: &'static str,
    },
    /// The handshake did not complete within its time bound.
    #[error("handshake timed out")]
    Timeout,
    /// Reading or writing the stream failed.
    #[error("i/o error during handshake: {0}")]
    Io(#[from] io::Error),
    /// A node name (ours or the peer's) is over [`MAX_NAME_LEN`] bytes; a peer's is
    /// refused from the frame header, before its bytes are read.
    #[error("node name of {len} bytes is over the limit of {max}")]
    NameTooLong {
        /// The name's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The peer closed the connection: end of stream (`None`) or a `Close` frame.
    #[error("peer closed the connection during the handshake ({reason:?})")]
    PeerClosed {
        /// The reason the peer gave, if it sent a `Close` frame.
        reason: Option<CloseReason>,
    },
    /// This side's own arguments are unusable (empty name or empty secret).
    #[error("invalid handshake configuration: {0}")]
    InvalidConfig(&'static str),
}

impl HandshakeError {
    /// The reason to tell the peer before dropping the connection, if any.
    fn close_reason(&self) -> Option<CloseReason> {
        match self {
            Self::WrongSecret => Some(CloseReason::WrongSecret),
            Self::VersionMismatch { .. } => Some(CloseReason::VersionMismatch),
            Self::Garbage { .. } | Self::NameTooLong { .. } => Some(CloseReason::ProtocolError),
            _ => None,
        }
    }
}

/// Runs the handshake on `stream` as `role`, within `timeout`, and returns the peer.
///
/// Reads exactly the handshake's frames and nothing more, so the stream can be handed
/// to a `FrameDecoder` afterwards. On any error (including [`HandshakeError::Timeout`],
/// after which the stream is mid-frame) drop the stream: nothing from it may be
/// delivered. Never panics on any input.
///
/// # Panics
/// If called outside a Tokio runtime with the time driver enabled (the bound is a
/// `tokio::time::timeout`).
pub async fn handshake<S>(
    stream: &mut S,
    my_name: &str,
    secret: &[u8],
    role: Role,
    timeout: Duration,
) -> Result<PeerInfo, HandshakeError>
where
    S: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    handshake_observed(stream, my_name, secret, role, timeout, &|| {}).await
}

/// [`handshake`], calling `on_hello` once the peer's `Hello` has been read and
/// checked: admission tells a peer that is getting somewhere from one that stalls.
pub(crate) async fn handshake_observed<S>(
    stream: &mut S,
    my_name: &str,
    secret: &[u8],
    role: Role,
    timeout: Duration,
    on_hello: &(dyn Fn() + Sync),
) -> Result<PeerInfo, HandshakeError>
where
    S: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    if my_name.len() > MAX_NAME_LEN {
        return Err(HandshakeError::NameTooLong { len: my_name.len(), max: MAX_NAME_LEN });
    }
    if my_name.is_empty() {
        return Err(HandshakeError::InvalidConfig("empty node name"));
    }
    if secret.is_empty() {
        return Err(HandshakeError::InvalidConfig("empty secret"));
    }
    let bounded = async {
        let mut io = HandshakeIo { stream, enc: FrameEncoder::with_max_payload(HELLO_MAX as u32) };
        let result = run(&mut io, my_name, secret, role, on_hello).await;
        if let Some(reason) = result.as_ref().err().and_then(HandshakeError::close_reason) {
            // Best effort: the peer may already be gone.
            let _ = io.send(FrameKind::Close, &[reason as u8]).await;
            io.linger().await;
        }
        result
    };
    tokio::time::timeout(timeout, bounded).await.unwrap_or(Err(HandshakeError::Timeout))
}

async fn run<S>(
    io: &mut HandshakeIo<'_, S>,
    my_name: &str,
    secret: &[u8],
    role: Role,
    on_hello: &(dyn Fn() + Sync),
) -> Result<PeerInfo, HandshakeError>
where
    S: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let mine: [u8; CHALLENGE_LEN] = rand::random();
    let mut hello = [0; HELLO_MAX];
    hello[..CHALLENGE_LEN].copy_from_slice(&mine);
    hello[CHALLENGE_LEN..CHALLENGE_LEN + my_name.len()].copy_from_slice(my_name.as_bytes());
    let hello = &hello[..CHALLENGE_LEN + my_name.len()];

    if role == Role::Initiator {
        io.send(FrameKind::Hello, hello).await?;
    }
    let peer = io.recv_hello().await?;
    if peer.challenge == mine {
        return Err(HandshakeError::Garbage { reason: "peer echoed our challenge" });
    }
    on_hello();
    let peer_role = match role {
        Role::Initiator => Role::Acceptor,
        Role::Acceptor => Role::Initiator,
    };
    let my_proof = proof(secret, role, &peer.challenge, &mine, my_name, &peer.name)?;
    let their_proof = proof(secret, peer_role, &mine, &peer.challenge, &peer.name, my_name)?;
    match role {
        Role::Initiator => {
            io.send(FrameKind::Response, &my_proof.finalize().into_bytes()).await?;
            let got = io.recv_response().await?;
            their_proof.verify_slice(&got).map_err(|_| HandshakeError::WrongSecret)?;
        }
        Role::Acceptor => {
            io.send(FrameKind::Hello, hello).await?;
            let got = io.recv_response().await?;
            their_proof.verify_slice(&got).map_err(|_| HandshakeError::WrongSecret)?;
            io.send(FrameKind::Response, &my_proof.finalize().into_bytes()).await?;
        }
    }
    let (initiator, acceptor) = match role {
        Role::Initiator => ((&mine, my_name), (&peer.challenge, peer.name.as_str())),
        Role::Acceptor => ((&peer.challenge, peer.name.as_str()), (&mine, my_name)),
    };
    let session = SessionKeys::derive(&Transcript {
        secret,
        role,
        initiator_challenge: initiator.0,
        acceptor_challenge: acceptor.0,
        initiator_name: initiator.1,
        acceptor_name: acceptor.1,
    });
    Ok(PeerInfo { name: peer.name, version: peer.version, session })
}

/// The proof `prover` gives: HMAC-SHA256 over the tag, the prover's role, the
/// challenge it answers, its own challenge and both names (length-prefixed).
fn proof(
    secret: &[u8],
    prover: Role,
    answered: &[u8; CHALLENGE_LEN],
    prover_challenge: &[u8; CHALLENGE_LEN],
    prover_name: &str,
    verifier_name: &str,
) -> Result<HmacSha256, HandshakeError> {
    let mut mac = HmacSha256::new_from_slice(secret)
        .map_err(|_| HandshakeError::InvalidConfig("unusable secret"))?;
    mac.update(PROOF_TAG);
    mac.update(&[prover as u8]);
    mac.update(answered);
    mac.update(prover_challenge);
    for name in [prover_name, verifier_name] {
        // Names are at most MAX_NAME_LEN (255) bytes: one length byte.
        mac.update(&[name.len() as u8]);
        mac.update(name.as_bytes());
    }
    Ok(mac)
}

struct PeerHello {
    name: String,
    challenge: [u8; CHALLENGE_LEN],
    version: u16,
}

struct HandshakeIo<'s, S: ?Sized> {
    stream: &'s mut S,
    enc: FrameEncoder,
}

impl<S: AsyncRead + AsyncWrite + Unpin + ?Sized> HandshakeIo<'_, S> {
    async fn send(&mut self, kind: FrameKind, payload: &[u8]) -> Result<(), HandshakeError> {
        self.enc
            .push_raw(FrameHeader::new(kind), payload)
            .map_err(|_| HandshakeError::InvalidConfig("handshake frame too large"))?;
        self.enc.flush(&mut *self.stream).await?;
        Ok(())
    }

    async fn recv_hello(&mut self) -> Result<PeerHello, HandshakeError> {
        let mut buf = [0; HELLO_MAX + 1];
        let (header, len) = self.recv(FrameKind::Hello, &mut buf).await?;
        let (challenge, name) = buf[..len].split_at(CHALLENGE_LEN);
        let name = std::str::from_utf8(name)
            .map_err(|_| HandshakeError::Garbage { reason: "peer name is not UTF-8" })?;
        let mut c = [0; CHALLENGE_LEN];
        c.copy_from_slice(challenge);
        Ok(PeerHello { name: name.to_owned(), challenge: c, version: header.version })
    }

    async fn recv_response(&mut self) -> Result<[u8; PROOF_LEN], HandshakeError> {
        let mut buf = [0; HELLO_MAX + 1];
        let (_, len) = self.recv(FrameKind::Response, &mut buf).await?;
        let mut proof = [0; PROOF_LEN];
        proof.copy_from_slice(&buf[..len]);
        Ok(proof)
    }

    /// Reads one frame of kind `want` (or a `Close`), checking its payload length
    /// from the header before reading it. Returns the header and the payload length.
    async fn recv(
        &mut self,
        want: FrameKind,
        buf: &mut [u8; HELLO_MAX + 1],
    ) -> Result<(FrameHeader, usize), HandshakeError> {
        let mut raw = [0; HEADER_LEN];
        self.read_exact(&mut raw).await?;
        let header = FrameHeader::decode(&raw).map_err(header_error)?;
        let len = header.payload_len as usize;
        let garbage = |reason| Err(HandshakeError::Garbage { reason });
        match header.kind {
            FrameKind::Close if len != 1 => return garbage("close payload is not one byte"),
            FrameKind::Close => {}
            FrameKind::Hello if len <= CHALLENGE_LEN => return garbage("hello without a name"),
            FrameKind::Hello if len > HELLO_MAX => {
                let len = len - CHALLENGE_LEN;
                return Err(HandshakeError::NameTooLong { len, max: MAX_NAME_LEN });
            }
            FrameKind::Hello => {}
            FrameKind::Response if len != PROOF_LEN => return garbage("proof is not 32 bytes"),
            FrameKind::Response => {}
            _ => return garbage("unexpected frame kind during the handshake"),
        }
        if header.kind != FrameKind::Close && header.kind != want {
            return garbage("handshake frames out of order");
        }
        // Payload and padding: at most 288 bytes, checked above.
        let padded = header.wire_len() - HEADER_LEN;
        self.read_exact(&mut buf[..padded]).await?;
        if header.kind == FrameKind::Close {
            return Err(match CloseReason::from_u8(buf[0]) {
                CloseReason::WrongSecret => HandshakeError::WrongSecret,
                reason => HandshakeError::PeerClosed { reason: Some(reason) },
            });
        }
        Ok((header, len))
    }

    /// After a refusal: closes our side and reads (and drops) what the peer already
    /// sent, briefly and boundedly, so that unread input does not turn the close
    /// into a reset that could destroy the `Close` frame before the peer reads it.
    async fn linger(&mut self) {
        let _ = self.stream.shutdown().await;
        let mut sink = [0u8; 1024];
        let drain = async {
            for _ in 0..LINGER_READS {
                match self.stream.read(&mut sink).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        };
        let _ = tokio::time::timeout(LINGER, drain).await;
    }

    async fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), HandshakeError> {
        match self.stream.read_exact(buf).await {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                Err(HandshakeError::PeerClosed { reason: None })
            }
            Err(e) => Err(HandshakeError::Io(e)),
        }
    }
}

fn header_error(e: FrameError) -> HandshakeError {
    let reason = match e {
        FrameError::UnsupportedVersion { got } => {
            return HandshakeError::VersionMismatch { ours: PROTOCOL_VERSION, theirs: got }
        }
        FrameError::Io(e) => return HandshakeError::Io(e),
        FrameError::BadMagic(_) => "bad magic",
        FrameError::UnknownKind(_) => "unknown frame kind",
        FrameError::ReservedNotZero => "reserved header bytes are not zero",
        FrameError::Oversized { .. } | FrameError::Truncated | FrameError::Seal(_) => {
            "malformed header"
        }
    };
    HandshakeError::Garbage { reason }
}
