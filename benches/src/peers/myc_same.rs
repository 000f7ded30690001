//! Mycelium and raw tokio with the peers' ask message (a [`Tick`] by value, answered
//! with its `seq`); their tell and one-way scenarios are [`crate::myc`] and
//! [`crate::raw`] as they are (already fresh `Arc<Tick>`s).

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use mycelium::{Actor, ActorError, Context, Idle, Node, Pinned, ReplyTo, SpawnOptions};
use tokio::sync::{mpsc, oneshot};

use super::Caller;
use crate::myc::Mode;
use crate::{histogram, record, Tick, ASK_TIMEOUT};

/// Answers each tick with its sequence number.
struct Server(u64);

impl Actor for Server {
    type Msg = (Tick, ReplyTo<u64>);
    async fn handle(
        &mut self,
        (tick, reply): (Tick, ReplyTo<u64>),
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        self.0 += 1;
        let _ = reply.send(tick.seq);
        Ok(())
    }
}

/// `n` asks of a Mycelium actor (task or pinned), each timed; the caller runs on
/// the current runtime.
pub async fn ask(n: u64, mode: Mode, caller: Caller) -> Histogram<u64> {
    let options = match mode {
        Mode::Task => SpawnOptions::new(),
        Mode::Timed => SpawnOptions::new().timing(true),
        Mode::Pinned(core) => {
            SpawnOptions::new().pinned(Pinned { core: Some(core), idle: Idle::Spin })
        }
    };
    let node = Node::new("peers");
    let server = node.spawn_with(Server(0), options).expect("spawn");
    let h = caller
        .run(async move {
            let mut h = histogram();
            for i in 0..n {
                let start = Instant::now();
                let seq = server.ask(|r| (Tick::new(i), r), ASK_TIMEOUT).await.expect("answer");
                record(&mut h, start.elapsed());
                debug_assert_eq!(seq, i);
            }
            h
        })
        .await;
    node.shutdown(Duration::from_secs(1)).await;
    h
}

/// `n` asks over raw tokio `mpsc` + `oneshot` (no timeout), each timed.
pub async fn raw_ask(n: u64, caller: Caller) -> Histogram<u64> {
    let (tx, mut rx) = mpsc::channel::<(Tick, oneshot::Sender<u64>)>(mycelium::DEFAULT_CAPACITY);
    let server = tokio::spawn(async move {
        while let Some((tick, reply)) = rx.recv().await {
            let _ = reply.send(tick.seq);
        }
    });
    let h = caller
        .run(async move {
            let mut h = histogram();
            for i in 0..n {
                let start = Instant::now();
                let (reply, answer) = oneshot::channel();
                tx.send((Tick::new(i), reply)).await.expect("server alive");
                let seq = answer.await.expect("answer");
                record(&mut h, start.elapsed());
                debug_assert_eq!(seq, i);
            }
            h
        })
        .await;
    server.await.expect("server task");
    h
}
