//! Watching: an actor asks to be told, exactly once, when another actor ends.

use crate::actor::ExitReason;
use crate::id::ActorId;
use crate::signal::{Signal, SignalTx};

/// Delivered to a watcher's [`Actor::on_terminated`](crate::Actor::on_terminated)
/// when a watched actor ends, exactly once per watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terminated {
    /// The actor that ended.
    pub id: ActorId,
    /// Its name, if it had one.
    pub name: Option<String>,
    /// Why it ended.
    pub reason: ExitReason,
}

/// A watcher registered on a cell: where to send its `Terminated`.
pub(crate) struct Watcher {
    pub(crate) id: ActorId,
    pub(crate) signals: SignalTx,
}

impl Watcher {
    pub(crate) fn notify(&self, terminated: Terminated) {
        // A watcher that has itself ended no longer listens; nothing to do.
        self.signals.send(Signal::Terminated(terminated));
    }
}
