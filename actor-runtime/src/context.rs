//! The [`Context`] an actor's hooks receive: its own reference, its node, watching,
//! and a way to end itself.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::actor::Actor;
use crate::actor::ExitReason;
use crate::actor_ref::ActorRef;
use crate::cell::Cell;
use crate::id::ActorId;
use crate::instance::{Parent, StartedTx};
use crate::node::Node;
use crate::signal::SignalTx;
use crate::watch::Watcher;

/// Handed to every hook of an actor instance.
pub struct Context<A: Actor> {
    myself: ActorRef<A::Msg>,
    cell: Arc<Cell<A::Msg>>,
    node: Node,
    token: CancellationToken,
    started: Option<StartedTx>,
    stop_requested: bool,
    /// Why the instance is ending, once its loop has ended (for `stopped`).
    ending: Option<ExitReason>,
}

impl<A: Actor> Context<A> {
    pub(crate) fn new(
        cell: Arc<Cell<A::Msg>>,
        node: Node,
        token: CancellationToken,
        started: Option<StartedTx>,
    ) -> Self {
        Self {
            myself: ActorRef::from_cell(cell.clone()),
            cell,
            node,
            token,
            started,
            stop_requested: false,
            ending: None,
        }
    }

    /// A reference to this actor, to hand to others.
    pub fn myself(&self) -> &ActorRef<A::Msg> {
        &self.myself
    }

    /// This actor's id.
    pub fn id(&self) -> ActorId {
        self.myself.id()
    }

    /// The node this actor runs on.
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// Ends this instance after the current message, with [`ExitReason::Normal`](crate::ExitReason::Normal).
    pub fn stop(&mut self) {
        self.stop_requested = true;
    }

    /// A token cancelled when this instance ends. Hand child tokens of it to tasks the
    /// actor spawns so they end with it.
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }

    /// Asks to be told when `other` ends: [`Actor::on_terminated`] runs exactly once
    /// for it (at once if it has already ended). Watching twice is watching once.
    /// For a remote actor, the `Terminated` comes when the link to its node is lost,
    /// with [`ExitReason::Unreachable`](crate::ExitReason::Unreachable).
    pub fn watch<M: Send + 'static>(&self, other: &ActorRef<M>) {
        let watcher = Watcher { id: self.id(), signals: self.signals().clone() };
        match (other.local(), other.remote()) {
            (Some(cell), _) => cell.add_watcher(watcher),
            (_, Some(remote)) => remote.link.add_watcher(watcher, remote.name.clone()),
            _ => {}
        }
    }

    /// Stops watching `other`. A `Terminated` already on its way may still arrive.
    pub fn unwatch<M: Send + 'static>(&self, other: &ActorRef<M>) {
        match (other.local(), other.remote()) {
            (Some(cell), _) => cell.remove_watcher(self.id()),
            (_, Some(remote)) => remote.link.remove_watcher(self.id(), &remote.name),
            _ => {}
        }
    }

    /// This actor's signal queue (its own ref is always local).
    fn signals(&self) -> &SignalTx {
        &self.cell.signals
    }

    pub(crate) fn stop_requested(&self) -> bool {
        self.stop_requested
    }

    pub(crate) fn notify_started(&mut self) {
        if let Some(tx) = self.started.take() {
            let _ = tx.send(Ok(()));
        }
    }

    /// Tells whoever waits for `started` why the instance ended before it finished
    /// (if it did).
    pub(crate) fn fail_started(&mut self, reason: &ExitReason) {
        if let Some(tx) = self.started.take() {
            let _ = tx.send(Err(reason.clone()));
        }
    }

    pub(crate) fn set_ending(&mut self, reason: ExitReason) {
        self.ending = Some(reason);
    }

    /// Why the instance is ending, in `stopped`.
    pub(crate) fn ending(&self) -> Option<&ExitReason> {
        self.ending.as_ref()
    }

    /// This instance as the parent of the children it supervises.
    pub(crate) fn as_parent(&self) -> Parent {
        Parent { signals: self.signals().clone(), token: self.token.clone() }
    }
}
