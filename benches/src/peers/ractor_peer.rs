//! ractor 0.16: ask = `call!` (an RPC with an `RpcReplyPort`), tell =
//! `ActorRef::cast` (unbounded mailbox). Actor and caller share one `current_thread`
//! Tokio runtime.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use ractor::{call, Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use tokio::sync::oneshot;

use super::{current_thread, Caller};
use crate::{histogram, record, Tick};

struct Server;

/// The ask message: a tick by value and the port for its `seq`.
enum ServerMsg {
    Ask(Tick, RpcReplyPort<u64>),
}

impl Actor for Server {
    type Msg = ServerMsg;
    type State = u64;
    type Arguments = ();

    async fn pre_start(
        &self,
        _myself: ActorRef<ServerMsg>,
        _args: (),
    ) -> Result<u64, ActorProcessingErr> {
        Ok(0)
    }

    async fn handle(
        &self,
        _myself: ActorRef<ServerMsg>,
        msg: ServerMsg,
        count: &mut u64,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            ServerMsg::Ask(tick, reply) => {
                *count += 1;
                let _ = reply.send(tick.seq);
            }
        }
        Ok(())
    }
}

/// `n` asks, each timed.
pub fn ask(n: u64, caller: Caller) -> Histogram<u64> {
    current_thread().block_on(async move {
        let (server, handle) = Actor::spawn(None, Server, ()).await.expect("spawn");
        let asking = server.clone();
        let h = caller
            .run(async move {
                let mut h = histogram();
                for i in 0..n {
                    let start = Instant::now();
                    let seq = call!(asking, ServerMsg::Ask, Tick::new(i)).expect("answer");
                    record(&mut h, start.elapsed());
                    debug_assert_eq!(seq, i);
                }
                h
            })
            .await;
        server.stop(None);
        handle.await.expect("server stopped");
        h
    })
}

struct Counter;

/// The counter's state: how many ticks so far, how many to expect, whom to tell.
struct Count {
    seen: u64,
    expected: u64,
    done: Option<oneshot::Sender<()>>,
}

impl Actor for Counter {
    type Msg = Arc<Tick>;
    type State = Count;
    type Arguments = (u64, oneshot::Sender<()>);

    async fn pre_start(
        &self,
        _myself: ActorRef<Arc<Tick>>,
        (expected, done): (u64, oneshot::Sender<()>),
    ) -> Result<Count, ActorProcessingErr> {
        Ok(Count { seen: 0, expected, done: Some(done) })
    }

    async fn handle(
        &self,
        _myself: ActorRef<Arc<Tick>>,
        _tick: Arc<Tick>,
        state: &mut Count,
    ) -> Result<(), ActorProcessingErr> {
        state.seen += 1;
        if state.seen == state.expected {
            if let Some(done) = state.done.take() {
                let _ = done.send(());
            }
        }
        Ok(())
    }
}

/// A burst of `n` fresh `Arc<Tick>`s by `cast`; time until all are handled.
pub fn tell(n: u64) -> Duration {
    current_thread().block_on(async move {
        let (done, finished) = oneshot::channel();
        let (counter, handle) = Actor::spawn(None, Counter, (n, done)).await.expect("spawn");
        let start = Instant::now();
        for i in 0..n {
            counter.cast(Arc::new(Tick::new(i))).expect("counter alive");
        }
        finished.await.expect("counter finished");
        let elapsed = start.elapsed();
        counter.stop(None);
        handle.await.expect("counter stopped");
        elapsed
    })
}
