//! System signals: the priority path into an actor, beside its user mailbox.

use std::sync::Arc;
use std::task::Poll;

use futures_util::task::AtomicWaker;
use tokio::sync::{mpsc, oneshot};

use crate::metrics::ActorMetrics;
use crate::supervision::ChildExit;
use crate::watch::Terminated;

/// A signal to an actor's running instance. Signals never wait behind user messages:
/// the instance looks at its signals before each message.
pub(crate) enum Signal {
    /// Handle what is queued, then end (`ExitReason::Stopped`).
    Stop,
    /// End after the current message (`ExitReason::Killed`).
    Kill,
    /// From the supervisor: end after the current message, leave the mailbox untouched
    /// for the next instance.
    Restart,
    /// A watched actor ended.
    Terminated(Terminated),
    /// A supervised child's instance ended.
    ChildExit(ChildExit),
    /// Send a snapshot of the actor's figures.
    Metrics(oneshot::Sender<ActorMetrics>),
}

/// The sending end of an actor's signal queue. Cloneable; every runtime part that
/// signals an actor holds one.
#[derive(Clone)]
pub(crate) struct SignalTx {
    tx: mpsc::UnboundedSender<Signal>,
    waker: Arc<AtomicWaker>,
}

/// The receiving end, part of the leased mailbox.
///
/// A parked instance registers one waker here instead of polling the queue: polling
/// an empty tokio queue costs a list pop, on every park of every actor.
pub(crate) struct SignalRx {
    rx: mpsc::UnboundedReceiver<Signal>,
    waker: Arc<AtomicWaker>,
}

pub(crate) fn signal_channel() -> (SignalTx, SignalRx) {
    let (tx, rx) = mpsc::unbounded_channel();
    let waker = Arc::new(AtomicWaker::new());
    (SignalTx { tx, waker: waker.clone() }, SignalRx { rx, waker })
}

impl SignalTx {
    /// Queues `signal` and wakes the instance; false if no instance will read it.
    pub(crate) fn send(&self, signal: Signal) -> bool {
        let sent = self.tx.send(signal).is_ok();
        self.waker.wake();
        sent
    }
}

impl SignalRx {
    /// The next queued signal, if any: an emptiness check (two loads) before the pop.
    #[inline]
    pub(crate) fn try_next(&mut self) -> Option<Signal> {
        if self.rx.is_empty() {
            None
        } else {
            self.rx.try_recv().ok()
        }
    }

    /// Registers to be woken by the next signal, then takes one if queued. Register
    /// first, look second: a signal sent in between is seen or wakes the task.
    pub(crate) fn poll_next(&mut self, cx: &mut std::task::Context<'_>) -> Poll<Signal> {
        self.waker.register(cx.waker());
        match self.try_next() {
            Some(signal) => Poll::Ready(signal),
            None => Poll::Pending,
        }
    }
}
