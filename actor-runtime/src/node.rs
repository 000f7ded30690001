//! [`Node`]: one runtime instance. It spawns actors and owns their registry, dead
//! letters and shutdown. Several nodes can live in one process.
//!
//! # Shutdown
//! [`Node::shutdown`] stops the node's top-level actors one by one in reverse spawn
//! order (a supervisor stops its own children, in reverse start order), each allowed
//! what is left of the one deadline; an actor still running when the deadline passes
//! is aborted. Last, the node's root cancellation token is cancelled, which stops
//! anything that was missed.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::actor::{Actor, ExitReason};
use crate::actor_ref::{stop_cell_within, ActorRef};
use crate::cell::{lock, AnyCell, Cell};
use crate::dead_letters::DeadLetters;
use crate::error::{RegistryError, SpawnError};
use crate::id::ActorId;
use crate::instance::{spawn_instance, Start, StartedTx};
use crate::mailbox::DEFAULT_CAPACITY;
use crate::metrics::ActorMetrics;
use crate::pinned::Pinned;
use crate::registry::Registry;
use crate::remote::exposed::Exposed;
use crate::remote::net::Net;
use crate::signal::Signal;
use crate::supervision::SupervisionCounters;

/// How an actor is spawned.
#[derive(Debug, Clone)]
pub struct SpawnOptions {
    pub(crate) name: Option<String>,
    pub(crate) capacity: usize,
    pub(crate) timing: bool,
    pub(crate) pinned: Option<Pinned>,
}

impl Default for SpawnOptions {
    fn default() -> Self {
        Self { name: None, capacity: DEFAULT_CAPACITY, timing: false, pinned: None }
    }
}

impl SpawnOptions {
    /// Default options: no name, capacity [`DEFAULT_CAPACITY`], timing off.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the actor under `name` (spawning fails if the name is taken).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The mailbox capacity (at least 1).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// Runs the actor's instances on a dedicated OS thread, pinned to a core, that
    /// busy-polls the mailbox (a hot-path actor): same `ActorRef`, supervisable,
    /// below Tokio's wake-up cost at the price of a core. See [`Pinned`]. With
    /// [`Idle::Spin`](crate::Idle::Spin) the mailbox is a lock-free ring of
    /// `capacity` slots, each at least a cache line (64 bytes): 256 KiB at the default
    /// capacity.
    pub fn pinned(mut self, pinned: Pinned) -> Self {
        self.pinned = Some(pinned);
        self
    }

    /// Whether the actor records mailbox-wait and handler-time histograms and its
    /// mailbox high-water mark (default off). Timing costs three clock reads and two
    /// histogram records per message: about 50 ns on a one-way send and two thirds of
    /// the tell throughput (docs/BENCHMARKS.md). Turn it on where you want those figures;
    /// the message count is always kept.
    pub fn timing(mut self, on: bool) -> Self {
        self.timing = on;
        self
    }
}

/// What [`Node::shutdown`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Actors that ended within the deadline, in the order they were stopped.
    pub stopped: Vec<ActorId>,
    /// Actors aborted because the deadline passed.
    pub killed: Vec<ActorId>,
    /// Actors that did not even end after the abort (a handler that never yields).
    pub unresponsive: Vec<ActorId>,
}

/// One runtime instance. Cheap to clone; clones share the node.
#[derive(Clone)]
pub struct Node {
    inner: Arc<NodeInner>,
}

pub(crate) struct NodeInner {
    name: String,
    next_id: AtomicU64,
    pub(crate) registry: Registry,
    pub(crate) dead_letters: DeadLetters,
    pub(crate) supervision: SupervisionCounters,
    token: CancellationToken,
    closing: AtomicBool,
    /// Live top-level actors by id. Ids grow with each spawn, so this is spawn order.
    top_level: Mutex<BTreeMap<ActorId, Arc<dyn AnyCell>>>,
    /// Every live actor, supervised ones included: what [`Node::snapshot`] asks.
    /// Touched when an actor is made and when it ends, never per message.
    pub(crate) live: Mutex<BTreeMap<ActorId, Arc<dyn AnyCell>>>,
    /// The remote side, once started ([`Node::start_remote`]).
    pub(crate) remote: OnceLock<Arc<Net>>,
    /// Actors reachable from other nodes; filled before or after the remote side
    /// starts.
    pub(crate) exposed: Arc<Exposed>,
}

impl NodeInner {
    pub(crate) fn forget(&self, id: ActorId) {
        lock(&self.top_level).remove(&id);
        lock(&self.live).remove(&id);
    }
}

impl Node {
    /// A new node named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            inner: Arc::new(NodeInner {
                name: name.into(),
                next_id: AtomicU64::new(1),
                registry: Registry::default(),
                dead_letters: DeadLetters::default(),
                supervision: SupervisionCounters::default(),
                token: CancellationToken::new(),
                closing: AtomicBool::new(false),
                top_level: Mutex::new(BTreeMap::new()),
                live: Mutex::new(BTreeMap::new()),
                remote: OnceLock::new(),
                exposed: Arc::default(),
            }),
        }
    }

    pub(crate) fn inner(&self) -> &Arc<NodeInner> {
        &self.inner
    }

    /// The node's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Spawns `actor` with default options on the current Tokio runtime.
    pub fn spawn<A: Actor>(&self, actor: A) -> Result<ActorRef<A::Msg>, SpawnError> {
        self.spawn_with(actor, SpawnOptions::default())
    }

    /// Spawns `actor` with `options` on the current Tokio runtime.
    pub fn spawn_with<A: Actor>(
        &self,
        actor: A,
        options: SpawnOptions,
    ) -> Result<ActorRef<A::Msg>, SpawnError> {
        self.launch(actor, &options, None)
    }

    fn launch<A: Actor>(
        &self,
        actor: A,
        options: &SpawnOptions,
        started: Option<StartedTx>,
    ) -> Result<ActorRef<A::Msg>, SpawnError> {
        let cell = self.new_cell::<A::Msg>(options, false)?;
        let actor_ref = ActorRef::from_cell(cell.clone());
        lock(&self.inner.top_level).insert(cell.id, cell.clone());
        spawn_instance(Start {
            cell,
            actor,
            node: self.clone(),
            parent: None,
            generation: 0,
            started,
        });
        tracing::debug!(actor = %actor_ref, node = %self.inner.name, "spawned");
        Ok(actor_ref)
    }

    /// Spawns `actor` and waits until its `started` hook has finished, as Erlang's
    /// `start_link` does: for a [`Supervisor`](crate::Supervisor), until all its
    /// children have started, so their names resolve. Fails with
    /// [`SpawnError::StartFailed`] if `started` fails; for a supervisor, if one of its
    /// children fails to start (the ones started before it are stopped first, in
    /// reverse order).
    pub async fn spawn_started<A: Actor>(
        &self,
        actor: A,
        options: SpawnOptions,
    ) -> Result<ActorRef<A::Msg>, SpawnError> {
        let (tx, started) = tokio::sync::oneshot::channel();
        let actor_ref = self.launch(actor, &options, Some(tx))?;
        match started.await {
            Ok(Ok(())) => Ok(actor_ref),
            Ok(Err(reason)) => {
                // Its end (names freed) is published as the instance unwinds.
                actor_ref.join().await;
                Err(SpawnError::StartFailed(reason))
            }
            Err(_) => Err(SpawnError::StartFailed(actor_ref.join().await)),
        }
    }

    /// A new cell with its name registered, not yet running; `supervised` if a
    /// supervisor will run its instances.
    pub(crate) fn new_cell<M: Send + 'static>(
        &self,
        options: &SpawnOptions,
        supervised: bool,
    ) -> Result<Arc<Cell<M>>, SpawnError> {
        if self.inner.closing.load(Ordering::Acquire) {
            return Err(SpawnError::ShuttingDown);
        }
        if options.capacity == 0 {
            return Err(SpawnError::ZeroCapacity);
        }
        let id = ActorId(self.inner.next_id.fetch_add(1, Ordering::Relaxed));
        let cell = Cell::new(&self.inner, id, options.name.clone(), options, supervised);
        if let Some(name) = &options.name {
            self.inner.registry.register(name, &ActorRef::from_cell(cell.clone()))?;
        }
        lock(&self.inner.live).insert(id, cell.clone());
        Ok(cell)
    }

    /// The node's registry.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// Registers `actor` under `name`; see [`Registry::register`].
    pub fn register<M: Send + 'static>(
        &self,
        name: &str,
        actor: &ActorRef<M>,
    ) -> Result<(), RegistryError> {
        self.inner.registry.register(name, actor)
    }

    /// Looks up the actor registered as `name`, which must take messages of type `M`.
    pub fn lookup<M: Send + 'static>(&self, name: &str) -> Result<ActorRef<M>, RegistryError> {
        self.inner.registry.lookup(name)
    }

    /// Messages that could not be handled.
    pub fn dead_letters(&self) -> &DeadLetters {
        &self.inner.dead_letters
    }

    /// Supervision counters: restarts and escalations on this node.
    pub fn supervision_counters(&self) -> &SupervisionCounters {
        &self.inner.supervision
    }

    /// A snapshot of `actor`'s figures, taken by the actor itself between two messages
    /// (so it waits for the current message). `None` if the actor has ended or does
    /// not answer within `timeout`.
    pub async fn metrics<M: Send + 'static>(
        &self,
        actor: &ActorRef<M>,
        timeout: Duration,
    ) -> Option<ActorMetrics> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if !actor.local()?.signal(Signal::Metrics(tx)) {
            return None;
        }
        tokio::time::timeout(timeout, rx).await.ok()?.ok()
    }

    /// The root of the node's cancellation tree: cancelled at the end of shutdown.
    /// Every actor instance holds a child token.
    pub fn token(&self) -> &CancellationToken {
        &self.inner.token
    }

    /// Whether [`shutdown`](Self::shutdown) has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.inner.closing.load(Ordering::Acquire)
    }

    /// Stops every actor, in reverse spawn order, within `deadline` in all; see the
    /// module docs. New spawns fail with [`SpawnError::ShuttingDown`] from now on.
    pub async fn shutdown(&self, deadline: Duration) -> ShutdownReport {
        self.inner.closing.store(true, Ordering::Release);
        let end = Instant::now() + deadline;
        let actors: Vec<_> = lock(&self.inner.top_level).values().rev().cloned().collect();
        let mut report = ShutdownReport::default();
        for cell in actors {
            let left = end.saturating_duration_since(Instant::now());
            let reason = stop_cell_within(cell.as_ref(), left).await;
            match reason {
                Some(ExitReason::Killed) => report.killed.push(cell.id()),
                Some(_) => report.stopped.push(cell.id()),
                None => report.unresponsive.push(cell.id()),
            }
        }
        if let Some(net) = self.inner.remote.get() {
            let left = end.saturating_duration_since(Instant::now());
            net.shutdown(left.min(Duration::from_secs(1))).await;
        }
        self.inner.token.cancel();
        tracing::info!(node = %self.inner.name, stopped = report.stopped.len(), killed = report.killed.len(), "node shut down");
        report
    }
}
