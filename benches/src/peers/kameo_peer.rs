//! kameo 0.22: ask = `ActorRef::ask(msg).await`, tell = `ActorRef::tell(msg).await`
//! (default bounded mailbox, 64; also for one-way, ping-pong and broadcast, the
//! one-way samples coming back by `ask`). Actor and caller share one `current_thread`
//! Tokio runtime.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use kameo::error::Infallible;
use kameo::prelude::{Actor, ActorRef, Context, Message, Spawn};
use tokio::sync::oneshot;

use super::{current_thread, Caller, Rounds, Stamps};
use crate::raw::wait_for;
use crate::{histogram, record, Tick};

struct Server(u64);

impl Actor for Server {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(state: Self, _actor_ref: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(state)
    }
}

impl Message<Tick> for Server {
    type Reply = u64;

    async fn handle(&mut self, tick: Tick, _ctx: &mut Context<Self, u64>) -> u64 {
        self.0 += 1;
        tick.seq
    }
}

/// `n` asks, each timed.
pub fn ask(n: u64, caller: Caller) -> Histogram<u64> {
    current_thread().block_on(async move {
        let server = Server::spawn(Server(0));
        let asking = server.clone();
        let h = caller
            .run(async move {
                let mut h = histogram();
                for i in 0..n {
                    let start = Instant::now();
                    let seq = asking.ask(Tick::new(i)).await.expect("answer");
                    record(&mut h, start.elapsed());
                    debug_assert_eq!(seq, i);
                }
                h
            })
            .await;
        stop(&server).await;
        h
    })
}

struct Counter {
    seen: u64,
    expected: u64,
    done: Option<oneshot::Sender<()>>,
}

impl Actor for Counter {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(state: Self, _actor_ref: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(state)
    }
}

impl Message<Arc<Tick>> for Counter {
    type Reply = ();

    async fn handle(&mut self, _tick: Arc<Tick>, _ctx: &mut Context<Self, ()>) {
        self.seen += 1;
        if self.seen == self.expected {
            if let Some(done) = self.done.take() {
                let _ = done.send(());
            }
        }
    }
}

/// A counter expecting `expected` ticks, and the signal that it has seen them.
fn counter(expected: u64) -> (ActorRef<Counter>, oneshot::Receiver<()>) {
    let (done, finished) = oneshot::channel();
    (Counter::spawn(Counter { seen: 0, expected, done: Some(done) }), finished)
}

/// Stops `actor` and waits until it has.
async fn stop<A: Actor>(actor: &ActorRef<A>) {
    let _ = actor.stop_gracefully().await;
    actor.wait_for_shutdown().await;
}

/// A burst of `n` fresh `Arc<Tick>`s by `tell`; time until all are handled.
pub fn tell(n: u64) -> Duration {
    current_thread().block_on(async move {
        let (counter, finished) = counter(n);
        let start = Instant::now();
        for i in 0..n {
            counter.tell(Arc::new(Tick::new(i))).await.expect("counter alive");
        }
        finished.await.expect("counter finished");
        let elapsed = start.elapsed();
        stop(&counter).await;
        elapsed
    })
}

/// `n` ticks, each one `Arc<Tick>` told to `subscribers` counters; time until all are
/// handled.
pub fn broadcast(n: u64, subscribers: usize) -> Duration {
    current_thread().block_on(async move {
        let (counters, finished): (Vec<_>, Vec<_>) = (0..subscribers).map(|_| counter(n)).unzip();
        let start = Instant::now();
        for i in 0..n {
            let tick = Arc::new(Tick::new(i));
            for counter in &counters {
                counter.tell(tick.clone()).await.expect("subscriber alive");
            }
        }
        for done in finished {
            done.await.expect("subscriber finished");
        }
        let elapsed = start.elapsed();
        for counter in &counters {
            stop(counter).await;
        }
        elapsed
    })
}

/// The one-way message: a stamp and a shared tick.
struct Stamped(Instant, Arc<Tick>);

/// Asks the sink for its samples.
struct Finish;

struct Sink(Stamps);

impl Actor for Sink {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(state: Self, _actor_ref: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(state)
    }
}

impl Message<Stamped> for Sink {
    type Reply = ();

    async fn handle(&mut self, Stamped(sent, _tick): Stamped, _ctx: &mut Context<Self, ()>) {
        self.0.record(sent);
    }
}

impl Message<Finish> for Sink {
    /// Boxed: kameo replies only with types it implements `Reply` for.
    type Reply = Box<Histogram<u64>>;

    async fn handle(&mut self, _: Finish, _ctx: &mut Context<Self, Self::Reply>) -> Self::Reply {
        Box::new(self.0.take())
    }
}

/// One-way latency: `tell` a stamped tick, yield until the sink has recorded it, send
/// the next; the samples come back by `ask`.
pub fn one_way(n: u64) -> Histogram<u64> {
    current_thread().block_on(async move {
        let received = Arc::new(AtomicU64::new(0));
        let sink = Sink::spawn(Sink(Stamps::new(received.clone())));
        let tick = Arc::new(Tick::new(0));
        for i in 1..=n {
            sink.tell(Stamped(Instant::now(), tick.clone())).await.expect("sink alive");
            wait_for(&received, i).await;
        }
        let h = sink.ask(Finish).await.expect("samples");
        stop(&sink).await;
        *h
    })
}

/// A ping or a pong: the pinger's timestamp.
struct Ball(Instant);

/// Tells the ponger whom to answer.
struct Peer(ActorRef<Pinger>);

/// Starts the run.
struct Start;

struct Ponger(Option<ActorRef<Pinger>>);

impl Actor for Ponger {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(state: Self, _actor_ref: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(state)
    }
}

impl Message<Peer> for Ponger {
    type Reply = ();

    async fn handle(&mut self, Peer(pinger): Peer, _ctx: &mut Context<Self, ()>) {
        self.0 = Some(pinger);
    }
}

impl Message<Ball> for Ponger {
    type Reply = ();

    async fn handle(&mut self, ping: Ball, _ctx: &mut Context<Self, ()>) {
        if let Some(pinger) = &self.0 {
            pinger.tell(ping).await.expect("pinger alive");
        }
    }
}

struct Pinger {
    ponger: ActorRef<Ponger>,
    rounds: Rounds,
}

impl Actor for Pinger {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(state: Self, _actor_ref: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(state)
    }
}

impl Message<Start> for Pinger {
    type Reply = ();

    async fn handle(&mut self, _: Start, _ctx: &mut Context<Self, ()>) {
        self.ponger.tell(Ball(Instant::now())).await.expect("ponger alive");
    }
}

impl Message<Ball> for Pinger {
    type Reply = ();

    async fn handle(&mut self, Ball(sent): Ball, _ctx: &mut Context<Self, ()>) {
        if self.rounds.pong(sent) {
            self.ponger.tell(Ball(Instant::now())).await.expect("ponger alive");
        }
    }
}

/// `n` round trips between two actors, each side answering by `tell().await` from its
/// handler.
pub fn ping_pong(n: u64) -> Histogram<u64> {
    current_thread().block_on(async move {
        let (done, samples) = oneshot::channel();
        let ponger = Ponger::spawn(Ponger(None));
        let pinger = Pinger::spawn(Pinger { ponger: ponger.clone(), rounds: Rounds::new(n, done) });
        ponger.tell(Peer(pinger.clone())).await.expect("ponger alive");
        pinger.tell(Start).await.expect("pinger alive");
        let h = samples.await.expect("ping-pong samples");
        stop(&pinger).await;
        stop(&ponger).await;
        h
    })
}
