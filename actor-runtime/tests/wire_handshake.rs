//! The handshake: mutual proof of a shared secret before any message, over duplex
//! streams, loopback TCP and a Unix socket; wrong secrets, other versions, garbage,
//! oversized names and a stalled peer are all refused with a named error, in bounded
//! time.
use std::time::{Duration, Instant};

use mycelium::remote::{
    access_payload, handshake, CloseReason, FrameDecoder, FrameEncoder, FrameHeader, FrameKind,
    HandshakeError, PeerInfo, Role, HEADER_LEN, PROTOCOL_VERSION,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use tokio::time::timeout;

/// The handshake's own bound in these tests.
const BOUND: Duration = Duration::from_secs(5);
/// Every other wait is bounded by this.
const WAIT: Duration = Duration::from_secs(10);

async fn both<A, B>(
    a: &mut A,
    b: &mut B,
    sa: &[u8],
    sb: &[u8],
) -> [Result<PeerInfo, HandshakeError>; 2]
where
    A: AsyncRead + AsyncWrite + Unpin,
    B: AsyncRead + AsyncWrite + Unpin,
{
    let (i, a) = timeout(WAIT, async {
        tokio::join!(
            handshake(a, "alpha", sa, Role::Initiator, BOUND),
            handshake(b, "beta", sb, Role::Acceptor, BOUND)
        )
    })
    .await
    .expect("handshake not bounded");
    [i, a]
}

/// After a handshake, frames flow and the stream is in sync: what one side seals
/// with its session keys, the other opens with its own (both derived the same).
/// `writer` and `reader` are what each side's handshake returned.
async fn tell<W: AsyncWrite + Unpin, R: AsyncRead + Unpin>(
    w: &mut W,
    writer: &PeerInfo,
    r: &mut R,
    reader: &PeerInfo,
) {
    let mut enc = FrameEncoder::new().sealed();
    enc.push(
        FrameHeader { sequence: 1, ..FrameHeader::new(FrameKind::Tell) },
        &"after".to_string(),
    )
    .unwrap();
    enc.seal(&mut writer.session.sealer());
    enc.flush(w).await.unwrap();
    let mut dec = FrameDecoder::new(r).with_opener(reader.session.opener());
    let (header, payload) = timeout(WAIT, dec.next_frame()).await.unwrap().unwrap().unwrap();
    assert_eq!((header.kind, header.sequence), (FrameKind::Tell, 1));
    assert_eq!(access_payload::<String>(payload).unwrap().as_str(), "after");
}

/// Checks who the handshake says the peer is.
fn is_peer(info: &PeerInfo, name: &str) {
    assert_eq!((info.name.as_str(), info.version), (name, PROTOCOL_VERSION));
}

#[tokio::test]
async fn both_sides_learn_each_other_over_a_duplex_stream() {
    let (mut a, mut b) = tokio::io::duplex(4096);
    let [i, acc] = both(&mut a, &mut b, b"cookie", b"cookie").await;
    let (i, acc) = (i.unwrap(), acc.unwrap());
    is_peer(&i, "beta");
    is_peer(&acc, "alpha");
    tell(&mut a, &i, &mut b, &acc).await;
    tell(&mut b, &acc, &mut a, &i).await;
}

#[tokio::test]
async fn both_sides_learn_each_other_over_loopback_tcp() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, server) = tokio::join!(TcpStream::connect(addr), listener.accept());
    let (mut client, mut server) = (client.unwrap(), server.unwrap().0);
    let [i, acc] = both(&mut client, &mut server, b"cookie", b"cookie").await;
    let (i, acc) = (i.unwrap(), acc.unwrap());
    is_peer(&i, "beta");
    is_peer(&acc, "alpha");
    tell(&mut client, &i, &mut server, &acc).await;
}

#[tokio::test]
async fn both_sides_learn_each_other_over_a_unix_socket() {
    let dir = std::env::temp_dir().join(format!("mycelium-wire-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("hs.sock");
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).unwrap();
    let (client, server) = tokio::join!(UnixStream::connect(&path), listener.accept());
    let (mut client, mut server) = (client.unwrap(), server.unwrap().0);
    let [i, acc] = both(&mut client, &mut server, b"cookie", b"cookie").await;
    let (i, acc) = (i.unwrap(), acc.unwrap());
    is_peer(&i, "beta");
    is_peer(&acc, "alpha");
    tell(&mut server, &acc, &mut client, &i).await;
    drop(listener);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_wrong_secret_is_refused_on_both_sides() {
    let (mut a, mut b) = tokio::io::duplex(4096);
    let [i, acc] = both(&mut a, &mut b, b"cookie", b"biscuit").await;
    assert!(matches!(i, Err(HandshakeError::WrongSecret)), "initiator: {i:?}");
    assert!(matches!(acc, Err(HandshakeError::WrongSecret)), "acceptor: {acc:?}");
}

#[tokio::test]
async fn two_initiators_do_not_authenticate_each_other() {
    // Proofs are bound to the prover's role, so one side's proof cannot be replayed
    // as the other's.
    let (mut a, mut b) = tokio::io::duplex(4096);
    let (x, y) = tokio::join!(
        handshake(&mut a, "x", b"cookie", Role::Initiator, BOUND),
        handshake(&mut b, "y", b"cookie", Role::Initiator, BOUND)
    );
    assert!(matches!(x, Err(HandshakeError::WrongSecret)), "{x:?}");
    assert!(matches!(y, Err(HandshakeError::WrongSecret)), "{y:?}");
}

/// A raw peer's Hello, with any version and name.
fn hello(version: u16, name: &[u8]) -> Vec<u8> {
    let mut enc = FrameEncoder::new();
    let mut payload = vec![0x42; 32];
    payload.extend_from_slice(name);
    enc.push_raw(FrameHeader { version, ..FrameHeader::new(FrameKind::Hello) }, &payload).unwrap();
    enc.as_bytes().to_vec()
}

/// Reads the frame header the side under test sent back, if any.
async fn reply_header(peer: &mut DuplexStream) -> Option<[u8; HEADER_LEN]> {
    let mut h = [0; HEADER_LEN];
    timeout(WAIT, peer.read_exact(&mut h)).await.unwrap().ok().map(|_| h)
}

#[tokio::test]
async fn another_protocol_version_is_refused_by_either_role() {
    // Acceptor: the client's Hello says version 2 (a node from before seals were
    // tagged with AEGIS-128L).
    let (mut ours, mut peer) = tokio::io::duplex(4096);
    peer.write_all(&hello(2, b"older")).await.unwrap();
    let err = handshake(&mut ours, "beta", b"cookie", Role::Acceptor, BOUND).await.unwrap_err();
    assert!(matches!(err, HandshakeError::VersionMismatch { ours: 3, theirs: 2 }), "{err:?}");
    // The refusal is told to the peer: Close(VersionMismatch).
    let h = reply_header(&mut peer).await.unwrap();
    assert_eq!(h[6], FrameKind::Close as u8);
    let mut body = [0; 16];
    peer.read_exact(&mut body).await.unwrap();
    assert_eq!(body[0], CloseReason::VersionMismatch as u8);

    // Initiator: the server answers with version 7.
    let (mut ours, mut peer) = tokio::io::duplex(4096);
    peer.write_all(&hello(7, b"future")).await.unwrap();
    let err = handshake(&mut ours, "alpha", b"cookie", Role::Initiator, BOUND).await.unwrap_err();
    assert!(matches!(err, HandshakeError::VersionMismatch { ours: 3, theirs: 7 }), "{err:?}");
}

#[tokio::test]
async fn random_bytes_are_garbage() {
    for role in [Role::Acceptor, Role::Initiator] {
        let (mut ours, mut peer) = tokio::io::duplex(4096);
        let noise: Vec<u8> =
            (0..200u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        peer.write_all(&noise).await.unwrap();
        let err = handshake(&mut ours, "n", b"cookie", role, BOUND).await.unwrap_err();
        assert!(
            matches!(err, HandshakeError::Garbage { reason: "bad magic" }),
            "{role:?}: {err:?}"
        );
    }
    // A closed connection before any byte.
    let (mut ours, peer) = tokio::io::duplex(64);
    drop(peer);
    let err = handshake(&mut ours, "n", b"cookie", Role::Acceptor, BOUND).await.unwrap_err();
    assert!(matches!(err, HandshakeError::PeerClosed { reason: None }), "{err:?}");
}

#[tokio::test]
async fn half_a_header_then_silence_times_out_within_the_bound() {
    let (mut ours, mut peer) = tokio::io::duplex(4096);
    peer.write_all(&hello(PROTOCOL_VERSION, b"slow")[..HEADER_LEN / 2]).await.unwrap();
    let bound = Duration::from_millis(200);
    let started = Instant::now();
    let err = timeout(WAIT, handshake(&mut ours, "beta", b"cookie", Role::Acceptor, bound))
        .await
        .expect("the handshake's own bound did not fire")
        .unwrap_err();
    assert!(matches!(err, HandshakeError::Timeout), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    drop(peer);
}

#[tokio::test]
async fn names_over_255_bytes_are_refused_before_reading_them() {
    let long = "n".repeat(256);
    let (mut ours, _peer) = tokio::io::duplex(64);
    let err = handshake(&mut ours, &long, b"cookie", Role::Initiator, BOUND).await.unwrap_err();
    assert!(matches!(err, HandshakeError::NameTooLong { len: 256, max: 255 }), "{err:?}");

    // A peer announcing a 4000-byte name: refused from the header alone, while the
    // name's bytes never come (no wait, no allocation).
    let (mut ours, mut peer) = tokio::io::duplex(4096);
    let header = FrameHeader { payload_len: 32 + 4000, ..FrameHeader::new(FrameKind::Hello) };
    let mut h = [0; HEADER_LEN];
    header.encode(&mut h);
    peer.write_all(&h).await.unwrap();
    let err = handshake(&mut ours, "beta", b"cookie", Role::Acceptor, BOUND).await.unwrap_err();
    assert!(matches!(err, HandshakeError::NameTooLong { len: 4000, max: 255 }), "{err:?}");

    // A 255-byte name is fine.
    let (mut a, mut b) = tokio::io::duplex(4096);
    let name = "m".repeat(255);
    let (i, acc) = tokio::join!(
        handshake(&mut a, &name, b"cookie", Role::Initiator, BOUND),
        handshake(&mut b, "beta", b"cookie", Role::Acceptor, BOUND)
    );
    assert_eq!(i.unwrap().name, "beta");
    assert_eq!(acc.unwrap().name, name);
}

#[tokio::test]
async fn nothing_but_handshake_frames_is_accepted_before_success() {
    // A client that says Hello and then sends a message instead of its proof.
    let (mut ours, mut peer) = tokio::io::duplex(4096);
    let mut bytes = hello(PROTOCOL_VERSION, b"eager");
    let mut enc = FrameEncoder::new();
    enc.push(FrameHeader::new(FrameKind::Tell), &"sneak".to_string()).unwrap();
    bytes.extend_from_slice(enc.as_bytes());
    peer.write_all(&bytes).await.unwrap();
    let err = handshake(&mut ours, "beta", b"cookie", Role::Acceptor, BOUND).await.unwrap_err();
    assert!(matches!(err, HandshakeError::Garbage { .. }), "{err:?}");

    // Local misuse is named too.
    let err = handshake(&mut ours, "beta", b"", Role::Acceptor, BOUND).await.unwrap_err();
    assert!(matches!(err, HandshakeError::InvalidConfig(_)), "{err:?}");
    let err = handshake(&mut ours, "", b"cookie", Role::Acceptor, BOUND).await.unwrap_err();
    assert!(matches!(err, HandshakeError::InvalidConfig(_)), "{err:?}");
}

#[tokio::test]
async fn an_acceptor_without_the_secret_is_refused_by_the_initiator() {
    // A fake server that says Hello and answers with a made-up proof.
    let (mut ours, mut peer) = tokio::io::duplex(4096);
    let mut bytes = hello(PROTOCOL_VERSION, b"impostor");
    let mut enc = FrameEncoder::new();
    enc.push_raw(FrameHeader::new(FrameKind::Response), &[0x5A; 32]).unwrap();
    bytes.extend_from_slice(enc.as_bytes());
    peer.write_all(&bytes).await.unwrap();
    let err = handshake(&mut ours, "alpha", b"cookie", Role::Initiator, BOUND).await.unwrap_err();
    assert!(matches!(err, HandshakeError::WrongSecret), "{err:?}");
    // What the initiator sent: its Hello, its Response, then Close(WrongSecret).
    let mut dec = FrameDecoder::new(&mut peer);
    let kinds = [FrameKind::Hello, FrameKind::Response, FrameKind::Close];
    for kind in kinds {
        let (header, payload) = timeout(WAIT, dec.next_frame()).await.unwrap().unwrap().unwrap();
        assert_eq!(header.kind, kind);
        if kind == FrameKind::Close {
            assert_eq!(payload, [CloseReason::WrongSecret as u8]);
        }
    }
}
