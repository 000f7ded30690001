//! actix 0.13: ask = `Addr::send(msg).await`, tell = `Addr::do_send(msg)` (also for
//! one-way, ping-pong and broadcast; the one-way samples come back by `send`).
//!
//! actix actors need an actix `System` (a `current_thread` Tokio runtime with a
//! `LocalSet`): each scenario makes its own, and the caller runs inside
//! `System::block_on`, on the same thread as the actor.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::{Actor, Addr, Context, Handler, Message, MessageResult, System};
use hdrhistogram::Histogram;
use tokio::sync::oneshot;

use super::{Caller, Rounds, Stamps};
use crate::raw::wait_for;
use crate::{histogram, record, Tick};

/// The ask message: a tick by value, answered with its `seq`.
struct AskTick(Tick);

impl Message for AskTick {
    type Result = u64;
}

struct Server(u64);

impl Actor for Server {
    type Context = Context<Self>;
}

impl Handler<AskTick> for Server {
    type Result = u64;
    fn handle(&mut self, msg: AskTick, _ctx: &mut Context<Self>) -> u64 {
        self.0 += 1;
        msg.0.seq
    }
}

/// `n` asks, each timed.
pub fn ask(n: u64, caller: Caller) -> Histogram<u64> {
    System::new().block_on(async move {
        let server = Server(0).start();
        caller
            .run(async move {
                let mut h = histogram();
                for i in 0..n {
                    let start = Instant::now();
                    let seq = server.send(AskTick(Tick::new(i))).await.expect("answer");
                    record(&mut h, start.elapsed());
                    debug_assert_eq!(seq, i);
                }
                h
            })
            .await
    })
}

/// The tell message: a fresh `Arc<Tick>`.
struct TellTick(Arc<Tick>);

impl Message for TellTick {
    type Result = ();
}

struct Counter {
    seen: u64,
    expected: u64,
    done: Option<oneshot::Sender<()>>,
}

impl Actor for Counter {
    type Context = Context<Self>;
}

impl Handler<TellTick> for Counter {
    type Result = ();
    fn handle(&mut self, msg: TellTick, _ctx: &mut Context<Self>) {
        let _tick: Arc<Tick> = msg.0;
        self.seen += 1;
        if self.seen == self.expected {
            if let Some(done) = self.done.take() {
                let _ = done.send(());
            }
        }
    }
}

/// A counter expecting `expected` ticks, and the signal that it has seen them.
fn counter(expected: u64) -> (Addr<Counter>, oneshot::Receiver<()>) {
    let (done, finished) = oneshot::channel();
    (Counter { seen: 0, expected, done: Some(done) }.start(), finished)
}

/// A burst of `n` fresh `Arc<Tick>`s by `do_send`; time until all are handled.
pub fn tell(n: u64) -> Duration {
    System::new().block_on(async move {
        let (counter, finished) = counter(n);
        let start = Instant::now();
        for i in 0..n {
            counter.do_send(TellTick(Arc::new(Tick::new(i))));
        }
        finished.await.expect("counter finished");
        start.elapsed()
    })
}

/// `n` ticks, each one `Arc<Tick>` sent by `do_send` to `subscribers` counters; time
/// until all are handled.
pub fn broadcast(n: u64, subscribers: usize) -> Duration {
    System::new().block_on(async move {
        let (counters, finished): (Vec<_>, Vec<_>) = (0..subscribers).map(|_| counter(n)).unzip();
        let start = Instant::now();
        for i in 0..n {
            let tick = Arc::new(Tick::new(i));
            for counter in &counters {
                counter.do_send(TellTick(tick.clone()));
            }
        }
        for done in finished {
            done.await.expect("subscriber finished");
        }
        start.elapsed()
    })
}

/// The one-way message: a stamp and a shared tick.
struct Stamped(Instant, Arc<Tick>);

impl Message for Stamped {
    type Result = ();
}

/// Asks the sink for its samples.
struct Finish;

impl Message for Finish {
    type Result = Histogram<u64>;
}

struct Sink(Stamps);

impl Actor for Sink {
    type Context = Context<Self>;
}

impl Handler<Stamped> for Sink {
    type Result = ();
    fn handle(&mut self, Stamped(sent, _tick): Stamped, _ctx: &mut Context<Self>) {
        self.0.record(sent);
    }
}

impl Handler<Finish> for Sink {
    type Result = MessageResult<Finish>;
    fn handle(&mut self, _: Finish, _ctx: &mut Context<Self>) -> MessageResult<Finish> {
        MessageResult(self.0.take())
    }
}

/// One-way latency: `do_send` a stamped tick, yield until the sink has recorded it,
/// send the next; the samples come back by `send(Finish).await`.
pub fn one_way(n: u64) -> Histogram<u64> {
    System::new().block_on(async move {
        let received = Arc::new(AtomicU64::new(0));
        let sink = Sink(Stamps::new(received.clone())).start();
        let tick = Arc::new(Tick::new(0));
        for i in 1..=n {
            sink.do_send(Stamped(Instant::now(), tick.clone()));
            wait_for(&received, i).await;
        }
        sink.send(Finish).await.expect("samples")
    })
}

/// A ping or a pong: the pinger's timestamp.
struct Ball(Instant);

impl Message for Ball {
    type Result = ();
}

/// Tells the ponger whom to answer.
struct Peer(Addr<Pinger>);

impl Message for Peer {
    type Result = ();
}

/// Starts the run.
struct Start;

impl Message for Start {
    type Result = ();
}

struct Ponger(Option<Addr<Pinger>>);

impl Actor for Ponger {
    type Context = Context<Self>;
}

impl Handler<Peer> for Ponger {
    type Result = ();
    fn handle(&mut self, Peer(pinger): Peer, _ctx: &mut Context<Self>) {
        self.0 = Some(pinger);
    }
}

impl Handler<Ball> for Ponger {
    type Result = ();
    fn handle(&mut self, ping: Ball, _ctx: &mut Context<Self>) {
        if let Some(pinger) = &self.0 {
            pinger.do_send(ping);
        }
    }
}

struct Pinger {
    ponger: Addr<Ponger>,
    rounds: Rounds,
}

impl Actor for Pinger {
    type Context = Context<Self>;
}

impl Handler<Start> for Pinger {
    type Result = ();
    fn handle(&mut self, _: Start, _ctx: &mut Context<Self>) {
        self.ponger.do_send(Ball(Instant::now()));
    }
}

impl Handler<Ball> for Pinger {
    type Result = ();
    fn handle(&mut self, Ball(sent): Ball, _ctx: &mut Context<Self>) {
        if self.rounds.pong(sent) {
            self.ponger.do_send(Ball(Instant::now()));
        }
    }
}

/// `n` round trips between two actors, each side answering by `do_send` from its
/// handler.
pub fn ping_pong(n: u64) -> Histogram<u64> {
    System::new().block_on(async move {
        let (done, samples) = oneshot::channel();
        let ponger = Ponger(None).start();
        let pinger = Pinger { ponger: ponger.clone(), rounds: Rounds::new(n, done) }.start();
        ponger.do_send(Peer(pinger.clone()));
        pinger.do_send(Start);
        samples.await.expect("ping-pong samples")
    })
}
