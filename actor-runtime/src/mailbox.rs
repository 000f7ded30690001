//! The mailbox: the receiving end of an actor's queue (user messages and the signal
//! lane) and the per-actor figures its running instance records.
//!
//! The mailbox belongs to the actor's cell, not to an instance: an instance leases it
//! for its lifetime and a guard puts it back however the instance ends (return, panic,
//! abort). That is what lets a restarted actor keep its queued messages.

use crate::metrics::Stats;
use crate::queue::Receiver;

/// Default mailbox capacity: deep enough to absorb a burst of a few milliseconds of
/// market data at 1M msgs/s, small enough that a stuck actor pushes back on its
/// senders quickly instead of hiding the problem in memory.
pub const DEFAULT_CAPACITY: usize = 4096;

/// The receiving side of an actor, leased by its running instance.
pub(crate) struct Mailbox<M> {
    /// User messages, bounded (senders wait when it is full), and system signals,
    /// looked at first so they overtake a full mailbox.
    pub(crate) rx: Receiver<M>,
    /// Figures recorded by the running instance, kept across restarts.
    pub(crate) stats: Stats,
    /// Sequence number of the message being handled, if any: after a panic this names
    /// the message that caused it (it goes to dead letters).
    pub(crate) in_flight: Option<u64>,
}
