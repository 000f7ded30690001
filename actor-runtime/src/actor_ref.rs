//! [`ActorRef`]: the handle everyone else holds to an actor.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::error::{SendTimeoutError, TrySendError};

use crate::actor::ExitReason;
use crate::cell::{AnyCell, Cell};
use crate::error::{AskError, SendError};
use crate::id::ActorId;
use crate::instance::ABORT_GRACE;
use crate::mailbox::Envelope;
use crate::reply::ReplyTo;
use crate::signal::Signal;

/// A cheap, cloneable handle to an actor taking messages of type `M`.
///
/// Sending never touches the registry or a lock: it is one push onto the actor's
/// bounded mailbox. Two refs are equal when they name the same actor. The ref stays
/// valid across restarts of a supervised actor.
pub struct ActorRef<M> {
    cell: Arc<Cell<M>>,
}

impl<M: Send + 'static> ActorRef<M> {
    pub(crate) fn from_cell(cell: Arc<Cell<M>>) -> Self {
        Self { cell }
    }

    pub(crate) fn cell(&self) -> &Arc<Cell<M>> {
        &self.cell
    }

    pub(crate) fn any_cell(&self) -> Arc<dyn AnyCell> {
        self.cell.clone()
    }

    /// The actor's id.
    pub fn id(&self) -> ActorId {
        self.cell.id
    }

    /// The actor's name, if it was given one.
    pub fn name(&self) -> Option<&str> {
        self.cell.name.as_deref()
    }

    /// Sends `msg`, waiting while the mailbox is full (backpressure).
    /// Fails with [`SendError::Closed`] if the actor has ended.
    #[inline]
    pub async fn send(&self, msg: M) -> Result<(), SendError<M>> {
        self.cell
            .tx
            .send(Envelope::new(msg, self.cell.timed))
            .await
            .map_err(|e| SendError::Closed(e.0.msg))
    }

    /// Sends `msg` if there is room now: [`SendError::Full`] or [`SendError::Closed`]
    /// otherwise, with the message handed back.
    #[inline]
    pub fn try_send(&self, msg: M) -> Result<(), SendError<M>> {
        self.cell.tx.try_send(Envelope::new(msg, self.cell.timed)).map_err(|e| match e {
            TrySendError::Full(env) => SendError::Full(env.msg),
            TrySendError::Closed(env) => SendError::Closed(env.msg),
        })
    }

    /// Sends `msg`, waiting at most `timeout` for room: [`SendError::Timeout`] or
    /// [`SendError::Closed`] otherwise, with the message handed back.
    pub async fn send_timeout(&self, msg: M, timeout: Duration) -> Result<(), SendError<M>> {
        self.cell.tx.send_timeout(Envelope::new(msg, self.cell.timed), timeout).await.map_err(|e| {
            match e {
                SendTimeoutError::Timeout(env) => SendError::Timeout(env.msg),
                SendTimeoutError::Closed(env) => SendError::Closed(env.msg),
            }
        })
    }

    /// Request-reply: builds the request around a fresh [`ReplyTo`], sends it and waits
    /// for the answer, all within `timeout`: `counter.ask(Msg::Get, timeout)` where
    /// `Msg::Get(ReplyTo<u64>)` is a variant (see the crate example).
    pub async fn ask<R>(
        &self,
        request: impl FnOnce(ReplyTo<R>) -> M,
        timeout: Duration,
    ) -> Result<R, AskError<M>> {
        let (reply, answer) = ReplyTo::new();
        let deadline = tokio::time::Instant::now() + timeout;
        let msg = request(reply);
        // Fast path: room in the mailbox, no timer needed for the send.
        match self.try_send(msg) {
            Ok(()) => {}
            Err(SendError::Full(msg)) => {
                self.send_timeout(msg, timeout).await.map_err(AskError::Send)?
            }
            Err(e) => return Err(AskError::Send(e)),
        }
        match tokio::time::timeout_at(deadline, answer).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(_)) => Err(AskError::NoReply),
            Err(_) => Err(AskError::Timeout),
        }
    }

    /// Asks the actor to stop: it handles what is already queued, runs `stopped`, then
    /// ends with [`ExitReason::Stopped`]. Unsupervised actors close their mailbox at
    /// once, so later sends fail with `Closed`. Returns at once; see
    /// [`stop_within`](Self::stop_within) to wait.
    pub fn stop(&self) {
        self.cell.signals.send(Signal::Stop);
    }

    /// Asks the actor to end after its current message, leaving queued messages
    /// unhandled (they go to dead letters), with [`ExitReason::Killed`].
    pub fn kill(&self) {
        self.cell.signals.send(Signal::Kill);
    }

    /// Stops the actor and waits for its end up to `deadline`; past it, the running
    /// instance is aborted at its next `.await` point. Returns why it ended, or `None`
    /// if it still had not ended a second after the abort (a handler that never
    /// yields cannot be aborted).
    pub async fn stop_within(&self, deadline: Duration) -> Option<ExitReason> {
        stop_cell_within(self.cell.as_ref(), deadline).await
    }

    /// Waits until the actor has ended and returns why.
    pub async fn join(&self) -> ExitReason {
        let mut rx = self.cell.exit_rx();
        // The sender lives in the cell, which `self` keeps alive, so this cannot fail.
        let reason = rx.wait_for(Option::is_some).await.ok().and_then(|r| r.clone());
        reason.unwrap_or(ExitReason::Stopped)
    }

    /// Whether the actor has not ended yet. A supervised actor between two instances
    /// is alive.
    pub fn is_alive(&self) -> bool {
        self.cell.exit_rx().borrow().is_none()
    }

    /// Messages waiting in the mailbox now.
    pub fn queued(&self) -> usize {
        self.cell.tx.max_capacity() - self.cell.tx.capacity()
    }
}

/// Stop, wait up to `deadline`, then abort and wait a short grace.
pub(crate) async fn stop_cell_within(cell: &dyn AnyCell, deadline: Duration) -> Option<ExitReason> {
    let mut rx = cell.exit_rx();
    cell.signal(Signal::Stop);
    let ended = tokio::time::timeout(deadline, rx.wait_for(Option::is_some))
        .await
        .ok()
        .and_then(|r| r.ok().and_then(|r| r.clone()));
    if ended.is_some() {
        return ended;
    }
    tracing::warn!(actor = %cell.id(), name = ?cell.name(), ?deadline, "stop deadline passed: aborting");
    cell.abort();
    let aborted = tokio::time::timeout(ABORT_GRACE, rx.wait_for(Option::is_some))
        .await
        .ok()
        .and_then(|r| r.ok().and_then(|r| r.clone()));
    aborted
}

impl<M> Clone for ActorRef<M> {
    fn clone(&self) -> Self {
        Self { cell: self.cell.clone() }
    }
}

impl<M> PartialEq for ActorRef<M> {
    fn eq(&self, other: &Self) -> bool {
        self.cell.id == other.cell.id
    }
}

impl<M> Eq for ActorRef<M> {}

impl<M> Hash for ActorRef<M> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.cell.id.hash(state);
    }
}

impl<M> fmt::Display for ActorRef<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cell.name {
            Some(name) => write!(f, "{name}{}", self.cell.id),
            None => write!(f, "{}", self.cell.id),
        }
    }
}

impl<M> fmt::Debug for ActorRef<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActorRef({self})")
    }
}
