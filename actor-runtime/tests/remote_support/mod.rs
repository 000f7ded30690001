//! Nodes on loopback and a test actor that takes remote messages, shared by the
//! remote tests. Every socket lives in a temp dir or on 127.0.0.1; every wait is
//! bounded.
#![allow(dead_code, unreachable_pub)]

pub mod flood;
pub mod raw;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use mycelium::remote::RemoteMetrics;
use mycelium::{
    Actor, ActorError, ActorRef, Context, Node, PeerAddr, RemoteConfig, ReplyTo, SendError,
    SpawnOptions, Transport,
};
use tokio::sync::mpsc;

/// Every wait in these tests is bounded by this.
pub const WAIT: Duration = Duration::from_secs(10);

pub const SECRET: &[u8] = b"test cookie";

/// Awaits `f`, failing the test with `what` if it takes longer than [`WAIT`].
pub async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(WAIT, f).await {
        Ok(v) => v,
        Err(_) => panic!("timed out after {WAIT:?} waiting for {what}"),
    }
}

/// Messages of the test actor; they cross the wire.
#[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub enum Msg {
    /// Record `seq` from `sender`.
    Put { sender: u32, seq: u64 },
    /// Answer with how many `Put`s were handled.
    Count(ReplyTo<u64>),
    /// Answer with the text, upper-cased.
    Shout(String, ReplyTo<String>),
    /// Drop the reply port.
    Ignore(ReplyTo<u64>),
    /// Keep the reply port, never answering (and record [`STALLED`]).
    Stall(ReplyTo<u64>),
}

/// What a `Sink` records for a `Stall`.
pub const STALLED: (u32, u64) = (u32::MAX, u64::MAX);

/// Records every `Put` (and every `Stall`) into a channel the test reads.
pub struct Sink {
    pub out: mpsc::UnboundedSender<(u32, u64)>,
    pub count: u64,
    pub stalled: Vec<ReplyTo<u64>>,
}

impl Actor for Sink {
    type Msg = Msg;
    async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        match msg {
            Msg::Put { sender, seq } => {
                self.count += 1;
                let _ = self.out.send((sender, seq));
            }
            Msg::Count(reply) => {
                let _ = reply.send(self.count);
            }
            Msg::Shout(text, reply) => {
                let _ = reply.send(text.to_uppercase());
            }
            Msg::Ignore(reply) => drop(reply),
            Msg::Stall(reply) => {
                self.stalled.push(reply);
                let _ = self.out.send(STALLED);
            }
        }
        Ok(())
    }
}

/// Where a test node listens.
pub struct Place {
    pub dir: tempfile::TempDir,
}

impl Place {
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("temp dir") }
    }
    pub fn socket(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.sock"))
    }
}

/// A config for a test node with fast timings.
pub fn config() -> RemoteConfig {
    RemoteConfig::new(SECRET)
        .heartbeat(Duration::from_millis(50))
        .loss_timeout(Duration::from_millis(400))
        .backoff(Duration::from_millis(10), Duration::from_millis(100))
}

/// A node listening on a Unix socket in `place` and on a free TCP port on loopback.
pub async fn node(place: &Place, name: &str) -> Node {
    node_with(place, name, config()).await
}

pub async fn node_with(place: &Place, name: &str, config: RemoteConfig) -> Node {
    let node = Node::new(name);
    listen(&node, place, config).await;
    node
}

/// A node that exposes a `Sink` as "sink" before it starts listening, so that nothing
/// sent to it on connect misses the sink.
pub async fn node_with_sink(
    place: &Place,
    name: &str,
) -> (Node, mpsc::UnboundedReceiver<(u32, u64)>) {
    let node = Node::new(name);
    let seen = sink(&node, "sink");
    listen(&node, place, config()).await;
    (node, seen)
}

async fn listen(node: &Node, place: &Place, config: RemoteConfig) {
    // Logs as `RUST_LOG` says (errors only when unset), to see why a link went down.
    let filter = tracing_subscriber::EnvFilter::from_default_env();
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
    let name = node.name().to_owned();
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    node.start_remote(config.listen_unix(place.socket(&name)).listen_tcp(loopback))
        .await
        .expect("start remote");
}

/// How `node` is reached over `transport`.
pub fn addr_of(node: &Node, transport: Transport) -> PeerAddr {
    let peer = PeerAddr::new(node.name());
    match transport {
        Transport::Unix => peer.unix(node.local_unix_path().expect("unix path")),
        Transport::Tcp => peer.tcp(node.local_tcp_addr().expect("tcp addr")),
        Transport::Local => peer,
    }
}

/// Spawns a `Sink` on `server`, registered and exposed as `name`; returns what it
/// records.
pub fn sink(server: &Node, name: &str) -> mpsc::UnboundedReceiver<(u32, u64)> {
    let (out, rx) = mpsc::unbounded_channel();
    let options = SpawnOptions::new().name(name);
    let sink = server
        .spawn_with(Sink { out, count: 0, stalled: Vec::new() }, options)
        .expect("spawn sink");
    server.expose(name, &sink).expect("expose");
    rx
}

/// `client` connected to `server` over `transport`, with the remote `sink`.
pub async fn remote_sink(
    client: &Node,
    server: &Node,
    transport: Transport,
) -> mycelium::ActorRef<Msg> {
    client.connect(addr_of(server, transport)).expect("connect");
    let path = format!("sink@{}", server.name());
    within("remote lookup", client.lookup_remote::<Msg>(&path, WAIT)).await.expect("lookup")
}

/// Spawns on `node` an actor that watches `target` and forwards each `Terminated` it
/// is told; returns once the watch is in place.
pub async fn watching(
    node: &Node,
    target: &mycelium::ActorRef<Msg>,
) -> (mycelium::ActorRef<()>, mpsc::UnboundedReceiver<mycelium::Terminated>) {
    let (out, told) = mpsc::unbounded_channel();
    let (ready, watching) = tokio::sync::oneshot::channel();
    let watcher = node
        .spawn(Watcher { target: target.clone(), ready: Some(ready), out })
        .expect("spawn watcher");
    within("the watch", watching).await.expect("watching");
    (watcher, told)
}

struct Watcher {
    target: mycelium::ActorRef<Msg>,
    ready: Option<tokio::sync::oneshot::Sender<()>>,
    out: mpsc::UnboundedSender<mycelium::Terminated>,
}

impl Actor for Watcher {
    type Msg = ();
    async fn started(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        ctx.watch(&self.target);
        if let Some(ready) = self.ready.take() {
            let _ = ready.send(());
        }
        Ok(())
    }
    async fn handle(&mut self, _: (), _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        Ok(())
    }
    async fn on_terminated(
        &mut self,
        t: mycelium::Terminated,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        let _ = self.out.send(t);
        Ok(())
    }
}

/// Deterministic pseudo-random bytes (xorshift64).
pub fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        out.extend_from_slice(&seed.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Sends `msg` to `remote` on `client`: while the link is down, sends queue until the
/// bound, then come back as `Unreachable`; then waits for the link and sends again.
pub async fn send_retrying(client: &Node, remote: &ActorRef<Msg>, mut msg: Msg) {
    let peer = remote.node_name().expect("a remote ref").to_owned();
    loop {
        match remote.send(msg).await {
            Ok(()) => return,
            Err(SendError::Unreachable(back)) => {
                msg = back;
                assert!(client.wait_for_link(&peer, WAIT).await, "no reconnect");
            }
            Err(e) => panic!("send: {e:?}"),
        }
    }
}

/// Puts numbered 0, 1, 2, … sent from `client` to `remote` until told to stop; the
/// task returns how many were sent.
pub struct Stream {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<u64>,
}

impl Stream {
    pub fn start(client: &Node, remote: ActorRef<Msg>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn({
            let (client, stop) = (client.clone(), stop.clone());
            async move {
                let mut seq = 0;
                while !stop.load(Ordering::Relaxed) {
                    send_retrying(&client, &remote, Msg::Put { sender: 0, seq }).await;
                    seq += 1;
                }
                seq
            }
        });
        Self { stop, task }
    }

    /// Stops it; how many puts it sent.
    pub async fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        within("the stream's sender", self.task).await.expect("sender")
    }
}

/// Samples `node`'s remote figures until `done`, within [`WAIT`].
pub async fn until_remote(
    what: &str,
    node: &Node,
    done: impl Fn(&RemoteMetrics) -> bool,
) -> RemoteMetrics {
    within(what, async {
        loop {
            let m = node.remote_metrics().expect("remote side");
            if done(&m) {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
}
