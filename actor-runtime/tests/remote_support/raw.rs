//! A raw peer: a socket that passed a real handshake with the secret, holding the
//! session keys, so that the frames it writes pass authentication and reach the
//! checks behind it. For tests that play a misbehaving (or hostile, authenticated)
//! peer byte by byte.

use mycelium::remote::{
    handshake, name_hash, FrameDecoder, FrameEncoder, FrameError, FrameHeader, FrameKind, Role,
    Sealer, FLAG_RESUME, FLAG_TARGET_NAME, HEADER_LEN, TAG_LEN,
};
use mycelium::{Node, Transport};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::{TcpStream, UnixStream};

use super::{within, SECRET, WAIT};

/// A raw socket to the server, whichever the transport.
pub trait Raw: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Raw for T {}

pub struct RawPeer {
    pub frames: FrameDecoder<ReadHalf<Box<dyn Raw>>>,
    pub write: WriteHalf<Box<dyn Raw>>,
    pub sealer: Sealer,
    /// The server's resume: its incarnation (`correlation`), ours as it knows it
    /// (`target`), the last data frame it has from us (`sequence`).
    pub resume: FrameHeader,
}

/// How the server ended a connection.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    Eof,
    Error(String),
}

impl RawPeer {
    /// Connects to `server` over `transport` as node `name`, handshakes, reads the
    /// server's resume and answers with ours: `incarnation`, the server's
    /// incarnation as we know it (`knows`, 0 for none) and the last frame we have
    /// from it (`last_in`).
    pub async fn connect(
        server: &Node,
        transport: Transport,
        name: &str,
        incarnation: u64,
        knows: u64,
        last_in: u64,
    ) -> Self {
        let mut stream: Box<dyn Raw> = match transport {
            Transport::Unix => {
                let path = server.local_unix_path().expect("unix path");
                Box::new(
                    within("a raw unix connect", UnixStream::connect(path)).await.expect("connect"),
                )
            }
            Transport::Tcp => {
                let addr = server.local_tcp_addr().expect("tcp addr");
                Box::new(
                    within("a raw tcp connect", TcpStream::connect(addr)).await.expect("connect"),
                )
            }
            Transport::Local => unreachable!("no raw socket to a local node"),
        };
        let peer = within(
            "the raw peer's handshake",
            handshake(&mut stream, name, SECRET, Role::Initiator, WAIT),
        )
        .await
        .expect("the raw peer knows the secret");
        let (read, write) = tokio::io::split(stream);
        let mut frames = FrameDecoder::new(read).with_opener(peer.session.opener());
        // The link opens with a resume frame each way (docs/PROTOCOL.md): the
        // server's comes first, then ours.
        let (resume, _) = within("the server's resume", frames.next_frame())
            .await
            .expect("a sealed frame")
            .expect("a resume");
        assert_eq!((resume.kind, resume.flags & FLAG_RESUME), (FrameKind::Ack, FLAG_RESUME));
        let mut raw = Self { frames, write, sealer: peer.session.sealer(), resume };
        let ours = FrameHeader {
            flags: FLAG_RESUME,
            correlation: incarnation,
            target: knows,
            sequence: last_in,
            ..FrameHeader::new(FrameKind::Ack)
        };
        let mut enc = FrameEncoder::new().sealed();
        enc.push_raw(ours, &[]).expect("frame a resume");
        raw.send(&mut enc).await;
        raw
    }

    /// Seals and writes what `enc` (a sealing encoder) holds.
    pub async fn send(&mut self, enc: &mut FrameEncoder) {
        enc.seal(&mut self.sealer);
        within("the raw peer's write", enc.flush(&mut self.write)).await.expect("write frames");
    }

    /// Writes bytes as they are.
    pub async fn write_raw(&mut self, bytes: &[u8]) {
        self.write.write_all(bytes).await.expect("write");
        self.write.flush().await.expect("flush");
    }

    /// The next frame from the server, skipping heartbeats (which its writer sends
    /// when idle); `None` at the end of the stream.
    pub async fn next_frame(&mut self) -> Result<Option<(FrameHeader, Vec<u8>)>, FrameError> {
        loop {
            match within("a frame from the server", self.frames.next_frame()).await? {
                Some((h, _)) if h.kind == FrameKind::Heartbeat => continue,
                Some((h, payload)) => return Ok(Some((h, payload.to_vec()))),
                None => return Ok(None),
            }
        }
    }

    /// Reads frames until the server closes the connection, skipping the heartbeats
    /// and acks its writer sends meanwhile. Fails the test on any other frame, or
    /// if the connection is still open after [`WAIT`].
    pub async fn until_closed(&mut self) -> Ended {
        let frames = &mut self.frames;
        within("the server to close the connection", async {
            loop {
                match frames.next_frame().await {
                    Ok(Some((header, _))) => assert!(
                        matches!(header.kind, FrameKind::Heartbeat | FrameKind::Ack),
                        "unexpected {header:?}"
                    ),
                    Ok(None) => return Ended::Eof,
                    Err(e) => return Ended::Error(e.to_string()),
                }
            }
        })
        .await
    }
}

/// A header addressed to the sink by name: data frame number `sequence` of the
/// raw peer's link.
pub fn to_sink(kind: FrameKind, sequence: u64) -> FrameHeader {
    FrameHeader {
        flags: FLAG_TARGET_NAME,
        target: name_hash("sink"),
        sequence,
        ..FrameHeader::new(kind)
    }
}

pub fn header_bytes(header: FrameHeader) -> [u8; HEADER_LEN] {
    let mut bytes = [0; HEADER_LEN];
    header.encode(&mut bytes);
    bytes
}

/// A seal around `frames` (whole frames, however malformed), sealed with `sealer`.
pub fn seal_raw(sealer: &mut Sealer, frames: &[u8]) -> Vec<u8> {
    let len = (frames.len() + TAG_LEN) as u32;
    let mut seal =
        header_bytes(FrameHeader { payload_len: len, ..FrameHeader::new(FrameKind::Seal) })
            .to_vec();
    seal.extend_from_slice(frames);
    seal.extend_from_slice(&[0; TAG_LEN]);
    sealer.seal(&mut seal);
    seal
}
