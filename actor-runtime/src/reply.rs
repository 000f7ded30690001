//! [`ReplyTo`]: the port a request carries for its answer.

use tokio::sync::oneshot;

/// Where the answer to a request goes. Put one in a message variant and answer it
/// with [`ReplyTo::send`]. Dropping it unanswered makes the asker's
/// [`ask`](crate::ActorRef::ask) fail with [`AskError::NoReply`](crate::AskError::NoReply)
/// at once instead of waiting for its timeout.
#[derive(Debug)]
pub struct ReplyTo<R> {
    tx: oneshot::Sender<R>,
}

impl<R> ReplyTo<R> {
    pub(crate) fn new() -> (Self, oneshot::Receiver<R>) {
        let (tx, rx) = oneshot::channel();
        (Self { tx }, rx)
    }

    /// Sends the answer. Returns it back if the asker has given up (timed out).
    pub fn send(self, reply: R) -> Result<(), R> {
        self.tx.send(reply)
    }

    /// Whether the asker is still waiting.
    pub fn is_waiting(&self) -> bool {
        !self.tx.is_closed()
    }
}
