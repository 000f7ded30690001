//! ractor 0.16: ask = `call!` (an RPC with an `RpcReplyPort`), tell =
//! `ActorRef::cast` (unbounded mailbox; also for one-way, ping-pong and broadcast, the
//! one-way samples coming back by `call!`). Actor and caller share one
//! `current_thread` Tokio runtime.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use ractor::concurrency::JoinHandle;
use ractor::{call, Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use tokio::sync::oneshot;

use super::{current_thread, Caller, Rounds, Stamps};
use crate::raw::wait_for;
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

/// A counter expecting `expected` ticks, its join handle, and the signal that it has
/// seen them.
async fn counter(expected: u64) -> (ActorRef<Arc<Tick>>, JoinHandle<()>, oneshot::Receiver<()>) {
    let (done, finished) = oneshot::channel();
    let (counter, handle) = Actor::spawn(None, Counter, (expected, done)).await.expect("spawn");
    (counter, handle, finished)
}

/// A burst of `n` fresh `Arc<Tick>`s by `cast`; time until all are handled.
pub fn tell(n: u64) -> Duration {
    current_thread().block_on(async move {
        let (counter, handle, finished) = counter(n).await;
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

/// `n` ticks, each one `Arc<Tick>` cast to `subscribers` counters; time until all are
/// handled.
pub fn broadcast(n: u64, subscribers: usize) -> Duration {
    current_thread().block_on(async move {
        let mut counters = Vec::new();
        for _ in 0..subscribers {
            counters.push(counter(n).await);
        }
        let start = Instant::now();
        for i in 0..n {
            let tick = Arc::new(Tick::new(i));
            for (counter, _, _) in &counters {
                counter.cast(tick.clone()).expect("subscriber alive");
            }
        }
        for (_, _, finished) in &mut counters {
            finished.await.expect("subscriber finished");
        }
        let elapsed = start.elapsed();
        for (counter, handle, _) in counters {
            counter.stop(None);
            handle.await.expect("subscriber stopped");
        }
        elapsed
    })
}

struct Sink;

/// The one-way messages: a stamp and a shared tick, or the ask for the samples.
enum SinkMsg {
    Stamped(Instant, Arc<Tick>),
    Finish(RpcReplyPort<Histogram<u64>>),
}

impl Actor for Sink {
    type Msg = SinkMsg;
    type State = Stamps;
    type Arguments = Stamps;

    async fn pre_start(
        &self,
        _myself: ActorRef<SinkMsg>,
        stamps: Stamps,
    ) -> Result<Stamps, ActorProcessingErr> {
        Ok(stamps)
    }

    async fn handle(
        &self,
        _myself: ActorRef<SinkMsg>,
        msg: SinkMsg,
        stamps: &mut Stamps,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            SinkMsg::Stamped(sent, _tick) => stamps.record(sent),
            SinkMsg::Finish(reply) => {
                let _ = reply.send(stamps.take());
            }
        }
        Ok(())
    }
}

/// One-way latency: `cast` a stamped tick, yield until the sink has recorded it, send
/// the next; the samples come back by `call!`.
pub fn one_way(n: u64) -> Histogram<u64> {
    current_thread().block_on(async move {
        let received = Arc::new(AtomicU64::new(0));
        let stamps = Stamps::new(received.clone());
        let (sink, handle) = Actor::spawn(None, Sink, stamps).await.expect("spawn");
        let tick = Arc::new(Tick::new(0));
        for i in 1..=n {
            sink.cast(SinkMsg::Stamped(Instant::now(), tick.clone())).expect("sink alive");
            wait_for(&received, i).await;
        }
        let h = call!(sink, SinkMsg::Finish).expect("samples");
        sink.stop(None);
        handle.await.expect("sink stopped");
        h
    })
}

struct Ponger;

/// The ponger's message: a ping. Whom to answer comes through a slot set before the
/// first ping, as for the Mycelium actors, so every ping is a bare `Instant`.
enum PongerMsg {
    Ping(Instant),
}

impl Actor for Ponger {
    type Msg = PongerMsg;
    type State = Arc<OnceLock<ActorRef<PingerMsg>>>;
    type Arguments = Arc<OnceLock<ActorRef<PingerMsg>>>;

    async fn pre_start(
        &self,
        _myself: ActorRef<PongerMsg>,
        pinger: Arc<OnceLock<ActorRef<PingerMsg>>>,
    ) -> Result<Arc<OnceLock<ActorRef<PingerMsg>>>, ActorProcessingErr> {
        Ok(pinger)
    }

    async fn handle(
        &self,
        _myself: ActorRef<PongerMsg>,
        PongerMsg::Ping(sent): PongerMsg,
        pinger: &mut Arc<OnceLock<ActorRef<PingerMsg>>>,
    ) -> Result<(), ActorProcessingErr> {
        if let Some(p) = pinger.get() {
            p.cast(PingerMsg::Pong(sent))?;
        }
        Ok(())
    }
}

struct Pinger;

/// The pinger's messages: start the run, then pongs.
enum PingerMsg {
    Start,
    Pong(Instant),
}

impl Actor for Pinger {
    type Msg = PingerMsg;
    type State = (ActorRef<PongerMsg>, Rounds);
    type Arguments = (ActorRef<PongerMsg>, Rounds);

    async fn pre_start(
        &self,
        _myself: ActorRef<PingerMsg>,
        state: (ActorRef<PongerMsg>, Rounds),
    ) -> Result<(ActorRef<PongerMsg>, Rounds), ActorProcessingErr> {
        Ok(state)
    }

    async fn handle(
        &self,
        _myself: ActorRef<PingerMsg>,
        msg: PingerMsg,
        (ponger, rounds): &mut (ActorRef<PongerMsg>, Rounds),
    ) -> Result<(), ActorProcessingErr> {
        let again = match msg {
            PingerMsg::Start => true,
            PingerMsg::Pong(sent) => rounds.pong(sent),
        };
        if again {
            ponger.cast(PongerMsg::Ping(Instant::now()))?;
        }
        Ok(())
    }
}

/// `n` round trips between two actors, each side answering by `cast` from its
/// handler.
pub fn ping_pong(n: u64) -> Histogram<u64> {
    current_thread().block_on(async move {
        let (done, samples) = oneshot::channel();
        let peer = Arc::new(OnceLock::new());
        let (ponger, ponger_handle) =
            Actor::spawn(None, Ponger, peer.clone()).await.expect("spawn");
        let rounds = Rounds::new(n, done);
        let (pinger, pinger_handle) =
            Actor::spawn(None, Pinger, (ponger.clone(), rounds)).await.expect("spawn");
        let _ = peer.set(pinger.clone());
        pinger.cast(PingerMsg::Start).expect("pinger alive");
        let h = samples.await.expect("ping-pong samples");
        pinger.stop(None);
        ponger.stop(None);
        pinger_handle.await.expect("pinger stopped");
        ponger_handle.await.expect("ponger stopped");
        h
    })
}
