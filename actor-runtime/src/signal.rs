//! System signals: the priority path into an actor, beside its user mailbox.

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
    /// A watched actor ended.
    Terminated(Terminated),
    /// A supervised child's instance ended.
    ChildExit(ChildExit),
    /// Send a snapshot of the actor's figures.
    Metrics(oneshot::Sender<ActorMetrics>),
}
