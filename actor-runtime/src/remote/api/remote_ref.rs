//! The remote half of an [`ActorRef`](crate::ActorRef): an actor on a peer node,
//! reached through the link to that node.
//!
//! A send serializes the message straight into the link's outbound batch (no
//! intermediate buffer) and returns: a tell never waits for an acknowledgement. The
//! outcomes mirror the local ones: `Full` when the link's outbound queue is at its
//! bound, `Unreachable` when it is full while the link is down, `Closed` once this
//! node has shut down; each hands the message back.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::cell::lock;
use crate::error::{AskError, SendError};
use crate::remote::codec::frame::{FrameHeader, FrameKind, FLAG_TARGET_NAME};
use crate::remote::codec::payload::RemoteMessage;
use crate::remote::links::link::{Link, LinkState, ReplyFailure};
use crate::remote::links::outbox::{push_fn, PushError, PushFn};
use crate::reply::{with_ask_route, ReplyTo};
use crate::request::Answer;

/// A `send` yields to the scheduler when the link's batch reaches a multiple of this.
const YIELD_EVERY: usize = 256;

pub(crate) struct RemoteTarget<M> {
    pub(crate) link: Arc<Link>,
    /// The name the actor is exposed under on the peer.
    pub(crate) name: String,
    target: u64,
    push: PushFn<M>,
}

impl<M: RemoteMessage> RemoteTarget<M> {
    pub(crate) fn new(link: Arc<Link>, name: String) -> Self {
        let target = crate::remote::codec::frame::name_hash(&name);
        Self { link, name, target, push: push_fn::<M>() }
    }
}

impl<M: Send + 'static> RemoteTarget<M> {
    fn header(&self, kind: FrameKind, correlation: u64) -> FrameHeader {
        let mut header = FrameHeader::unstamped(kind);
        header.flags = FLAG_TARGET_NAME;
        header.target = self.target;
        header.correlation = correlation;
        header
    }

    /// Queues `msg`; returns how many frames the link's batch now holds.
    fn push(&self, header: FrameHeader, msg: M) -> Result<usize, SendError<M>> {
        let push = self.push;
        match self.link.outbox.push_with(header, false, |enc, h| push(enc, h, &msg)) {
            Ok(frames) => Ok(frames),
            Err(PushError::Full) if self.link.state() == LinkState::Down => {
                Err(SendError::Unreachable(msg))
            }
            Err(PushError::Full) => Err(SendError::Full(msg)),
            Err(PushError::Closed) => Err(SendError::Closed(msg)),
            Err(PushError::Wire(e)) => {
                tracing::warn!(target = %self.name, peer = %self.link.peer, error = %e, "cannot encode message");
                Err(SendError::Unencodable(msg))
            }
        }
    }

    pub(crate) fn try_send(&self, msg: M) -> Result<(), SendError<M>> {
        self.push(self.header(FrameKind::Tell, 0), msg).map(|_| ())
    }

    /// Pushes with `push_once` if there is room now (the usual case), else waits for
    /// room while the queue is full and the link is up, until `deadline`. The wait is
    /// boxed so that the futures of sends stay small: unboxed, its state (a
    /// notification, a watch, a select) made `ActorRef::send`'s future 744 bytes for a
    /// `u64`, in every handler that awaits a send, local or not. (`send` does the same
    /// inline: through this nested `async fn`, its future kept more copies of the
    /// message.)
    async fn push_waiting(
        &self,
        msg: M,
        deadline: Option<Instant>,
        mut push_once: impl FnMut(M) -> Result<usize, SendError<M>>,
    ) -> Result<usize, SendError<M>> {
        match push_once(msg) {
            Err(SendError::Full(msg)) => {
                Box::pin(self.wait_for_room(msg, deadline, push_once)).await
            }
            pushed => pushed,
        }
    }

    /// The slow half of [`push_waiting`](Self::push_waiting): the queue was full.
    async fn wait_for_room(
        &self,
        mut msg: M,
        deadline: Option<Instant>,
        mut push_once: impl FnMut(M) -> Result<usize, SendError<M>>,
    ) -> Result<usize, SendError<M>> {
        loop {
            let room = self.link.outbox.room.notified();
            tokio::pin!(room);
            room.as_mut().enable();
            // Registered (enabled) before this push: room made after it wakes us.
            match push_once(msg) {
                Err(SendError::Full(back)) => msg = back,
                other => return other,
            }
            let waited = until(deadline, async {
                let mut state = self.link.state_rx();
                tokio::select! {
                    _ = room => {}
                    // Waiting only makes sense while the link drains the queue.
                    _ = state.wait_for(|s| !matches!(s, LinkState::Up(_))) => {}
                }
            })
            .await;
            if !waited {
                return Err(SendError::Timeout(msg));
            }
        }
    }

    pub(crate) async fn send(&self, msg: M) -> Result<(), SendError<M>> {
        let push = |m| self.push(self.header(FrameKind::Tell, 0), m);
        let frames = match push(msg) {
            Err(SendError::Full(msg)) => Box::pin(self.wait_for_room(msg, None, push)).await?,
            pushed => pushed?,
        };
        // A sender that never waits would keep the writer (maybe on this very
        // thread) from running until the queue is full: let it write every few
        // hundred frames, so writing overlaps with filling the next batch.
        if frames % YIELD_EVERY == 0 {
            tokio::task::yield_now().await;
        }
        Ok(())
    }

    pub(crate) async fn send_timeout(&self, msg: M, timeout: Duration) -> Result<(), SendError<M>> {
        let deadline = Some(Instant::now() + timeout);
        self.push_waiting(msg, deadline, |m| self.push(self.header(FrameKind::Tell, 0), m))
            .await
            .map(|_| ())
    }

    pub(crate) async fn ask<R>(
        &self,
        request: impl FnOnce(ReplyTo<R>) -> M,
        timeout: Duration,
    ) -> Result<R, AskError<M>> {
        let deadline = Instant::now() + timeout;
        let (correlation, answer, failure) =
            self.send_request(request, deadline).await.map_err(AskError::Send)?;
        await_answer(&self.link, correlation, answer, &failure, deadline).await
    }

    /// [`ActorRef::request`](crate::ActorRef::request) to a remote actor: the
    /// request is pushed now, the answer awaited later.
    pub(crate) async fn request<R: Send + 'static>(
        &self,
        request: impl FnOnce(ReplyTo<R>) -> M,
        timeout: Duration,
    ) -> Result<Answer<R>, SendError<M>> {
        let deadline = Instant::now() + timeout;
        let (correlation, answer, failure) = self.send_request(request, deadline).await?;
        let link = self.link.clone();
        Ok(Answer::new(async move {
            await_answer(&link, correlation, answer, &failure, deadline).await
        }))
    }

    /// Builds the request around a port the link answers, and pushes it (waiting for
    /// room until `deadline`).
    async fn send_request<R>(
        &self,
        request: impl FnOnce(ReplyTo<R>) -> M,
        deadline: Instant,
    ) -> Result<(u64, oneshot::Receiver<R>, Arc<Mutex<Option<ReplyFailure>>>), SendError<M>> {
        let correlation = self.link.next_correlation();
        let (reply, answer, failure) = ReplyTo::asking(correlation);
        let msg = request(reply);
        let header = self.header(FrameKind::Ask, correlation);
        let sent = self
            .push_waiting(msg, Some(deadline), |m| {
                with_ask_route(&self.link, || self.push(header, m))
            })
            .await;
        if let Err(e) = sent {
            self.link.forget_reply(correlation);
            return Err(e);
        }
        Ok((correlation, answer, failure))
    }
}

/// The answer to a request sent as `correlation`, or why none comes by `deadline`.
async fn await_answer<R, E>(
    link: &Link,
    correlation: u64,
    answer: oneshot::Receiver<R>,
    failure: &Mutex<Option<ReplyFailure>>,
    deadline: Instant,
) -> Result<R, AskError<E>> {
    match tokio::time::timeout_at(deadline, answer).await {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(_)) => Err(match lock(failure).take() {
            Some(ReplyFailure::Remote(why)) => AskError::Remote(why),
            Some(ReplyFailure::LinkLost) => AskError::LinkLost,
            Some(ReplyFailure::Dropped) | None => AskError::NoReply,
        }),
        Err(_) => {
            link.forget_reply(correlation);
            Err(AskError::Timeout)
        }
    }
}

/// Runs `wait` until `deadline` (forever if `None`); false if the deadline passed.
async fn until(deadline: Option<Instant>, wait: impl Future<Output = ()>) -> bool {
    match deadline {
        Some(deadline) => tokio::time::timeout_at(deadline, wait).await.is_ok(),
        None => {
            wait.await;
            true
        }
    }
}
