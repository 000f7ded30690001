//! A supervisor's record of one child, with the typed parts erased.

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

use super::spec::{ChildSpec, Restart};
use crate::actor::{Actor, ExitReason};
use crate::actor_ref::ActorRef;
use crate::cell::{AnyCell, Cell};
use crate::error::SpawnError;
use crate::instance::{spawn_instance, Parent, Start, ABORT_GRACE};
use crate::node::Node;
use crate::pinned::InstanceHandle;
use crate::signal::Signal;

/// The typed half of a child: its factory and its cell.
pub(crate) trait Factory: Send {
    /// Makes a new actor and spawns an instance of it on the child's cell.
    fn start(
        &mut self,
        node: &Node,
        parent: Parent,
        generation: u64,
        started: oneshot::Sender<()>,
    ) -> Option<InstanceHandle>;
    fn cell(&self) -> Arc<dyn AnyCell>;
    /// The child's `ActorRef<A::Msg>`, boxed.
    fn actor_ref(&self) -> Box<dyn Any + Send>;
}

struct Typed<A: Actor> {
    factory: Box<dyn FnMut() -> A + Send>,
    cell: Arc<Cell<A::Msg>>,
}

impl<A: Actor> Factory for Typed<A> {
    fn start(
        &mut self,
        node: &Node,
        parent: Parent,
        generation: u64,
        started: oneshot::Sender<()>,
    ) -> Option<InstanceHandle> {
        spawn_instance(Start {
            cell: self.cell.clone(),
            actor: (self.factory)(),
            node: node.clone(),
            parent: Some(parent),
            generation,
            started: Some(started),
        })
    }
    fn cell(&self) -> Arc<dyn AnyCell> {
        self.cell.clone()
    }
    fn actor_ref(&self) -> Box<dyn Any + Send> {
        Box::new(ActorRef::from_cell(self.cell.clone()))
    }
}

/// A spec not started yet: the cell is made (and the name registered) at first start.
pub(crate) trait PendingSpec: Send {
    fn name(&self) -> &str;
    fn into_child(self: Box<Self>, node: &Node) -> Result<Child, SpawnError>;
}

impl<A: Actor> PendingSpec for ChildSpec<A> {
    fn name(&self) -> &str {
        &self.name
    }
    fn into_child(self: Box<Self>, node: &Node) -> Result<Child, SpawnError> {
        let spec = *self;
        let options = spec.options.clone().name(spec.name.clone());
        let cell = node.new_cell::<A::Msg>(&options)?;
        Ok(Child {
            name: spec.name,
            restart: spec.restart,
            shutdown: spec.shutdown,
            factory: Box::new(Typed { factory: spec.factory, cell }),
            generation: 0,
            running: None,
            restarts: 0,
            last_exit: None,
            started_once: false,
        })
    }
}

/// One child as its supervisor tracks it.
pub(crate) struct Child {
    pub(crate) name: String,
    pub(crate) restart: Restart,
    pub(crate) shutdown: Duration,
    pub(crate) factory: Box<dyn Factory>,
    /// Instances started so far, minus one: the generation of the current instance.
    pub(crate) generation: u64,
    /// The running instance.
    pub(crate) running: Option<InstanceHandle>,
    pub(crate) restarts: u64,
    pub(crate) last_exit: Option<ExitReason>,
    started_once: bool,
}

impl Child {
    /// Starts a new instance and waits until its `started` hook has finished (either
    /// way: a failure arrives later as a `ChildExit`).
    /// A child that has ended for good (its cell is gone) is not started again.
    pub(crate) async fn start(&mut self, node: &Node, parent: Parent) {
        if self.running.is_some() {
            return;
        }
        let generation = if self.started_once { self.generation + 1 } else { 0 };
        // Counted before the instance runs, so nobody sees the new instance's work
        // before its restart is counted; taken back if it cannot start.
        let counters = &node.inner().supervision;
        if self.started_once {
            self.restarts += 1;
            counters.count_restart();
        }
        let (tx, started) = oneshot::channel();
        self.running = self.factory.start(node, parent, generation, tx);
        if self.running.is_none() {
            if self.started_once {
                self.restarts -= 1;
                counters.uncount_restart();
            }
            return;
        }
        self.started_once = true;
        self.generation = generation;
        let _ = started.await;
        tracing::debug!(child = %self.name, generation, "child started");
    }

    /// Stops the running instance with `signal` (`Restart`: at once, mailbox kept;
    /// `Stop`: after what is queued) within the child's shutdown deadline, aborting it
    /// past the deadline. The instance's own exit report then arrives stale and is
    /// ignored.
    pub(crate) async fn stop_instance(&mut self, signal: Signal) {
        let Some(mut handle) = self.running.take() else {
            return;
        };
        let cell = self.factory.cell();
        cell.signal(signal);
        if tokio::time::timeout(self.shutdown, &mut handle).await.is_err() {
            tracing::warn!(child = %self.name, deadline = ?self.shutdown, "child overran its shutdown deadline: aborting");
            cell.abort();
            let _ = tokio::time::timeout(ABORT_GRACE, handle).await;
            self.last_exit = Some(ExitReason::Killed);
        } else {
            self.last_exit = Some(ExitReason::Stopped);
        }
    }

    /// Stops the child for good: its instance, then its cell.
    pub(crate) async fn terminate(&mut self) {
        self.stop_instance(Signal::Stop).await;
        let reason = self.last_exit.clone().unwrap_or(ExitReason::Stopped);
        self.factory.cell().terminate_idle(reason);
    }
}
