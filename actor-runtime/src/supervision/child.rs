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
use crate::instance::{spawn_instance, Parent, Start, StartedTx, ABORT_GRACE};
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
        started: StartedTx,
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
        started: StartedTx,
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
        let cell = node.new_cell::<A::Msg>(&options, true)?;
        Ok(Child {
            name: spec.name,
            restart: spec.restart,
            shutdown: spec.shutdown,
            factory: Box::new(Typed { factory: spec.factory, cell }),
            generation: 0,
            instance: Instance::Idle,
            start_pending: false,
            restarts: 0,
            last_exit: None,
            started_once: false,
        })
    }
}

/// How a supervisor stops a child's instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopMode {
    /// For good: it handles what is queued first.
    Drain,
    /// For a restart: after its current message, the queue kept for the next instance.
    Restart,
    /// Killed with its supervisor: after its current message.
    Kill,
}

impl StopMode {
    fn signal(self) -> Signal {
        match self {
            Self::Drain => Signal::Stop,
            Self::Restart => Signal::Restart,
            Self::Kill => Signal::Kill,
        }
    }
}

/// Where a child's instance is.
pub(crate) enum Instance {
    /// None runs: not started yet, ended, or stopped by the supervisor.
    Idle,
    Running(InstanceHandle),
    /// Stopped past its deadline and aborted, it has not let go of the mailbox (a
    /// handler that never yields). Sends are refused meanwhile; its exit report,
    /// when it lets go at last, is awaited.
    Unresponsive,
}

/// One child as its supervisor tracks it.
pub(crate) struct Child {
    pub(crate) name: String,
    pub(crate) restart: Restart,
    pub(crate) shutdown: Duration,
    pub(crate) factory: Box<dyn Factory>,
    /// Instances started so far, minus one: the generation of the current instance.
    pub(crate) generation: u64,
    pub(crate) instance: Instance,
    /// A start put off until the unresponsive instance lets go.
    start_pending: bool,
    pub(crate) restarts: u64,
    pub(crate) last_exit: Option<ExitReason>,
    started_once: bool,
}

impl Child {
    /// Starts a new instance and waits until its `started` hook has finished: `Err`
    /// with the reason if the instance ended instead (its exit is reported to the
    /// supervisor too, as any exit). While an unresponsive instance still holds the
    /// mailbox, the start is put off until it lets go ([`let_go`](Self::let_go)).
    pub(crate) async fn start(&mut self, node: &Node, parent: Parent) -> Result<(), ExitReason> {
        match self.instance {
            Instance::Running(_) => return Ok(()),
            Instance::Unresponsive => {
                tracing::warn!(child = %self.name, "start put off until the unresponsive instance lets go");
                self.start_pending = true;
                return Ok(());
            }
            Instance::Idle => self.start_pending = false,
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
        let Some(handle) = self.factory.start(node, parent, generation, tx) else {
            if self.started_once {
                self.restarts -= 1;
                counters.uncount_restart();
            }
            return Err(ExitReason::Failed("no instance could be started".into()));
        };
        self.instance = Instance::Running(handle);
        self.started_once = true;
        self.generation = generation;
        let started = match started.await {
            Ok(started) => started,
            Err(_) => Err(ExitReason::Killed),
        };
        tracing::debug!(child = %self.name, generation, ok = started.is_ok(), "child started");
        started
    }

    /// Stops the running instance (see [`StopMode`]) within the child's shutdown
    /// deadline, aborting it past the deadline. The instance's own exit report then
    /// arrives stale and is ignored. An instance that does not let go even after the
    /// abort is left [`Instance::Unresponsive`], its queue closed to senders.
    pub(crate) async fn stop_instance(&mut self, mode: StopMode) {
        let mut handle = match std::mem::replace(&mut self.instance, Instance::Idle) {
            Instance::Running(handle) => handle,
            // Idle, or unresponsive: still awaited, and stays so.
            other => {
                self.instance = other;
                return;
            }
        };
        let cell = self.factory.cell();
        cell.signal(mode.signal());
        if tokio::time::timeout(self.shutdown, &mut handle).await.is_ok() {
            let reason =
                if mode == StopMode::Kill { ExitReason::Killed } else { ExitReason::Stopped };
            self.last_exit = Some(reason);
            return;
        }
        tracing::warn!(child = %self.name, deadline = ?self.shutdown, "child overran its shutdown deadline: aborting");
        cell.abort();
        self.last_exit = Some(ExitReason::Killed);
        if tokio::time::timeout(ABORT_GRACE, handle).await.is_err() {
            tracing::error!(child = %self.name, "child does not let go after its abort: refusing its sends until it does");
            self.instance = Instance::Unresponsive;
            cell.close_to_senders();
        }
    }

    /// The unresponsive instance has let go of the mailbox: take sends again, and
    /// start the instance that was put off, if any.
    pub(crate) async fn let_go(&mut self, node: &Node, parent: Parent) {
        tracing::info!(child = %self.name, "the unresponsive instance has let go");
        self.instance = Instance::Idle;
        self.factory.cell().reopen();
        if self.start_pending {
            // A failure in `started` arrives as an exit report, as for any restart.
            let _ = self.start(node, parent).await;
        }
    }

    /// Stops the child for good: its instance, then its cell (an unresponsive
    /// instance's queue is dead-lettered without waiting for it).
    pub(crate) async fn terminate(&mut self, mode: StopMode) {
        self.stop_instance(mode).await;
        self.instance = Instance::Idle;
        let reason = self.last_exit.clone().unwrap_or(ExitReason::Stopped);
        self.factory.cell().end(reason);
    }

    /// Ends a child whose first start failed with `reason`, once its instance is
    /// gone.
    pub(crate) async fn give_up(mut self, reason: ExitReason) {
        self.stop_instance(StopMode::Kill).await;
        self.factory.cell().end(reason);
    }
}

impl Drop for Child {
    /// A child dropped with its cell still alive is one whose supervisor ended
    /// abnormally (panicked, aborted) or was dropped mid-way: kill it at once, so its
    /// name is free and its queue dead-lettered before a new supervisor instance
    /// starts. Nothing to do for a child already ended.
    fn drop(&mut self) {
        let cell = self.factory.cell();
        cell.abort();
        cell.end(ExitReason::Killed);
    }
}
