//! Mycelium: an actor runtime on Tokio for low-latency systems.
//!
//! An actor is state owned by one task, changed only by the messages it handles. You
//! implement [`Actor`], spawn it on a [`Node`] and talk to it through an
//! [`ActorRef`]: `send` (waits for mailbox room), `try_send` (fails fast with
//! `Full` or `Closed`, handing the message back), `send_timeout`, and `ask`
//! (request-reply with a timeout). Local messages move as values: nothing is
//! serialized, and an `Arc` is shared, never copied.
//!
//! ```
//! use std::time::Duration;
//! use mycelium::{Actor, ActorError, Context, Node, ReplyTo};
//!
//! struct Counter(u64);
//! enum Msg { Add(u64), Get(ReplyTo<u64>) }
//!
//! impl Actor for Counter {
//!     type Msg = Msg;
//!     async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
//!         match msg {
//!             Msg::Add(n) => self.0 += n,
//!             Msg::Get(reply) => { let _ = reply.send(self.0); }
//!         }
//!         Ok(())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let node = Node::new("demo");
//! let counter = node.spawn(Counter(0))?;
//! counter.send(Msg::Add(2)).await?;
//! assert_eq!(counter.ask(Msg::Get, Duration::from_secs(1)).await?, 2);
//! node.shutdown(Duration::from_secs(1)).await;
//! # Ok(()) }
//! ```
//!
//! The contract (ordering, what each send guarantees, stop versus kill, supervision)
//! is in `docs/SEMANTICS.md`.
//!
//! # Layout
//! - [`actor`](Actor): the `Actor` trait and [`ExitReason`].
//! - `context`: the [`Context`] handed to every hook.
//! - `actor_ref`: [`ActorRef`], the handle: send, ask, stop, kill, join.
//! - `reply`: [`ReplyTo`], the answer port of a request.
//! - `request`: [`ActorRef::request`], an ask sent now and its [`Answer`] awaited
//!   later (several in flight).
//! - `error`: the error enums; each hands an undelivered message back.
//! - `node`: [`Node`], one runtime instance: spawning, registry, shutdown.
//! - `cell`: what outlives an actor's instances (mailbox, watchers, exit).
//! - `instance`: running one instance: the message loop and its exit guard.
//! - `queue`: the bounded mailbox queue with its priority lane for signals.
//! - `mailbox` and `signal`: what an instance leases, and the system signals.
//! - `registry`: actors by name, looked up with their type.
//! - `watch`: [`Terminated`], delivered to watchers.
//! - `supervision`: [`Supervisor`], [`ChildSpec`], strategies and intensity.
//! - `broadcast`: [`Broadcast`], one message to many actors, one `Arc` clone each.
//! - [`remote`]: actors on other nodes: wire format, links, transports.
//! - `pinned`: hot-path actors on a pinned, busy-polling thread ([`Pinned`]).
//! - `huge_pages`: [`disable_transparent_huge_pages`], against page-fault stalls.
//! - `metrics`: per-actor figures and histograms.
//! - `dead_letters`: messages that could not be handled.
//! - `snapshot`: [`NodeSnapshot`], the node's figures at one moment, for exporters.
#![warn(clippy::unwrap_used)]

mod actor;
mod actor_ref;
mod broadcast;
mod cell;
mod context;
mod dead_letters;
mod error;
mod huge_pages;
mod id;
mod instance;
mod mailbox;
mod metrics;
mod node;
mod pinned;
mod queue;
mod registry;
pub mod remote;
mod reply;
mod request;
mod signal;
mod snapshot;
mod supervision;
mod watch;

pub use actor::{Actor, ActorError, ExitReason};
pub use actor_ref::ActorRef;
pub use broadcast::Broadcast;
pub use context::Context;
pub use dead_letters::{DeadLetter, DeadLetterCause, DeadLetters, DEAD_LETTER_CAPACITY};
pub use error::{AskError, LookupError, RegistryError, SendError, SpawnError};
pub use huge_pages::disable_transparent_huge_pages;
pub use id::ActorId;
pub use mailbox::DEFAULT_CAPACITY;
pub use metrics::{new_histogram, ActorMetrics};
pub use node::{Node, ShutdownReport, SpawnOptions};
pub use pinned::{Idle, Pinned};
pub use registry::{Registration, Registry};
pub use remote::{PeerAddr, RemoteConfig, RemoteMessage, Transport};
pub use reply::{ArchivedReplyTo, ReplyTo, WireReplyTo};
pub use request::{Answer, AnswerError};
pub use snapshot::{ActorSnapshot, NodeSnapshot};
pub use supervision::{
    Backoff, ChildExit, ChildInfo, ChildSpec, ChildState, Intensity, Restart, RestartStrategy,
    SupervisionCounters, Supervisor, SupervisorError, SupervisorMsg, DEFAULT_SHUTDOWN,
};
pub use watch::Terminated;

/// Re-exported so users name the same histogram type the metrics use.
pub use hdrhistogram;
