//! [`ActorRef::request`]: an ask in two halves, the request sent now and its
//! [`Answer`] awaited later, so that one caller keeps several requests to an actor in
//! flight (a strategy whose steps cross a link slower than its ticks come).
//!
//! The request goes out as a `send` does: in order with everything else the caller
//! sends, waiting for room in a full mailbox or link queue. Its answer then comes, or
//! the reason none will, exactly as for [`ActorRef::ask`]: `Timeout` (counted from
//! the `request` call), `NoReply`, `DeadLettered`, and across a link `Remote` or
//! `LinkLost`. An `Answer` dropped unawaited is a request whose answer nobody reads.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::actor_ref::{deadline_after, no_answer, wait_end, Target};
use crate::error::{AskError, SendError};
use crate::queue::TrySendError;
use crate::reply::ReplyTo;
use crate::ActorRef;

/// Why no answer came to a request already delivered: an [`AskError`] whose `Send`
/// case cannot happen (its message type is uninhabited).
pub type AnswerError = AskError<Infallible>;

/// The answer to a request sent with [`ActorRef::request`]: a future of the reply.
#[must_use = "an answer does nothing unless awaited"]
pub struct Answer<R> {
    wait: Pin<Box<dyn Future<Output = Result<R, AnswerError>> + Send>>,
}

impl<R> Answer<R> {
    pub(crate) fn new(wait: impl Future<Output = Result<R, AnswerError>> + Send + 'static) -> Self {
        Self { wait: Box::pin(wait) }
    }
}

impl<R> Future for Answer<R> {
    type Output = Result<R, AnswerError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.wait.as_mut().poll(cx)
    }
}

impl<R> std::fmt::Debug for Answer<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Answer")
    }
}

impl<M: Send + 'static> ActorRef<M> {
    /// Sends the request built around a fresh [`ReplyTo`] and returns its [`Answer`]
    /// without waiting for it: an [`ask`](Self::ask) whose second half the caller
    /// awaits when it needs the reply. Requests sent one after another reach the
    /// actor in that order, and their answers can be awaited in any order.
    ///
    /// Fails, handing the request back, as [`send_timeout`](Self::send_timeout) does
    /// when it cannot be delivered within `timeout`. The answer then has what is left
    /// of `timeout`.
    ///
    /// ```
    /// # use mycelium::{Actor, ActorError, Context, Node, ReplyTo};
    /// # use std::time::Duration;
    /// struct Double;
    /// impl Actor for Double {
    ///     type Msg = (u64, ReplyTo<u64>);
    ///     async fn handle(&mut self, (n, reply): Self::Msg, _: &mut Context<Self>) -> Result<(), ActorError> {
    ///         let _ = reply.send(2 * n);
    ///         Ok(())
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let node = Node::new("doc");
    /// let double = node.spawn(Double)?;
    /// let wait = Duration::from_secs(1);
    /// // Three requests in flight at once, answered in order.
    /// let mut answers = Vec::new();
    /// for n in 1..=3 {
    ///     answers.push(double.request(|reply| (n, reply), wait).await?);
    /// }
    /// for (n, answer) in (1..=3).zip(answers) {
    ///     assert_eq!(answer.await?, 2 * n);
    /// }
    /// node.shutdown(wait).await;
    /// # Ok(()) }
    /// ```
    pub async fn request<R: Send + 'static>(
        &self,
        request: impl FnOnce(ReplyTo<R>) -> M,
        timeout: Duration,
    ) -> Result<Answer<R>, SendError<M>> {
        let cell = match self.target() {
            Target::Local(cell) => cell,
            // Boxed, as a remote ask is: its state would otherwise size every call.
            Target::Remote(remote) => return Box::pin(remote.request(request, timeout)).await,
        };
        let deadline = deadline_after(timeout);
        let (reply, mut answer) = ReplyTo::new();
        let msg = request(reply);
        let position = match cell.tx.try_send_at(msg) {
            Ok(position) => position,
            Err(TrySendError::Full(msg)) => {
                Box::pin(cell.tx.send_timeout(msg, timeout)).await.map_err(SendError::from)?
            }
            Err(TrySendError::Closed(msg)) => return Err(SendError::Closed(msg)),
        };
        let cell = cell.clone();
        Ok(Answer::new(async move {
            let mut end = wait_end(&cell, position, deadline);
            std::future::poll_fn(|cx| {
                if let Poll::Ready(answered) = Pin::new(&mut answer).poll(cx) {
                    return Poll::Ready(answered.map_err(|_| no_answer(&cell, position)));
                }
                end.as_mut().poll(cx).map(Err)
            })
            .await
        }))
    }
}
