//! actix 0.13: ask = `Addr::send(msg).await`, tell = `Addr::do_send(msg)`.
//!
//! actix actors need an actix `System` (a `current_thread` Tokio runtime with a
//! `LocalSet`): each scenario makes its own, and the caller runs inside
//! `System::block_on`, on the same thread as the actor.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::{Actor, Context, Handler, Message, System};
use hdrhistogram::Histogram;
use tokio::sync::oneshot;

use super::Caller;
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

/// A burst of `n` fresh `Arc<Tick>`s by `do_send`; time until all are handled.
pub fn tell(n: u64) -> Duration {
    System::new().block_on(async move {
        let (done, finished) = oneshot::channel();
        let counter = Counter { seen: 0, expected: n, done: Some(done) }.start();
        let start = Instant::now();
        for i in 0..n {
            counter.do_send(TellTick(Arc::new(Tick::new(i))));
        }
        finished.await.expect("counter finished");
        start.elapsed()
    })
}
