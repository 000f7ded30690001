//! A node's listeners refuse bad peers, over its Unix socket and over TCP, and keep
//! serving good ones: a wrong cookie is refused with `WrongSecret`, another protocol
//! version gets `Close(VersionMismatch)`, random bytes and a header cut short then
//! left hanging get the connection closed (the latter after the handshake timeout).
//! Nothing from a bad peer is ever delivered, and a good peer is served after each
//! bad one, and also while a stalled handshake is still pending.
mod remote_support;

use std::io;
use std::time::{Duration, Instant};

use mycelium::remote::{
    handshake, CloseReason, FrameDecoder, FrameHeader, FrameKind, HandshakeError, Role,
    CHALLENGE_LEN, HEADER_LEN, MAGIC,
};
use mycelium::{Node, Transport};
use remote_support::*;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UnixStream};
use tokio::sync::mpsc;

/// The server's bound on each handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_millis(300);

const TRANSPORTS: [Transport; 2] = [Transport::Unix, Transport::Tcp];

/// A raw socket to the server, whichever the transport.
trait Raw: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Raw for T {}

async fn dial_raw(server: &Node, transport: Transport) -> Box<dyn Raw> {
    match transport {
        Transport::Unix => {
            let path = server.local_unix_path().expect("unix path");
            Box::new(
                within("a raw unix connect", UnixStream::connect(path)).await.expect("connect"),
            )
        }
        Transport::Tcp => {
            let addr = server.local_tcp_addr().expect("tcp addr");
            Box::new(within("a raw tcp connect", TcpStream::connect(addr)).await.expect("connect"))
        }
        Transport::Local => unreachable!("no raw socket to a local node"),
    }
}

/// How the server ended a connection.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// End of stream.
    Eof,
    /// A read error (a reset, when the server closed with our bytes still unread).
    Error(io::ErrorKind),
}

/// Reads until the server closes the connection; returns the bytes it sent before
/// that and how it ended. Fails the test if the connection is still open after
/// `bound`.
async fn read_until_closed<S: AsyncRead + Unpin + ?Sized>(
    stream: &mut S,
    bound: Duration,
) -> (Vec<u8>, Ended) {
    let mut got = Vec::new();
    let read_all = async {
        let mut buf = [0; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) => return Ended::Eof,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => return Ended::Error(e.kind()),
            }
        }
    };
    match tokio::time::timeout(bound, read_all).await {
        Ok(ended) => (got, ended),
        Err(_) => panic!("the server kept a bad connection open for more than {bound:?}"),
    }
}

/// The bytes of a Hello frame (header, payload, padding) with `version` in its header.
fn hello_frame(version: u16, name: &str) -> Vec<u8> {
    let mut payload = vec![0x5a; CHALLENGE_LEN];
    payload.extend_from_slice(name.as_bytes());
    let header = FrameHeader {
        version,
        payload_len: payload.len() as u32,
        ..FrameHeader::new(FrameKind::Hello)
    };
    let mut bytes = [0; HEADER_LEN];
    header.encode(&mut bytes);
    assert_eq!(bytes[4..6], version.to_le_bytes(), "the header carries the version asked");
    let mut frame = bytes.to_vec();
    frame.extend_from_slice(&payload);
    frame.resize(header.wire_len(), 0);
    frame
}

/// A server with an exposed sink, and the good clients it has served.
struct Served {
    place: Place,
    server: Node,
    seen: mpsc::UnboundedReceiver<(u32, u64)>,
    /// Puts the good clients made so far (all the sink should ever count).
    puts: u64,
    clients: u32,
}

impl Served {
    async fn start() -> Self {
        let place = Place::new();
        let config = config().handshake_timeout(HANDSHAKE_TIMEOUT);
        let server = node_with(&place, "server", config).await;
        let seen = sink(&server, "sink");
        Self { place, server, seen, puts: 0, clients: 0 }
    }

    /// A fresh client node, not connected yet.
    async fn client(&mut self) -> (u32, Node) {
        self.clients += 1;
        let n = self.clients;
        (n, node(&self.place, &format!("good-{n}")).await)
    }

    /// `client` dials the server over `transport` (a new connection through the
    /// listener), tells a `Put`, sees it arrive, and asks for the count.
    async fn serve(&mut self, (n, client): &(u32, Node), transport: Transport) {
        let remote = remote_sink(client, &self.server, transport).await;
        assert_eq!(remote.transport(), Some(transport));
        remote.send(Msg::Put { sender: *n, seq: 1 }).await.expect("good put");
        assert_eq!(within("the good put", self.seen.recv()).await, Some((*n, 1)));
        self.puts += 1;
        let count = remote.ask(Msg::Count, WAIT).await.expect("good ask");
        assert_eq!(count, self.puts, "the sink counted a put that no good client made");
    }

    /// A fresh good client is served over `transport`.
    async fn good_client_is_served(&mut self, transport: Transport) {
        let client = self.client().await;
        self.serve(&client, transport).await;
        client.1.shutdown(WAIT).await;
    }

    /// Nothing from the bad peers reached the sink or the dead letters.
    async fn finish(mut self) {
        assert!(self.seen.try_recv().is_err(), "the sink saw a put no good client made");
        assert_eq!(
            self.server.dead_letters().total(),
            0,
            "{:?}",
            self.server.dead_letters().drain()
        );
        self.server.shutdown(WAIT).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_cookie_is_refused_and_the_listener_keeps_serving() {
    let mut served = Served::start().await;
    for transport in TRANSPORTS {
        let mut stream = dial_raw(&served.server, transport).await;
        let refused = within(
            "the intruder's handshake",
            handshake(&mut stream, "intruder", b"wrong secret", Role::Initiator, WAIT),
        )
        .await;
        assert!(matches!(refused, Err(HandshakeError::WrongSecret)), "{transport}: {refused:?}");
        // The handshake read the server's Close; then the server hangs up.
        let (rest, ended) = read_until_closed(&mut stream, WAIT).await;
        assert_eq!((rest.len(), ended), (0, Ended::Eof), "{transport}");
        served.good_client_is_served(transport).await;
    }
    served.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_protocol_version_gets_close_version_mismatch_and_the_listener_keeps_serving() {
    let mut served = Served::start().await;
    let mut endings = Vec::new();
    for transport in TRANSPORTS {
        let mut stream = dial_raw(&served.server, transport).await;
        stream.write_all(&hello_frame(1, "old-timer")).await.expect("write the hello");
        let (got, ended) = read_until_closed(&mut stream, WAIT).await;
        // Exactly one frame, a Close(VersionMismatch), then the end of the stream.
        let mut frames = FrameDecoder::new(&got[..]);
        let (header, payload) =
            frames.next_frame().await.expect("a valid frame").expect("a Close frame");
        assert_eq!(header.kind, FrameKind::Close, "{transport}");
        assert_eq!(payload, [CloseReason::VersionMismatch as u8], "{transport}");
        assert!(frames.next_frame().await.expect("clean end").is_none(), "{transport}: more");
        endings.push((transport, ended));
        served.good_client_is_served(transport).await;
    }
    served.finish().await;
    // Checked last, so that everything above is checked on both transports first.
    assert_eq!(
        endings,
        [(Transport::Unix, Ended::Eof), (Transport::Tcp, Ended::Eof)],
        "after Close(VersionMismatch) the server must close the connection, not reset it \
         (a reset comes from dropping the socket with the rest of our Hello unread)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_bytes_are_dropped_and_the_listener_keeps_serving() {
    let mut served = Served::start().await;
    for (transport, seed) in
        TRANSPORTS.into_iter().zip([0x9e37_79b9_7f4a_7c15, 0x2545_f491_4f6c_dd1d])
    {
        let bytes = noise(4096, seed);
        assert_ne!(bytes[..4], MAGIC, "the noise must not start like a frame");
        let mut stream = dial_raw(&served.server, transport).await;
        if let Err(e) = stream.write_all(&bytes).await {
            // Only acceptable if the server already hung up.
            let gone = [io::ErrorKind::BrokenPipe, io::ErrorKind::ConnectionReset];
            assert!(gone.contains(&e.kind()), "{transport}: {e}");
        }
        // Closed within the bound, by end of stream or by a reset (our bytes are left
        // unread), either is fine here.
        let (got, _ended) = read_until_closed(&mut stream, WAIT).await;
        // The server may say Close(ProtocolError) first (best effort), nothing else.
        if !got.is_empty() {
            let mut frames = FrameDecoder::new(&got[..]);
            let (header, payload) = frames.next_frame().await.expect("a frame").expect("a frame");
            assert_eq!(header.kind, FrameKind::Close, "{transport}");
            assert_eq!(payload, [CloseReason::ProtocolError as u8], "{transport}");
            assert!(frames.next_frame().await.expect("clean end").is_none(), "{transport}");
        }
        served.good_client_is_served(transport).await;
    }
    served.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_half_header_is_dropped_after_the_handshake_timeout_and_others_are_served_meanwhile(
) {
    let mut served = Served::start().await;
    let mut header = [0; HEADER_LEN];
    let hello = FrameHeader { payload_len: 40, ..FrameHeader::new(FrameKind::Hello) };
    hello.encode(&mut header);
    for transport in TRANSPORTS {
        // The good work must finish before the server can have given up on the stalled
        // connection (its timer starts at accept, after we began to connect); on a
        // machine too slow for that, try again with a new stalled connection.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let client = served.client().await;
            // Taken before connecting: the server cannot start its timer earlier.
            let opened = Instant::now();
            let mut stalled = dial_raw(&served.server, transport).await;
            stalled.write_all(&header[..20]).await.expect("write half a header");

            served.serve(&client, transport).await;
            let served_after = opened.elapsed();

            let (got, ended) = read_until_closed(&mut stalled, WAIT).await;
            let closed_after = opened.elapsed();
            assert_eq!((got.len(), &ended), (0, &Ended::Eof), "{transport}");
            assert!(
                closed_after >= HANDSHAKE_TIMEOUT,
                "{transport}: closed after {closed_after:?}, before the handshake timeout"
            );
            assert!(closed_after < Duration::from_secs(5), "{transport}: {closed_after:?}");
            client.1.shutdown(WAIT).await;
            if served_after < HANDSHAKE_TIMEOUT {
                break;
            }
            assert!(
                attempts < 5,
                "{transport}: a good client never got served within {HANDSHAKE_TIMEOUT:?} \
                 ({served_after:?} the last time)"
            );
        }
        // And after it, too.
        served.good_client_is_served(transport).await;
    }
    served.finish().await;
}
