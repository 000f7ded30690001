//! A relay that sits between two nodes and forwards their handshake faithfully (so
//! both sides authenticate each other through it) gains nothing from it: every frame
//! after the handshake is sealed with keys only the two nodes can derive. Whatever
//! the relay then does to the stream — inject an unsealed frame, forge a seal,
//! alter a byte, reorder two seals, replay one — the receiver refuses it before
//! looking inside, counts it (`auth_failures`), and closes that connection; the
//! link comes back, and the real messages arrive exactly once, in order. Nothing
//! the relay made is ever delivered.
mod remote_support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mycelium::remote::{
    name_hash, FrameEncoder, FrameHeader, FrameKind, FLAG_TARGET_NAME, HEADER_LEN, TAG_LEN,
};
use mycelium::{Node, PeerAddr, RemoteConfig};
use remote_support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

/// What the relay does to the next seal the client sends, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attack {
    /// Writes an unsealed `Tell` to the sink before it.
    Inject,
    /// Writes, in its place, a seal of its own: the right number, a `Tell` to the
    /// sink, and a tag it made up.
    Forge,
    /// Flips a byte inside it.
    Alter,
    /// Holds it back and forwards the seal after it first.
    Reorder,
    /// Forwards it twice.
    Replay,
}

const ATTACKS: [Attack; 5] =
    [Attack::Inject, Attack::Forge, Attack::Alter, Attack::Reorder, Attack::Replay];

/// The sender id of every `Put` the relay makes up.
const FORGER: u32 = 666;

/// A TCP relay between a client node and a server node.
struct Relay {
    addr: std::net::SocketAddr,
    /// The attack to make on the next seal of the newest connection, if any (an
    /// older connection may still be draining after the server dropped it).
    armed: Arc<Mutex<Option<Attack>>>,
    /// Attacks made so far.
    made: Arc<AtomicU64>,
}

/// Connections relayed so far; the last is the newest.
static RELAYED: AtomicU64 = AtomicU64::new(0);

impl Relay {
    async fn start(target: std::net::SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the relay");
        let addr = listener.local_addr().expect("relay addr");
        let armed = Arc::new(Mutex::new(None));
        let made = Arc::new(AtomicU64::new(0));
        tokio::spawn({
            let (armed, made) = (armed.clone(), made.clone());
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    let Ok(server) = TcpStream::connect(target).await else { continue };
                    let id = RELAYED.fetch_add(1, Ordering::AcqRel) + 1;
                    let (cr, cw) = client.into_split();
                    let (sr, sw) = server.into_split();
                    tokio::spawn(attack_pump(id, cr, sw, armed.clone(), made.clone()));
                    tokio::spawn(pump(sr, cw));
                }
            }
        });
        Self { addr, armed, made }
    }

    fn arm(&self, attack: Attack) {
        *self.armed.lock().expect("armed") = Some(attack);
    }
}

/// Reads one whole frame (header, payload, padding) as bytes.
async fn read_frame(from: &mut OwnedReadHalf) -> Option<(FrameHeader, Vec<u8>)> {
    let mut frame = vec![0; HEADER_LEN];
    from.read_exact(&mut frame).await.ok()?;
    let header = FrameHeader::decode(&frame).ok()?;
    frame.resize(header.wire_len(), 0);
    from.read_exact(&mut frame[HEADER_LEN..]).await.ok()?;
    Some((header, frame))
}

/// Server to client: forwarded as is.
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf) {
    let mut buf = vec![0; 64 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 || to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// Client to server, frame by frame: the handshake untouched, then the armed attack
/// on the next seal.
async fn attack_pump(
    id: u64,
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    armed: Arc<Mutex<Option<Attack>>>,
    made: Arc<AtomicU64>,
) {
    let mut held: Option<Vec<u8>> = None;
    while let Some((header, mut frame)) = read_frame(&mut from).await {
        let mut out = Vec::new();
        let newest = RELAYED.load(Ordering::Acquire) == id;
        let attack = match header.kind {
            FrameKind::Seal if newest => armed.lock().expect("armed").take(),
            _ => None,
        };
        match attack {
            None => out.extend_from_slice(&frame),
            Some(Attack::Inject) => {
                let mut enc = FrameEncoder::new();
                enc.push(forged_put(header.sequence), &Msg::Put { sender: FORGER, seq: 0 })
                    .expect("frame");
                out.extend_from_slice(enc.as_bytes());
                out.extend_from_slice(&frame);
            }
            Some(Attack::Forge) => {
                let mut enc = FrameEncoder::new();
                enc.push(forged_put(1), &Msg::Put { sender: FORGER, seq: 0 }).expect("frame");
                let inner = enc.as_bytes();
                let len = (inner.len() + TAG_LEN) as u32;
                let seal = FrameHeader {
                    sequence: header.sequence,
                    payload_len: len,
                    ..FrameHeader::new(FrameKind::Seal)
                };
                let mut bytes = [0; HEADER_LEN];
                seal.encode(&mut bytes);
                out.extend_from_slice(&bytes);
                out.extend_from_slice(inner);
                out.extend_from_slice(&noise(TAG_LEN, header.sequence));
                out.extend_from_slice(&frame);
            }
            Some(Attack::Alter) => {
                // A byte of the first frame inside: its header or its payload.
                frame[HEADER_LEN + 20] ^= 0x01;
                out.extend_from_slice(&frame);
            }
            Some(Attack::Reorder) => held = Some(frame.clone()),
            Some(Attack::Replay) => {
                out.extend_from_slice(&frame);
                out.extend_from_slice(&frame);
            }
        }
        if attack.is_some_and(|a| a != Attack::Reorder) || (attack.is_none() && held.is_some()) {
            if let Some(earlier) = held.take() {
                // The seal after the held one went first; now the held one.
                out.extend_from_slice(&earlier);
            }
            made.fetch_add(1, Ordering::Release);
        }
        if to.write_all(&out).await.is_err() {
            return;
        }
    }
}

/// A `Tell` to the sink, as data frame `sequence` of the link.
fn forged_put(sequence: u64) -> FrameHeader {
    FrameHeader {
        flags: FLAG_TARGET_NAME,
        target: name_hash("sink"),
        sequence,
        ..FrameHeader::new(FrameKind::Tell)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_can_neither_inject_forge_alter_reorder_nor_replay() {
    let place = Place::new();
    let (server, mut seen) = node_with_sink(&place, "server").await;
    // A loss timeout far past every wait: only the relay's doing ends a connection.
    let slow_loss = |c: RemoteConfig| c.loss_timeout(Duration::from_secs(30));
    let client = node_with(&place, "client", slow_loss(config())).await;
    let relay = Relay::start(server.local_tcp_addr().expect("tcp")).await;
    client.connect(PeerAddr::new("server").tcp(relay.addr)).expect("connect");
    let remote =
        within("lookup", client.lookup_remote::<Msg>("sink@server", WAIT)).await.expect("lookup");

    // Real messages flow all along, so there are seals to attack.
    let stream = Stream::start(&client, remote);
    let mut next = 0;
    let take = |got: (u32, u64), next: &mut u64| {
        assert_ne!(got.0, FORGER, "a message the relay made was delivered");
        assert_eq!(got.1, *next, "lost, doubled or reordered");
        *next += 1;
    };
    let auth_failures = |node: &Node, peer| node.link_metrics(peer).map_or(0, |m| m.auth_failures);
    let reconnects = |node: &Node| node.link_metrics("server").map_or(0, |m| m.reconnects);
    for (n, attack) in (1..).zip(ATTACKS) {
        let before = auth_failures(&server, "client");
        relay.arm(attack);
        within(&format!("the attack {attack:?} to be made and caught"), async {
            while relay.made.load(Ordering::Acquire) < n
                || auth_failures(&server, "client") == before
            {
                tokio::select! {
                    got = seen.recv() => take(got.expect("sink ended"), &mut next),
                    _ = tokio::time::sleep(Duration::from_millis(5)) => {}
                }
            }
        })
        .await;
        assert_eq!(auth_failures(&server, "client"), before + 1, "{attack:?}");
        // Back on a new connection before the next attack.
        within("the client's reconnect", async {
            while reconnects(&client) < n {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
    }
    let sent = stream.stop().await;
    within("the rest of the stream", async {
        while next < sent {
            take(seen.recv().await.expect("sink ended"), &mut next);
        }
    })
    .await;
    assert!(tokio::time::timeout(Duration::from_millis(300), seen.recv()).await.is_err());
    let on_server = server.link_metrics("client").expect("server link");
    assert_eq!(on_server.auth_failures, ATTACKS.len() as u64, "{on_server:?}");
    assert_eq!((on_server.gaps, on_server.duplicates), (0, 0), "{on_server:?}");
    assert_eq!(server.dead_letters().total(), 0, "{:?}", server.dead_letters().drain());
    client.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}
