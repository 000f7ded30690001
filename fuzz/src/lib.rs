//! The bodies of the fuzz targets in `fuzz_targets/`.
//!
//! Each takes arbitrary bytes as what a peer sent and must never panic or hang;
//! the handshake must never authenticate them, and a link must never deliver out of
//! order, twice, or past a gap. `actor-runtime/tests/wire_fuzz_props.rs` and
//! `link_fuzz_props.rs` include this file with `#[path]` and run the same bodies
//! under proptest, so it only uses crates that `mycelium` itself depends on (tokio,
//! rkyv).

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mycelium::remote::{
    access_payload, decode_payload, handshake as run_handshake, name_hash, FrameDecoder,
    FrameEncoder, FrameHeader, FrameKind, Role, FLAG_ECHO, FLAG_ERROR, FLAG_RESUME,
    FLAG_TARGET_NAME, FRAME_ALIGN, HEADER_LEN,
};
use mycelium::{Actor, ActorError, Context, Node, RemoteConfig};
use tokio::io::AsyncWriteExt;

/// A payload type with variable-length parts, so bytecheck has work to do.
#[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Sample {
    /// A string (UTF-8 and bounds checks).
    pub name: String,
    /// A vector (length and bounds checks).
    pub values: Vec<u64>,
    /// An option (tag check).
    pub flag: Option<u32>,
}

/// Decodes `data` as a stream of frames until the end or the first error. The first
/// byte picks the payload limit, so the size check is exercised at many limits.
pub fn frame_decoder(data: &[u8]) {
    let max = data.first().map_or(1 << 20, |&b| u32::from(b) * 64);
    let input = data.get(1..).unwrap_or_default();
    block_on(async {
        let mut decoder = FrameDecoder::with_max_payload(input, max);
        while let Ok(Some((header, payload))) = decoder.next_frame().await {
            assert_eq!(payload.len(), header.payload_len as usize);
            assert!(header.payload_len <= max);
            assert_eq!(payload.as_ptr() as usize % FRAME_ALIGN, 0, "payload misaligned");
            let _ = access_payload::<Sample>(payload);
            let _ = decode_payload::<Sample>(payload);
            let _ = decode_payload::<String>(payload);
        }
    });
}

/// Runs the handshake as acceptor and as initiator against a peer that sent `data`
/// (and reads nothing). It must fail: `data` cannot know the secret's proof for a
/// fresh random challenge.
pub fn handshake(data: &[u8]) {
    for role in [Role::Acceptor, Role::Initiator] {
        let mut stream = tokio::io::join(data, tokio::io::sink());
        let result = block_on(run_handshake(
            &mut stream,
            "fuzz-node",
            b"fuzz-secret",
            role,
            Duration::from_secs(5),
        ));
        assert!(result.is_err(), "arbitrary bytes authenticated as {role:?}");
    }
}

/// Records every number it is sent.
struct Recorder(Arc<Mutex<Vec<u64>>>);

impl Actor for Recorder {
    type Msg = u64;
    async fn handle(&mut self, n: u64, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        self.0.lock().map_err(|_| "the record is poisoned")?.push(n);
        Ok(())
    }
}

const SECRET: &[u8] = b"fuzz-secret";

/// Reads bytes from the fuzzer's input, zeros once it runs out.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        first
    }
    fn u64(&mut self) -> u64 {
        (0..8).fold(0, |n, i| n | u64::from(self.byte()) << (8 * i))
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = (usize::from(self.byte()) % (max + 1)).min(self.0.len());
        let (taken, rest) = self.0.split_at(n);
        self.0 = rest;
        taken.to_vec()
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Plays an authenticated peer (it knows the secret and seals its frames) that
/// sends whatever `data` describes: a resume, then a run of tells (in sequence,
/// ahead, behind, far off), acks, heartbeats, node requests, replies, second
/// resumes, closes, unsealed bytes, and corrupted or skipped seals, to a node over
/// a socket pair. Whatever it sends, the node must not panic, and its actor must
/// receive a prefix of exactly what a link may accept: the tells numbered 1, 2, 3,
/// … in order, each once, none past a gap. Returns what the actor received.
pub fn link(data: &[u8]) -> Vec<u64> {
    let mut input = Input(data);
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let sent = block_on(async {
        let node = Node::new("fuzz-node");
        let sink = node.spawn(Recorder(recorded.clone())).expect("spawn");
        node.expose("sink", &sink).expect("expose");
        let config = RemoteConfig::new(SECRET)
            .heartbeat(Duration::from_millis(50))
            .loss_timeout(Duration::from_secs(5));
        node.start_remote(config).await.expect("remote side");
        let (ours, theirs) = tokio::net::UnixStream::pair().expect("socket pair");
        node.accept_unix(theirs).expect("accept");
        let sent = play(ours, &mut input).await;
        node.shutdown(Duration::from_secs(5)).await;
        sent
    });
    let recorded = recorded.lock().expect("recorded").clone();
    assert!(
        sent.starts_with(&recorded),
        "delivered {recorded:?}, but a link may only deliver a prefix of {sent:?}"
    );
    recorded
}

/// The peer's side of [`link`]; returns the tells a link may accept, in order (what
/// a receiver keeping sequence would take, stopping at the first gap).
async fn play(mut stream: tokio::net::UnixStream, input: &mut Input<'_>) -> Vec<u64> {
    let bound = Duration::from_secs(5);
    let Ok(Ok(peer)) = tokio::time::timeout(
        bound,
        run_handshake(&mut stream, "fuzz-peer", SECRET, Role::Initiator, bound),
    )
    .await
    else {
        return Vec::new();
    };
    let (read, mut write) = stream.into_split();
    let mut frames = FrameDecoder::new(read).with_opener(peer.session.opener());
    let Ok(Ok(Some((resume, _)))) = tokio::time::timeout(bound, frames.next_frame()).await else {
        return Vec::new();
    };
    let theirs = resume.correlation;
    // Drain what the node sends, so that it never waits on us.
    let drain = tokio::spawn(async move { while let Ok(Some(_)) = frames.next_frame().await {} });
    let mut sealer = peer.session.sealer();
    let mut enc = FrameEncoder::new().sealed();
    // Our resume: a new incarnation (or none, or the node's own), and whatever else.
    let incarnation = [1, 0, theirs][usize::from(input.byte() % 3)];
    let resume = FrameHeader {
        flags: FLAG_RESUME,
        correlation: incarnation,
        target: input.u64() % 3,
        sequence: input.u64() % 4,
        ..FrameHeader::new(FrameKind::Ack)
    };
    let _ = enc.push_raw(resume, &[]);
    let mut expect = Expect { next: 1, gapped: false, accepted: Vec::new() };
    while !input.is_empty() {
        let to_sink = |kind, sequence| FrameHeader {
            flags: FLAG_TARGET_NAME,
            target: name_hash("sink"),
            sequence,
            ..FrameHeader::new(kind)
        };
        let mut corrupt = false;
        match input.byte() % 14 {
            0..=3 => {
                let seq = expect.next;
                let _ = enc.push(to_sink(FrameKind::Tell, seq), &seq);
                expect.data(seq, true);
            }
            4 => {
                let seq = match input.byte() % 4 {
                    0 => expect.next.saturating_sub(1),
                    1 => expect.next + 1 + u64::from(input.byte()),
                    2 => u64::MAX,
                    _ => input.u64(),
                };
                let _ = enc.push(to_sink(FrameKind::Tell, seq), &seq);
                expect.data(seq, true);
            }
            5 => {
                let ack =
                    FrameHeader { sequence: input.u64() % 8, ..FrameHeader::new(FrameKind::Ack) };
                let _ = enc.push_raw(ack, &[]);
            }
            6 => {
                let flags = if input.byte().is_multiple_of(2) { 0 } else { FLAG_ECHO };
                let beat = FrameHeader {
                    flags,
                    correlation: input.u64(),
                    ..FrameHeader::new(FrameKind::Heartbeat)
                };
                let _ = enc.push_raw(beat, &[]);
            }
            7 => {
                // A node request (a lookup) with whatever payload.
                let ask = FrameHeader {
                    correlation: input.u64(),
                    sequence: expect.next,
                    ..FrameHeader::new(FrameKind::Ask)
                };
                let _ = enc.push_raw(ask, &input.bytes(64));
                expect.data(expect.next, false);
            }
            8 => {
                let flags = if input.byte().is_multiple_of(2) { 0 } else { FLAG_ERROR };
                let reply = FrameHeader {
                    flags,
                    correlation: input.u64(),
                    sequence: expect.next,
                    ..FrameHeader::new(FrameKind::Reply)
                };
                let _ = enc.push_raw(reply, &input.bytes(32));
                expect.data(expect.next, false);
            }
            9 => {
                // A tell whose payload is too short to be a number: not delivered, still
                // numbered.
                let seq = expect.next;
                let _ = enc.push_raw(to_sink(FrameKind::Tell, seq), &input.bytes(7));
                expect.data(seq, false);
            }
            10 => {
                let again = FrameHeader {
                    flags: FLAG_RESUME,
                    correlation: input.u64(),
                    ..FrameHeader::new(FrameKind::Ack)
                };
                let _ = enc.push_raw(again, &[]);
            }
            11 => {
                let close = FrameHeader::new(FrameKind::Close);
                let _ = enc.push_raw(close, &[input.byte()]);
            }
            12 => corrupt = true,
            _ => {
                // Bytes outside any seal, after what is sealed so far.
                enc.seal(&mut sealer);
                let mut raw = enc.as_bytes().to_vec();
                raw.extend_from_slice(&input.bytes(HEADER_LEN * 2));
                enc.clear();
                let _ = write.write_all(&raw).await;
                continue;
            }
        }
        if corrupt || input.byte().is_multiple_of(4) {
            enc.seal(&mut sealer);
            let mut bytes = enc.as_bytes().to_vec();
            enc.clear();
            if corrupt && !bytes.is_empty() {
                let at = input.u64() as usize % bytes.len();
                bytes[at] ^= input.byte() | 1;
            }
            if write.write_all(&bytes).await.is_err() {
                break;
            }
        }
    }
    enc.seal(&mut sealer);
    let _ = write.write_all(enc.as_bytes()).await;
    let _ = write.shutdown().await;
    // The node ends the connection once it has read our end.
    let _ = tokio::time::timeout(bound, drain).await;
    expect.accepted
}

/// What a receiver keeping sequence accepts: `next` is due; past a gap, nothing.
struct Expect {
    next: u64,
    gapped: bool,
    /// The tells (their numbers, which are also their payloads) accepted, in order.
    accepted: Vec<u64>,
}

impl Expect {
    /// A data frame numbered `seq` was sent (a tell of `seq` to the sink if `tell`).
    fn data(&mut self, seq: u64, tell: bool) {
        if self.gapped || seq < self.next {
            return;
        }
        if seq == self.next {
            self.next += 1;
            if tell {
                self.accepted.push(seq);
            }
        } else {
            self.gapped = true;
        }
    }
}

fn block_on<F: Future>(future: F) -> F::Output {
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime");
    }
    RUNTIME.with(|rt| rt.block_on(future))
}
