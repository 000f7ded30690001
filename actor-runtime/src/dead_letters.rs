//! Dead letters: messages that could not be handled, with the reason, kept on the node.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;

use crate::id::ActorId;

/// How many dead letters a node keeps; older ones are dropped (and counted) beyond it,
/// so a flood of undeliverable messages cannot grow memory without bound.
pub const DEAD_LETTER_CAPACITY: usize = 10_000;

/// A message that could not be handled.
pub struct DeadLetter {
    /// The actor it was for.
    pub recipient: ActorId,
    /// That actor's name, if any.
    pub recipient_name: Option<String>,
    /// The message's type.
    pub message_type: &'static str,
    /// Its position in the actor's mailbox (1 = first message ever handled), when it
    /// was being handled as the actor failed.
    pub seq: Option<u64>,
    /// The message itself, when the runtime still held it (left in a mailbox when the
    /// actor ended). A message consumed by a handler that panicked cannot be returned;
    /// `seq` names it instead.
    pub message: Option<Box<dyn Any + Send>>,
    /// Why it was not handled.
    pub reason: String,
    /// Why, as one of a few kinds (what the node counts dead letters by).
    pub cause: DeadLetterCause,
}

/// The kind of a dead letter's reason: a fixed list, so counts by cause stay few.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeadLetterCause {
    /// It was queued when its actor ended for good.
    ActorEnded,
    /// It was being handled when the instance handling it failed, panicked or was
    /// killed.
    HandlerFailed,
    /// It came from another node and reached no actor here.
    RemoteUndelivered,
}

impl DeadLetterCause {
    /// Every cause.
    pub const ALL: [DeadLetterCause; 3] =
        [Self::ActorEnded, Self::HandlerFailed, Self::RemoteUndelivered];

    /// A stable name, one word (`actor_ended`, `handler_failed`,
    /// `remote_undelivered`).
    pub fn name(self) -> &'static str {
        match self {
            Self::ActorEnded => "actor_ended",
            Self::HandlerFailed => "handler_failed",
            Self::RemoteUndelivered => "remote_undelivered",
        }
    }
}

impl fmt::Debug for DeadLetter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeadLetter")
            .field("recipient", &self.recipient)
            .field("recipient_name", &self.recipient_name)
            .field("message_type", &self.message_type)
            .field("seq", &self.seq)
            .field("has_message", &self.message.is_some())
            .field("reason", &self.reason)
            .field("cause", &self.cause)
            .finish()
    }
}

/// The node's dead-letter sink: a bounded queue that readers drain.
#[derive(Default)]
pub struct DeadLetters {
    queue: Mutex<Inner>,
    arrived: Notify,
}

#[derive(Default)]
struct Inner {
    letters: VecDeque<DeadLetter>,
    total: u64,
    dropped: u64,
    by_cause: [u64; DeadLetterCause::ALL.len()],
}

impl DeadLetters {
    pub(crate) fn push(&self, letter: DeadLetter) {
        tracing::debug!(
            recipient = %letter.recipient,
            message_type = letter.message_type,
            reason = %letter.reason,
            "dead letter"
        );
        {
            let mut q = self.lock();
            q.total += 1;
            q.by_cause[letter.cause as usize] += 1;
            if q.letters.len() == DEAD_LETTER_CAPACITY {
                q.letters.pop_front();
                q.dropped += 1;
            }
            q.letters.push_back(letter);
        }
        self.arrived.notify_waiters();
    }

    /// Takes every dead letter held now.
    pub fn drain(&self) -> Vec<DeadLetter> {
        self.lock().letters.drain(..).collect()
    }

    /// Dead letters ever received by this node, including drained and dropped ones.
    pub fn total(&self) -> u64 {
        self.lock().total
    }

    /// Dead letters ever received by this node, by cause (every cause, zeros
    /// included).
    pub fn totals_by_cause(&self) -> [(DeadLetterCause, u64); DeadLetterCause::ALL.len()] {
        let counts = self.lock().by_cause;
        DeadLetterCause::ALL.map(|cause| (cause, counts[cause as usize]))
    }

    /// Waits until at least `n` dead letters are held, up to `timeout`, then drains
    /// them all. Returns what is held at the end, which may be fewer on timeout.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<DeadLetter> {
        let wait = async {
            loop {
                let notified = self.arrived.notified();
                if self.lock().letters.len() >= n {
                    return;
                }
                notified.await;
            }
        };
        let _ = tokio::time::timeout(timeout, wait).await;
        self.drain()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The lock guards plain data and no code panics while holding it; recover the
        // data if a panic elsewhere ever poisoned it.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}
