//! kameo 0.22: ask = `ActorRef::ask(msg).await`, tell = `ActorRef::tell(msg).await`
//! (default bounded mailbox, 64). Actor and caller share one `current_thread` Tokio
//! runtime.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use kameo::error::Infallible;
use kameo::prelude::{Actor, ActorRef, Context, Message, Spawn};
use tokio::sync::oneshot;

use super::{current_thread, Caller};
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
        let _ = server.stop_gracefully().await;
        server.wait_for_shutdown().await;
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

/// A burst of `n` fresh `Arc<Tick>`s by `tell`; time until all are handled.
pub fn tell(n: u64) -> Duration {
    current_thread().block_on(async move {
        let (done, finished) = oneshot::channel();
        let counter = Counter::spawn(Counter { seen: 0, expected: n, done: Some(done) });
        let start = Instant::now();
        for i in 0..n {
            counter.tell(Arc::new(Tick::new(i))).await.expect("counter alive");
        }
        finished.await.expect("counter finished");
        let elapsed = start.elapsed();
        let _ = counter.stop_gracefully().await;
        counter.wait_for_shutdown().await;
        elapsed
    })
}
