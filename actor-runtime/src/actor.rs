//! The [`Actor`] trait and the reasons an actor ends.

use std::fmt;
use std::future::Future;

use crate::context::Context;
use crate::supervision::ChildExit;
use crate::watch::Terminated;

/// The error an actor's handler or hook returns to end the actor abnormally.
///
/// Any `std::error::Error` converts into it with `?`.
pub type ActorError = Box<dyn std::error::Error + Send + Sync>;

/// An actor: state owned by one task, changed only by the messages it handles.
///
/// The runtime calls the hooks in this order for each *instance* of the actor:
/// `started`, then `handle` once per message (and `on_terminated` for each watched actor
/// that ends), then `stopped`. A supervised actor may have several instances over its
/// life; they share the mailbox and the [`ActorRef`](crate::ActorRef), never run at
/// the same time, and each starts with `started`.
///
/// Returning `Err` from any hook ends the instance with [`ExitReason::Failed`]; a panic
/// ends it with [`ExitReason::Panicked`]. Neither takes down another actor or a runtime
/// thread.
pub trait Actor: Send + Sized + 'static {
    /// The messages this actor handles. Request-reply messages carry a
    /// [`ReplyTo`](crate::ReplyTo).
    type Msg: Send + 'static;

    /// Runs before the first message. A failure here is a failure of the actor.
    fn started(
        &mut self,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Result<(), ActorError>> + Send {
        let _ = ctx;
        async { Ok(()) }
    }

    /// Handles one message. Messages from one sender arrive in the order sent.
    fn handle(
        &mut self,
        msg: Self::Msg,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Result<(), ActorError>> + Send;

    /// Runs once for each actor this one [watches](Context::watch) when that actor ends.
    fn on_terminated(
        &mut self,
        terminated: Terminated,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Result<(), ActorError>> + Send {
        let _ = (terminated, ctx);
        async { Ok(()) }
    }

    /// Runs when the instance ends, except after a panic (its state may be broken) or
    /// when it was aborted at a deadline.
    fn stopped(&mut self, ctx: &mut Context<Self>) -> impl Future<Output = ()> + Send {
        let _ = ctx;
        async {}
    }

    /// Runs when an instance of a child this actor supervises ends. Implemented by
    /// [`Supervisor`](crate::Supervisor); other actors have no children.
    #[doc(hidden)]
    fn on_child_exit(
        &mut self,
        exit: ChildExit,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Result<(), ActorError>> + Send {
        let _ = (exit, ctx);
        async { Ok(()) }
    }
}

/// Why an actor (or one instance of a supervised actor) ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExitReason {
    /// The actor ended itself with [`Context::stop`].
    Normal,
    /// It was stopped from outside (`stop`, a supervisor, node shutdown) after handling
    /// what was queued.
    Stopped,
    /// It was killed: `kill`, or a stop deadline ran out.
    Killed,
    /// A handler or hook panicked; the panic message.
    Panicked(String),
    /// A handler or hook returned an error, or a supervisor gave up; the error text.
    Failed(String),
    /// The actor is on another node and the link to that node was lost: it may still
    /// be running, but nothing reaches it. Why the link was lost.
    Unreachable(String),
}

impl ExitReason {
    /// Whether this is a failure (killed, panicked, failed, unreachable) rather than a
    /// normal end.
    /// Transient children are restarted only after an abnormal exit.
    pub fn is_abnormal(&self) -> bool {
        matches!(self, Self::Killed | Self::Panicked(_) | Self::Failed(_) | Self::Unreachable(_))
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Normal => f.write_str("normal"),
            Self::Stopped => f.write_str("stopped"),
            Self::Killed => f.write_str("killed"),
            Self::Panicked(msg) => write!(f, "panicked: {msg}"),
            Self::Failed(msg) => write!(f, "failed: {msg}"),
            Self::Unreachable(why) => write!(f, "unreachable: {why}"),
        }
    }
}
