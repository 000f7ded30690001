//! The [`Supervisor`] actor.
//!
//! # Restart protocol
//! A child instance's exit arrives as a signal (it overtakes the supervisor's mailbox).
//! Exits from instances the supervisor has already replaced or stopped are stale and
//! ignored, by generation. For a failure that calls for a restart, the supervisor
//! first checks the intensity window, then (for one-for-all and rest-for-one) stops
//! the affected siblings in reverse start order, each within its shutdown deadline,
//! and only then starts the instances in start order, waiting for each one's
//! `started` before the next. An instance is started only after the previous instance
//! of that child has ended, so two instances of one child never overlap: a child
//! whose old instance does not let go of the mailbox even after its abort is started
//! when it does (its exit report, no longer stale, says so).
//!
//! # Ending
//! A supervisor stopped (`stop`, its parent, the node's shutdown) stops its children
//! in reverse start order, each handling its queue within its own deadline; killed,
//! it kills them (each ends after its current message, its queue dead-lettered).
//! Ended abnormally (a panic, an abort), it is dropped without running `stopped`:
//! dropping its child records kills the children at once.

use std::any::Any;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::child::{Child, Instance, PendingSpec, StopMode};
use super::{Backoff, ChildExit, ChildSpec, Intensity, Restart, RestartStrategy};
use crate::actor::{Actor, ActorError, ExitReason};
use crate::actor_ref::ActorRef;
use crate::context::Context;
use crate::error::{AskError, SpawnError};
use crate::id::ActorId;
use crate::reply::ReplyTo;

/// A supervisor: an actor that starts children in order, restarts them as its
/// [`RestartStrategy`] and their [`Restart`] types say, and stops them in reverse order.
/// Supervisors nest: a supervisor can be a child of another.
///
/// A restarted child keeps its [`ActorRef`] and its mailbox: messages queued behind
/// the one that failed are handled by the new instance, and the failed message goes to
/// the node's dead letters.
///
/// ```
/// use std::time::Duration;
/// use mycelium::{
///     Actor, ActorError, ChildSpec, Context, Node, ReplyTo, RestartStrategy, SpawnOptions,
///     Supervisor,
/// };
///
/// struct Worker {
///     done: u64,
/// }
///
/// enum Job {
///     Work,
///     Crash,
///     Done(ReplyTo<u64>),
/// }
///
/// impl Actor for Worker {
///     type Msg = Job;
///     async fn handle(&mut self, job: Job, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
///         match job {
///             Job::Work => self.done += 1,
///             Job::Crash => return Err("a job it cannot do".into()),
///             Job::Done(reply) => drop(reply.send(self.done)),
///         }
///         Ok(())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let node = Node::new("doc");
/// let tree = Supervisor::new(RestartStrategy::OneForOne)
///     .intensity(3, Duration::from_secs(5)) // a fourth restart in 5 s fails the supervisor
///     .child(ChildSpec::new("worker", || Worker { done: 0 }));
/// let sup = node.spawn_started(tree, SpawnOptions::new().name("sup")).await?;
/// let wait = Duration::from_secs(1);
///
/// // Children are registered under their names.
/// let worker = node.lookup::<Job>("worker")?;
/// worker.send(Job::Work).await?;
/// worker.send(Job::Crash).await?; // fails: the supervisor starts a fresh Worker
/// worker.send(Job::Work).await?; // same ref, same mailbox, handled by the new instance
/// assert_eq!(worker.ask(Job::Done, wait).await?, 1);
/// assert_eq!(node.dead_letters().total(), 1); // the `Crash` that failed
///
/// let children = sup.children(wait).await?;
/// assert_eq!((children[0].name.as_str(), children[0].restarts), ("worker", 1));
/// node.shutdown(wait).await;
/// # Ok(()) }
/// ```
pub struct Supervisor {
    strategy: RestartStrategy,
    intensity: Intensity,
    backoff: Option<Backoff>,
    pending: Vec<Box<dyn PendingSpec>>,
    children: Vec<Child>,
    restart_times: VecDeque<Instant>,
}

impl Supervisor {
    /// A supervisor with `strategy`, Erlang's default intensity and no children yet.
    pub fn new(strategy: RestartStrategy) -> Self {
        Self {
            strategy,
            intensity: Intensity::default(),
            backoff: None,
            pending: Vec::new(),
            children: Vec::new(),
            restart_times: VecDeque::new(),
        }
    }

    /// Sets the restart intensity.
    pub fn intensity(mut self, max_restarts: u32, within: Duration) -> Self {
        self.intensity = Intensity { max_restarts, within };
        self
    }

    /// Waits before each restart, growing with the restarts in the intensity window.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = Some(backoff);
        self
    }

    /// Adds a child, started after the ones added before it.
    pub fn child<A: Actor>(mut self, spec: ChildSpec<A>) -> Self {
        self.pending.push(Box::new(spec));
        self
    }

    async fn add(
        &mut self,
        spec: Box<dyn PendingSpec>,
        ctx: &Context<Self>,
    ) -> Result<usize, SupervisorError> {
        if self.children.iter().any(|c| c.name == spec.name()) {
            return Err(SupervisorError::DuplicateChild(spec.name().to_owned()));
        }
        let mut child = spec.into_child(ctx.node())?;
        if let Err(reason) = child.start(ctx.node(), ctx.as_parent()).await {
            let name = child.name.clone();
            child.give_up(reason.clone()).await;
            return Err(SupervisorError::StartFailed { child: name, reason });
        }
        self.children.push(child);
        Ok(self.children.len() - 1)
    }

    /// Records a restart; false if it exceeds the intensity.
    fn allow_restart(&mut self) -> bool {
        let now = Instant::now();
        while let Some(&t) = self.restart_times.front() {
            if now.duration_since(t) > self.intensity.within {
                self.restart_times.pop_front();
            } else {
                break;
            }
        }
        self.restart_times.push_back(now);
        self.restart_times.len() <= self.intensity.max_restarts as usize
    }

    fn backoff_delay(&self) -> Option<Duration> {
        let b = self.backoff?;
        let n = self.restart_times.len().saturating_sub(1).min(20) as u32;
        Some(b.initial.saturating_mul(1 << n).min(b.max))
    }

    /// Stops every child for good, in reverse start order.
    async fn terminate_all(&mut self, mode: StopMode) {
        for child in self.children.iter_mut().rev() {
            child.terminate(mode).await;
        }
        self.children.clear();
    }

    async fn restart_from(&mut self, failed: usize, ctx: &Context<Self>) {
        let affected = match self.strategy {
            RestartStrategy::OneForOne => failed..failed + 1,
            RestartStrategy::OneForAll => 0..self.children.len(),
            RestartStrategy::RestForOne => failed..self.children.len(),
        };
        for child in self.children[affected.clone()].iter_mut().rev() {
            child.stop_instance(StopMode::Restart).await;
        }
        // Temporary siblings stopped by a group restart are never restarted (Erlang):
        // they end for good and leave the supervisor.
        let mut end = affected.end;
        for i in affected.clone().rev() {
            if i != failed && self.children[i].restart == Restart::Temporary {
                let mut child = self.children.remove(i);
                child.terminate(StopMode::Drain).await;
                end -= 1;
            }
        }
        if let Some(delay) = self.backoff_delay() {
            tokio::time::sleep(delay).await;
        }
        for child in &mut self.children[affected.start..end] {
            // A failure in `started` arrives as an exit report, handled as any.
            let _ = child.start(ctx.node(), ctx.as_parent()).await;
        }
    }

    fn info(&self) -> Vec<ChildInfo> {
        self.children
            .iter()
            .map(|c| ChildInfo {
                name: c.name.clone(),
                id: c.factory.cell().id(),
                restart: c.restart,
                state: match (&c.instance, &c.last_exit) {
                    (Instance::Running(_), _) => ChildState::Running,
                    (Instance::Unresponsive, _) => ChildState::Unresponsive,
                    (Instance::Idle, Some(reason)) => ChildState::Ended(reason.clone()),
                    (Instance::Idle, None) => ChildState::Ended(ExitReason::Stopped),
                },
                restarts: c.restarts,
            })
            .collect()
    }
}

impl Actor for Supervisor {
    type Msg = SupervisorMsg;

    /// Starts the children in order; if one fails to start, stops those started
    /// before it, in reverse order, and fails with its error (OTP's `start_link`).
    async fn started(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        for spec in std::mem::take(&mut self.pending) {
            if let Err(e) = self.add(spec, ctx).await {
                self.terminate_all(StopMode::Drain).await;
                return Err(e.into());
            }
        }
        Ok(())
    }

    async fn handle(
        &mut self,
        msg: SupervisorMsg,
        ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        match msg.0 {
            Request::Add(spec, reply) => {
                let result = match self.add(spec, ctx).await {
                    Ok(i) => Ok(self.children[i].factory.actor_ref()),
                    Err(e) => Err(e),
                };
                let _ = reply.send(result);
            }
            Request::Remove(name, reply) => {
                let found = self.children.iter().position(|c| c.name == name);
                let result = match found {
                    Some(i) => {
                        let mut child = self.children.remove(i);
                        child.terminate(StopMode::Drain).await;
                        Ok(())
                    }
                    None => Err(SupervisorError::NoSuchChild(name)),
                };
                let _ = reply.send(result);
            }
            Request::List(reply) => {
                let _ = reply.send(self.info());
            }
        }
        Ok(())
    }

    async fn on_child_exit(
        &mut self,
        exit: ChildExit,
        ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        let Some(i) = self.children.iter().position(|c| c.factory.cell().id() == exit.id) else {
            return Ok(());
        };
        let child = &mut self.children[i];
        if child.generation != exit.generation {
            return Ok(()); // stale: an instance this supervisor already replaced
        }
        match child.instance {
            Instance::Running(_) => {}
            // Stopped by this supervisor: its end is no news.
            Instance::Idle => return Ok(()),
            // Stopped by this supervisor past its deadline, it lets go only now.
            Instance::Unresponsive => {
                child.let_go(ctx.node(), ctx.as_parent()).await;
                return Ok(());
            }
        }
        child.instance = Instance::Idle;
        child.last_exit = Some(exit.reason.clone());
        let restart = match child.restart {
            Restart::Permanent => true,
            Restart::Transient => exit.reason.is_abnormal(),
            Restart::Temporary => false,
        };
        tracing::info!(child = %child.name, reason = %exit.reason, restart, "child exited");
        if !restart {
            child.factory.cell().end(exit.reason);
            if child.restart == Restart::Temporary {
                self.children.remove(i);
            }
            return Ok(());
        }
        if !self.allow_restart() {
            ctx.node().inner().supervision.count_escalation();
            let why = format!(
                "restart intensity exceeded: more than {} restarts in {:?} (last: {} {})",
                self.intensity.max_restarts,
                self.intensity.within,
                self.children[i].name,
                exit.reason
            );
            tracing::error!(supervisor = %ctx.myself(), "{why}; escalating");
            self.terminate_all(StopMode::Drain).await;
            return Err(why.into());
        }
        self.restart_from(i, ctx).await;
        Ok(())
    }

    /// Killed, kills its children (OTP's `exit(Sup, kill)`); otherwise stops them,
    /// each handling its queue within its deadline.
    async fn stopped(&mut self, ctx: &mut Context<Self>) {
        let mode = match ctx.ending() {
            Some(ExitReason::Killed) => StopMode::Kill,
            _ => StopMode::Drain,
        };
        self.terminate_all(mode).await;
    }
}

impl Drop for Supervisor {
    /// After a panic or an abort `stopped` does not run: the children still listed
    /// are killed at once as their records drop (see `Child`'s `Drop`), in reverse
    /// start order, so their names are free before a new instance of this
    /// supervisor starts.
    fn drop(&mut self) {
        while self.children.pop().is_some() {}
    }
}

/// The messages a [`Supervisor`] takes; use the methods on `ActorRef<SupervisorMsg>`.
pub struct SupervisorMsg(Request);

type AnyRef = Box<dyn Any + Send>;

enum Request {
    Add(Box<dyn PendingSpec>, ReplyTo<Result<AnyRef, SupervisorError>>),
    Remove(String, ReplyTo<Result<(), SupervisorError>>),
    List(ReplyTo<Vec<ChildInfo>>),
}

/// A child as listed by [`ActorRef::<SupervisorMsg>::children`](ActorRef::children).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildInfo {
    /// The child's name.
    pub name: String,
    /// Its id, the same across restarts.
    pub id: ActorId,
    /// Its restart type.
    pub restart: Restart,
    /// Whether an instance is running.
    pub state: ChildState,
    /// How often it has been restarted.
    pub restarts: u64,
}

/// Whether a child has a running instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildState {
    /// An instance is running.
    Running,
    /// Its last instance overran its shutdown deadline and, aborted, still has not
    /// let go of the mailbox (a handler that never yields). Sends are refused with
    /// `Closed` until it does; then the child is started again if it was due to be.
    Unresponsive,
    /// No instance runs; the last one ended so.
    Ended(ExitReason),
}

/// A request to a supervisor failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SupervisorError {
    /// The supervisor already has a child of that name.
    #[error("the supervisor already has a child named {0:?}")]
    DuplicateChild(String),
    /// The supervisor has no child of that name.
    #[error("the supervisor has no child named {0:?}")]
    NoSuchChild(String),
    /// The child could not be created.
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    /// The child's first instance failed in `started`; the child was not added.
    #[error("child {child:?} failed to start: {reason}")]
    StartFailed {
        /// The child's name.
        child: String,
        /// Why its instance ended.
        reason: ExitReason,
    },
    /// The supervisor did not answer: ended, or busy past the timeout.
    #[error("the supervisor did not answer: {0}")]
    Unavailable(String),
}

fn unavailable<M>(e: AskError<M>) -> SupervisorError {
    SupervisorError::Unavailable(e.to_string())
}

impl ActorRef<SupervisorMsg> {
    /// Adds and starts a child at run time, after the existing ones; returns its ref
    /// once its `started` has finished. If that fails, the child is not added
    /// ([`SupervisorError::StartFailed`]), as with OTP's `start_child`.
    pub async fn add_child<A: Actor>(
        &self,
        spec: ChildSpec<A>,
        timeout: Duration,
    ) -> Result<ActorRef<A::Msg>, SupervisorError> {
        let any = self
            .ask(|r| SupervisorMsg(Request::Add(Box::new(spec), r)), timeout)
            .await
            .map_err(unavailable)??;
        any.downcast::<ActorRef<A::Msg>>()
            .map(|r| *r)
            .map_err(|_| SupervisorError::Unavailable("child ref of unexpected type".into()))
    }

    /// Stops a child (within its shutdown deadline) and removes it.
    pub async fn remove_child(&self, name: &str, timeout: Duration) -> Result<(), SupervisorError> {
        self.ask(|r| SupervisorMsg(Request::Remove(name.to_owned(), r)), timeout)
            .await
            .map_err(unavailable)?
    }

    /// The children in start order, with their state and restart counts.
    pub async fn children(&self, timeout: Duration) -> Result<Vec<ChildInfo>, SupervisorError> {
        self.ask(|r| SupervisorMsg(Request::List(r)), timeout).await.map_err(unavailable)
    }
}
