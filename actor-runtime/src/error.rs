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
    /// Remote actor: the link to its node is down and the link's outbound queue is
    /// full, so the message cannot even wait for a reconnect.
    #[error("the actor's node is unreachable and the link's queue is full")]
    Unreachable(M),
    /// Remote actor: the message could not be serialized (the reason is logged), e.g.
    /// a `ReplyTo` sent with a tell instead of an ask.
    #[error("the message cannot be serialized for the wire")]
    Unencodable(M),
}

impl<M> SendError<M> {
    /// The message that was not delivered.
    pub fn into_inner(self) -> M {
        match self {
            Self::Full(m)
            | Self::Closed(m)
            | Self::Timeout(m)
            | Self::Unreachable(m)
            | Self::Unencodable(m) => m,
        }
    }
}

impl<M> fmt::Debug for SendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Self::Full(_) => "Full",
            Self::Closed(_) => "Closed",
            Self::Timeout(_) => "Timeout",
            Self::Unreachable(_) => "Unreachable",
            Self::Unencodable(_) => "Unencodable",
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
    /// The actor ended before handling the request, which went to its dead letters:
    /// no answer can come. Reported at once, whatever the ask's timeout.
    #[error("the actor ended before handling the request (it went to dead letters)")]
    DeadLettered,
    /// Remote actor: its node answered that the request could not be delivered (no
    /// such actor any more, or the request did not decode there).
    #[error("the remote node refused the request: {0}")]
    Remote(String),
    /// Remote actor: the answer will never come: the actor's node restarted (the link
    /// came back to a new process), stayed away past the link's linger, or this node
    /// shut down while it was awaited.
    #[error("the actor's node restarted or went away, or this node shut down, before the reply")]
    LinkLost,
}

impl<M> fmt::Debug for AskError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Send(e) => write!(f, "AskError::Send({e:?})"),
            Self::Timeout => f.write_str("AskError::Timeout"),
            Self::NoReply => f.write_str("AskError::NoReply"),
            Self::DeadLettered => f.write_str("AskError::DeadLettered"),
            Self::Remote(why) => write!(f, "AskError::Remote({why:?})"),
            Self::LinkLost => f.write_str("AskError::LinkLost"),
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
    /// Remote actor refs cannot be registered in a local registry.
    #[error("{0:?} is a remote actor: only local actors are registered")]
    NotLocal(String),
}

/// A lookup of `name@node` failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LookupError {
    /// The name is local (no `@node`, or this node's name) and the local lookup failed.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The peer is exposed under no name like that, or it takes another type.
    #[error("{name}@{node}: {why}")]
    Remote {
        /// The name looked up.
        name: String,
        /// The node.
        node: String,
        /// What the node said.
        why: String,
    },
    /// The remote actor takes another message type.
    #[error("{name}@{node} takes {found}, not {expected}")]
    TypeMismatch {
        /// The name looked up.
        name: String,
        /// The node.
        node: String,
        /// The message type the caller asked for.
        expected: &'static str,
        /// The message type the remote actor takes.
        found: String,
    },
    /// This node knows no link to that node (call `Node::connect` first), or has no
    /// remote side.
    #[error("no link to node {0:?}")]
    UnknownNode(String),
    /// The node did not answer (or its link did not come up) within the timeout.
    #[error("node {0:?} did not answer in time")]
    Timeout(String),
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
