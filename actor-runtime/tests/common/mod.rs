//! Test actors and bounded waits shared by the runtime's tests.
#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::time::Duration;

use mycelium::{Actor, ActorError, Context, ReplyTo};
use tokio::sync::{mpsc, oneshot};

/// Every wait in these tests is bounded by this.
pub const WAIT: Duration = Duration::from_secs(10);

/// Awaits `f`, failing the test with `what` if it takes longer than [`WAIT`].
pub async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(WAIT, f).await {
        Ok(v) => v,
        Err(_) => panic!("timed out after {WAIT:?} waiting for {what}"),
    }
}

/// Receives the next value, failing the test after [`WAIT`].
pub async fn next<T>(rx: &mut mpsc::UnboundedReceiver<T>) -> T {
    within("the next event", rx.recv()).await.expect("event channel closed")
}

/// A recorder: forwards every value it handles to a channel the test reads.
pub struct Recorder<T> {
    pub out: mpsc::UnboundedSender<T>,
}

pub enum RecMsg<T> {
    /// Record the value.
    Put(T),
    /// Block this actor until the gate is opened (the sender is dropped or fires).
    Hold(oneshot::Receiver<()>),
    /// Answer with the number of values recorded so far.
    Count(ReplyTo<usize>),
    /// Drop the reply port without answering.
    Ignore(ReplyTo<usize>),
}

impl<T: Send + 'static> Actor for Recorder<T> {
    type Msg = RecMsg<T>;

    async fn handle(&mut self, msg: RecMsg<T>, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        match msg {
            RecMsg::Put(v) => {
                let _ = self.out.send(v);
            }
            RecMsg::Hold(gate) => {
                let _ = gate.await;
            }
            RecMsg::Count(reply) => {
                let _ = reply.send(0);
            }
            RecMsg::Ignore(reply) => drop(reply),
        }
        Ok(())
    }
}

/// A recorder and the receiving end of what it records.
pub fn recorder<T>() -> (Recorder<T>, mpsc::UnboundedReceiver<T>) {
    let (out, rx) = mpsc::unbounded_channel();
    (Recorder { out }, rx)
}
