//! The [`Context`] an actor's hooks receive: its own reference, its node, watching,
//! and a way to end itself.

use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::actor::Actor;
use crate::actor_ref::ActorRef;
use crate::id::ActorId;
use crate::instance::Parent;
use crate::node::Node;
use crate::watch::Watcher;

/// Handed to every hook of an actor instance.
pub struct Context<A: Actor> {
    myself: ActorRef<A::Msg>,
    node: Node,
    token: CancellationToken,
    started: Option<oneshot::Sender<()>>,
    stop_requested: bool,
}

impl<A: Actor> Context<A> {
    pub(crate) fn new(
        myself: ActorRef<A::Msg>,
        node: Node,
        token: CancellationToken,
        started: Option<oneshot::Sender<()>>,
    ) -> Self {
        Self { myself, node, token, started, stop_requested: false }
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
    pub fn watch<M: Send + 'static>(&self, other: &ActorRef<M>) {
        other
            .cell()
            .add_watcher(Watcher { id: self.id(), signals: self.myself.cell().signals.clone() });
    }

    /// Stops watching `other`. A `Terminated` already on its way may still arrive.
    pub fn unwatch<M: Send + 'static>(&self, other: &ActorRef<M>) {
        other.cell().remove_watcher(self.id());
    }

    pub(crate) fn stop_requested(&self) -> bool {
        self.stop_requested
    }

    pub(crate) fn notify_started(&mut self) {
        if let Some(tx) = self.started.take() {
            let _ = tx.send(());
        }
    }

    /// This instance as the parent of the children it supervises.
    pub(crate) fn as_parent(&self) -> Parent {
        Parent { signals: self.myself.cell().signals.clone(), token: self.token.clone() }
    }
}
