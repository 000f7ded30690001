//! The scenarios on Mycelium actors.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use mycelium::{
    Actor, ActorError, ActorRef, Broadcast, Context, Idle, Node, Pinned, ReplyTo, SpawnOptions,
};
use tokio::sync::oneshot;

use crate::{histogram, record, Tick, ASK_TIMEOUT};

/// How a benched actor runs: a Tokio task with or without its own timing
/// histograms, or a hot-path actor pinned to a core, busy-polling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A task actor, timing off (the default).
    Task,
    /// A task actor recording mailbox-wait and handler histograms.
    Timed,
    /// Pinned to this core, spinning.
    Pinned(usize),
}

fn options(mode: Mode) -> SpawnOptions {
    match mode {
        Mode::Task => SpawnOptions::new(),
        Mode::Timed => SpawnOptions::new().timing(true),
        Mode::Pinned(core) => {
            SpawnOptions::new().pinned(Pinned { core: Some(core), idle: Idle::Spin })
        }
    }
}

/// Records the one-way latency of each stamped message it receives.
struct Sink {
    hist: Histogram<u64>,
    received: Arc<AtomicU64>,
}

enum SinkMsg {
    Stamped(Instant, Arc<Tick>),
    Finish(ReplyTo<Histogram<u64>>),
}

impl Actor for Sink {
    type Msg = SinkMsg;
    async fn handle(&mut self, msg: SinkMsg, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        match msg {
            SinkMsg::Stamped(sent, _tick) => {
                record(&mut self.hist, sent.elapsed());
                self.received.fetch_add(1, Ordering::Release);
            }
            SinkMsg::Finish(reply) => {
                let _ = reply.send(std::mem::replace(&mut self.hist, histogram()));
            }
        }
        Ok(())
    }
}

/// One-way latency: send a stamped message, let the actor record enqueue-to-handle
/// time, wait (yielding) until it has before sending the next.
pub async fn one_way(n: u64, mode: Mode) -> Histogram<u64> {
    let node = Node::new("bench");
    let received = Arc::new(AtomicU64::new(0));
    let sink = Sink { hist: histogram(), received: received.clone() };
    let sink = node.spawn_with(sink, options(mode)).expect("spawn");
    let tick = Arc::new(Tick::new(0));
    for i in 1..=n {
        sink.send(SinkMsg::Stamped(Instant::now(), tick.clone())).await.expect("sink alive");
        crate::raw::wait_for(&received, i).await;
    }
    let h = sink.ask(SinkMsg::Finish, ASK_TIMEOUT).await.expect("histogram");
    node.shutdown(Duration::from_secs(1)).await;
    h
}

/// Answers each ping with a pong to its peer. The peer comes through a slot set
/// before the first ping, so that the only message is the `Instant` itself, as in the
/// raw baseline: a setup variant carrying an `ActorRef` would make every ping 24
/// bytes instead of 16 (on message size, see
/// `docs/perf-notes/2026-12-01-local-send-path.md`).
struct Ponger {
    peer: Arc<OnceLock<ActorRef<PingerMsg>>>,
}

impl Actor for Ponger {
    type Msg = Instant;
    async fn handle(&mut self, ping: Instant, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        if let Some(peer) = self.peer.get() {
            peer.send(PingerMsg::Pong(ping)).await?;
        }
        Ok(())
    }
}

/// Drives `n` round trips and records each.
struct Pinger {
    ponger: ActorRef<Instant>,
    left: u64,
    hist: Histogram<u64>,
    done: Option<oneshot::Sender<Histogram<u64>>>,
}

/// 16 bytes, as a bare `Instant`: the dataless `Start` fits in the `Instant`'s niche.
enum PingerMsg {
    Start,
    Pong(Instant),
}

impl Actor for Pinger {
    type Msg = PingerMsg;
    async fn handle(&mut self, msg: PingerMsg, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        if let PingerMsg::Pong(t) = msg {
            record(&mut self.hist, t.elapsed());
            self.left -= 1;
        }
        if self.left > 0 {
            self.ponger.send(Instant::now()).await?;
        } else if let Some(done) = self.done.take() {
            let _ = done.send(std::mem::replace(&mut self.hist, histogram()));
        }
        Ok(())
    }
}

/// Round trips between two actors.
pub async fn ping_pong(n: u64, mode: Mode) -> Histogram<u64> {
    let node = Node::new("bench");
    let peer = Arc::new(OnceLock::new());
    let ponger = node.spawn_with(Ponger { peer: peer.clone() }, options(mode)).expect("spawn");
    let (done, finished) = oneshot::channel();
    let pinger = Pinger { ponger, left: n, hist: histogram(), done: Some(done) };
    // Pinned: the pinger takes the other core.
    let pinger_mode = match mode {
        Mode::Pinned(core) => Mode::Pinned(1 - core.min(1)),
        other => other,
    };
    let pinger = node.spawn_with(pinger, options(pinger_mode)).expect("spawn");
    let _ = peer.set(pinger.clone());
    pinger.send(PingerMsg::Start).await.expect("pinger");
    let h = finished.await.expect("ping-pong run");
    node.shutdown(Duration::from_secs(1)).await;
    h
}

/// Answers a counter.
struct Server(u64);

impl Actor for Server {
    type Msg = ReplyTo<u64>;
    async fn handle(
        &mut self,
        reply: ReplyTo<u64>,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        self.0 += 1;
        let _ = reply.send(self.0);
        Ok(())
    }
}

/// `ask` round trips from a task.
pub async fn ask(n: u64, mode: Mode) -> Histogram<u64> {
    let node = Node::new("bench");
    let server = node.spawn_with(Server(0), options(mode)).expect("spawn");
    let asker = tokio::spawn(async move {
        let mut h = histogram();
        for _ in 0..n {
            let start = Instant::now();
            server.ask(|r| r, ASK_TIMEOUT).await.expect("answer");
            record(&mut h, start.elapsed());
        }
        h
    });
    let h = asker.await.expect("asker task");
    node.shutdown(Duration::from_secs(1)).await;
    h
}

/// Answers a counter over a plain `oneshot`, as raw tokio's server does.
struct OneshotServer(u64);

impl Actor for OneshotServer {
    type Msg = oneshot::Sender<u64>;
    async fn handle(
        &mut self,
        reply: oneshot::Sender<u64>,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        self.0 += 1;
        let _ = reply.send(self.0);
        Ok(())
    }
}

/// Raw tokio's ask on a Mycelium mailbox: `send` a `oneshot` sender, await the
/// receiver, no timeout. Beside [`ask`] it separates the mailbox's share of an ask's
/// cost from `ask`'s own (its reply port, and its bound on the wait).
pub async fn ask_by_send(n: u64, mode: Mode) -> Histogram<u64> {
    let node = Node::new("bench");
    let server = node.spawn_with(OneshotServer(0), options(mode)).expect("spawn");
    let asker = tokio::spawn(async move {
        let mut h = histogram();
        for _ in 0..n {
            let start = Instant::now();
            let (reply, answer) = oneshot::channel();
            server.send(reply).await.expect("server alive");
            let _ = answer.await;
            record(&mut h, start.elapsed());
        }
        h
    });
    let h = asker.await.expect("asker task");
    node.shutdown(Duration::from_secs(1)).await;
    h
}

/// Counts ticks and says when it has seen `expected` of them.
struct Counter {
    seen: u64,
    expected: u64,
    done: Option<oneshot::Sender<()>>,
}

impl Actor for Counter {
    type Msg = Arc<Tick>;
    async fn handle(
        &mut self,
        _tick: Arc<Tick>,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        self.seen += 1;
        if self.seen == self.expected {
            if let Some(done) = self.done.take() {
                let _ = done.send(());
            }
        }
        Ok(())
    }
}

fn counter(node: &Node, expected: u64, mode: Mode) -> (ActorRef<Arc<Tick>>, oneshot::Receiver<()>) {
    let (done, finished) = oneshot::channel();
    let actor = node
        .spawn_with(Counter { seen: 0, expected, done: Some(done) }, options(mode))
        .expect("spawn");
    (actor, finished)
}

/// A burst of `n` fresh `Arc<Tick>`s from one sender; time until all are handled.
pub async fn throughput(n: u64, mode: Mode) -> Duration {
    let node = Node::new("bench");
    let (actor, finished) = counter(&node, n, mode);
    let start = Instant::now();
    for i in 0..n {
        actor.send(Arc::new(Tick::new(i))).await.expect("counter alive");
    }
    finished.await.expect("counter finished");
    let elapsed = start.elapsed();
    node.shutdown(Duration::from_secs(1)).await;
    elapsed
}

/// `n` ticks through a [`Broadcast`] to `subscribers` actors; time until all are
/// handled.
pub async fn broadcast(n: u64, subscribers: usize, mode: Mode) -> Duration {
    let node = Node::new("bench");
    let mut bcast = Broadcast::new();
    let mut finished = Vec::new();
    for _ in 0..subscribers {
        let (actor, done) = counter(&node, n, mode);
        bcast.subscribe(actor);
        finished.push(done);
    }
    let start = Instant::now();
    for i in 0..n {
        bcast.send(&Arc::new(Tick::new(i))).await;
    }
    for done in finished {
        done.await.expect("subscriber finished");
    }
    let elapsed = start.elapsed();
    node.shutdown(Duration::from_secs(1)).await;
    elapsed
}
