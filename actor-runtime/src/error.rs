//! The errors of sending, asking, spawning and looking up. Every error that concerns
//! an undelivered message hands the message back.

use std::fmt;

/// A message could not be delivered; the message is handed back.
#[derive(thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError<M> {
    /// The mailbox is full (`try_send` only).
    #[error("mailbox full")]
    Full(M),
    /// The actor has ended; its mailbox is closed.
    #[error("actor stopped: mailbox closed")]
    Closed(M),
    /// The mailbox stayed full for the whole timeout (`send_timeout`, `ask`).
    #[error("timed out waiting for mailbox capacity")]
    Timeout(M),
}

impl<M> SendError<M> {
    /// The message that was not delivered.
    pub fn into_inner(self) -> M {
        match self {
            Self::Full(m) | Self::Closed(m) | Self::Timeout(m) => m,
        }
    }
}

impl<M> fmt::Debug for SendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Self::Full(_) => "Full",
            Self::Closed(_) => "Closed",
            Self::Timeout(_) => "Timeout",
        };
        write!(f, "SendError::{kind}(..)")
    }
}

/// A request-reply exchange failed.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum AskError<M> {
    /// The request was not delivered; the request is handed back.
    #[error(transparent)]
    Send(SendError<M>),
    /// The request was delivered but no reply came before the timeout.
    #[error("no reply before the timeout")]
    Timeout,
    /// The handler dropped the reply port without replying.
    #[error("the actor dropped the reply port without replying")]
    NoReply,
}

impl<M> fmt::Debug for AskError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Send(e) => write!(f, "AskError::Send({e:?})"),
            Self::Timeout => f.write_str("AskError::Timeout"),
            Self::NoReply => f.write_str("AskError::NoReply"),
        }
    }
}

/// A registry operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// No actor is registered under the name.
    #[error("no actor registered as {0:?}")]
    NotFound(String),
    /// The name is registered, but for another message type.
    #[error("actor {name:?} takes {found}, not {expected}")]
    TypeMismatch {
        /// The name looked up.
        name: String,
        /// The message type the caller asked for.
        expected: &'static str,
        /// The message type the registered actor takes.
        found: &'static str,
    },
    /// Another live actor already holds the name.
    #[error("name {0:?} is already registered")]
    NameTaken(String),
}

/// An actor could not be spawned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpawnError {
    /// The requested name is taken.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The node is shutting down and accepts no new actors.
    #[error("node is shutting down")]
    ShuttingDown,
    /// The actor's `started` hook failed or panicked.
    #[error("the actor failed to start: {0}")]
    StartFailed(crate::actor::ExitReason),
    /// A mailbox capacity of zero was requested.
    #[error("mailbox capacity must be at least 1")]
    ZeroCapacity,
}
