//! System signals: the priority path into an actor, beside its user mailbox. They
//! travel in the priority lane of the actor's [queue](crate::queue).

use std::sync::Arc;

use tokio::sync::oneshot;

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
    /// The actor has ended while this instance still ran (given up past a deadline,
    /// or its supervisor killed): end before the next message, without `stopped`, as
    /// an abort would have at the next `.await`.
    Abort,
    /// A watched actor ended.
    Terminated(Terminated),
    /// A supervised child's instance ended.
    ChildExit(ChildExit),
    /// Send a snapshot of the actor's figures.
    Metrics(oneshot::Sender<ActorMetrics>),
}

/// The priority lane of an actor's queue, whatever the actor's message type.
pub(crate) trait SignalLane: Send + Sync {
    /// Queues `signal` and wakes the receiver; false if the receiver is gone.
    fn push(&self, signal: Signal) -> bool;
}

/// Sends signals to an actor. Cloneable; every runtime part that signals an actor
/// (refs, watchers, supervisors, the node) holds one.
#[derive(Clone)]
pub(crate) struct SignalTx(Arc<dyn SignalLane>);

impl SignalTx {
    pub(crate) fn new(lane: Arc<dyn SignalLane>) -> Self {
        Self(lane)
    }

    /// Queues `signal` and wakes the instance; false if no instance will read it.
    pub(crate) fn send(&self, signal: Signal) -> bool {
        self.0.push(signal)
    }
}
