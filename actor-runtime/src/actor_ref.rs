//! [`ActorRef`]: the handle everyone else holds to an actor.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use futures_util::future::Either;
use futures_util::FutureExt;

use crate::queue::TrySendError;

use crate::actor::ExitReason;
use crate::cell::{AnyCell, Cell};
use crate::error::{AskError, SendError};
use crate::id::ActorId;
use crate::instance::ABORT_GRACE;
use crate::remote::link::LinkState;
use crate::remote::remote_ref::RemoteTarget;
use crate::remote::Transport;
use crate::reply::ReplyTo;
use crate::signal::Signal;

/// A cheap, cloneable handle to an actor taking messages of type `M`, on this node
/// or on another.
///
/// Sending to a local actor never touches the registry or a lock: it is one push onto
/// the actor's bounded mailbox, and the message moves as a value. Sending to a remote
/// actor (a ref from [`Node::lookup_remote`](crate::Node::lookup_remote)) serializes
/// it into the link's outbound queue; the calls and their outcomes are the same, and
/// [`transport`](Self::transport) says which one is in use. Two refs are equal when
/// they name the same actor. The ref stays valid across restarts of a supervised
/// actor.
pub struct ActorRef<M> {
    target: Target<M>,
}

pub(crate) enum Target<M> {
    Local(Arc<Cell<M>>),
    Remote(Arc<RemoteTarget<M>>),
}

impl<M: Send + 'static> ActorRef<M> {
    pub(crate) fn from_cell(cell: Arc<Cell<M>>) -> Self {
        Self { target: Target::Local(cell) }
    }

    pub(crate) fn from_remote(remote: RemoteTarget<M>) -> Self {
        Self { target: Target::Remote(Arc::new(remote)) }
    }

    /// Where the actor is: a local cell or a remote target.
    pub(crate) fn target(&self) -> &Target<M> {
        &self.target
    }

    /// The cell of a local actor. Refs the runtime made itself (spawned actors,
    /// supervised children) are always local.
    pub(crate) fn local(&self) -> Option<&Arc<Cell<M>>> {
        match &self.target {
            Target::Local(cell) => Some(cell),
            Target::Remote(_) => None,
        }
    }

    pub(crate) fn remote(&self) -> Option<&Arc<RemoteTarget<M>>> {
        match &self.target {
            Target::Local(_) => None,
            Target::Remote(remote) => Some(remote),
        }
    }

    /// The actor's id on its node (0 for a remote actor, which is known by name).
    pub fn id(&self) -> ActorId {
        match &self.target {
            Target::Local(cell) => cell.id,
            Target::Remote(_) => ActorId(0),
        }
    }

    /// The actor's name, if it was given one (a remote actor's is the name it is
    /// exposed under on its node).
    pub fn name(&self) -> Option<&str> {
        match &self.target {
            Target::Local(cell) => cell.name.as_deref(),
            Target::Remote(remote) => Some(&remote.name),
        }
    }

    /// The node a remote actor lives on; `None` for a local actor.
    pub fn node_name(&self) -> Option<&str> {
        self.remote().map(|r| r.link.peer.as_str())
    }

    /// What carries messages to the actor now: [`Transport::Local`] for an actor on
    /// this node; for a remote one, the transport of its link's connection (`None`
    /// while the link is down).
    pub fn transport(&self) -> Option<Transport> {
        match &self.target {
            Target::Local(_) => Some(Transport::Local),
            Target::Remote(remote) => remote.link.transport(),
        }
    }

    /// Sends `msg`, waiting while the mailbox (or a remote actor's link queue) is full
    /// (backpressure). Fails with [`SendError::Closed`] if the actor has ended, and,
    /// for a remote actor, with [`SendError::Unreachable`] if its link is down with a
    /// full queue.
    ///
    /// (A plain function returning the queue's own future for a local actor, not an
    /// `async fn`: one level less to resume on each poll of the sending task.)
    #[inline]
    pub fn send(&self, msg: M) -> impl Future<Output = Result<(), SendError<M>>> + Send + '_ {
        match &self.target {
            Target::Local(cell) => {
                Either::Left(cell.tx.send(msg).map(|sent| sent.map_err(SendError::Closed)))
            }
            Target::Remote(remote) => Either::Right(remote.send(msg)),
        }
    }

    /// Sends `msg` if there is room now: [`SendError::Full`] or [`SendError::Closed`]
    /// otherwise, with the message handed back.
    #[inline]
    pub fn try_send(&self, msg: M) -> Result<(), SendError<M>> {
        match &self.target {
            Target::Local(cell) => cell.tx.try_send(msg).map_err(SendError::from),
            Target::Remote(remote) => remote.try_send(msg),
        }
    }

    /// Sends `msg`, waiting at most `timeout` for room: [`SendError::Timeout`] or
    /// [`SendError::Closed`] otherwise, with the message handed back.
    pub async fn send_timeout(&self, msg: M, timeout: Duration) -> Result<(), SendError<M>> {
        match &self.target {
            Target::Local(cell) => {
                cell.tx.send_timeout(msg, timeout).await.map_err(SendError::from)
            }
            Target::Remote(remote) => remote.send_timeout(msg, timeout).await,
        }
    }

    /// Request-reply: builds the request around a fresh [`ReplyTo`], sends it and waits
    /// for the answer, all within `timeout`. For a remote actor the answer comes back
    /// over the same link.
    ///
    /// Fails with [`AskError::Timeout`] when no answer comes in time,
    /// [`AskError::NoReply`] when the actor drops the port unanswered, and
    /// [`AskError::Send`] when the request is not delivered, which hands it back.
    ///
    /// An ask never waits for an answer that cannot come: if the actor ends before
    /// its handler takes the request, the request goes to dead letters and the ask
    /// fails at once with [`AskError::DeadLettered`], whatever the timeout (even
    /// `Duration::MAX`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use mycelium::{Actor, ActorError, AskError, Context, Node, ReplyTo, SendError};
    ///
    /// struct Counter {
    ///     total: u64,
    ///     held: Vec<ReplyTo<u64>>,
    /// }
    ///
    /// enum Msg {
    ///     Add(u64),
    ///     Get(ReplyTo<u64>),
    ///     Ignore(ReplyTo<u64>),
    ///     Hold(ReplyTo<u64>),
    /// }
    ///
    /// impl Actor for Counter {
    ///     type Msg = Msg;
    ///     async fn handle(&mut self, msg: Msg, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
    ///         match msg {
    ///             Msg::Add(n) => self.total += n,
    ///             // `send` fails only if the asker gave up waiting: nothing to do then.
    ///             Msg::Get(reply) => drop(reply.send(self.total)),
    ///             Msg::Ignore(reply) => drop(reply),
    ///             Msg::Hold(reply) => self.held.push(reply),
    ///         }
    ///         Ok(())
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let node = Node::new("doc");
    /// let counter = node.spawn(Counter { total: 0, held: Vec::new() })?;
    /// let wait = Duration::from_secs(1);
    ///
    /// counter.send(Msg::Add(2)).await?;
    /// // The variant is the function that builds the request around the reply port.
    /// assert_eq!(counter.ask(Msg::Get, wait).await?, 2);
    ///
    /// assert!(matches!(counter.ask(Msg::Ignore, wait).await, Err(AskError::NoReply)));
    /// let soon = Duration::from_millis(20);
    /// assert!(matches!(counter.ask(Msg::Hold, soon).await, Err(AskError::Timeout)));
    ///
    /// // An ended actor takes no request: it comes back in the error.
    /// counter.stop_within(Duration::from_secs(1)).await;
    /// match counter.ask(Msg::Get, wait).await {
    ///     Err(AskError::Send(SendError::Closed(Msg::Get(_)))) => {}
    ///     other => panic!("expected the request back, got {other:?}"),
    /// }
    /// node.shutdown(Duration::from_secs(1)).await;
    /// # Ok(()) }
    /// ```
    pub async fn ask<R>(
        &self,
        request: impl FnOnce(ReplyTo<R>) -> M,
        timeout: Duration,
    ) -> Result<R, AskError<M>> {
        let cell = match &self.target {
            Target::Local(cell) => cell,
            // Boxed: a remote ask's state (the wait for room on the link, the wait for
            // the answer) would otherwise make every ask's future, local ones too,
            // about a kilobyte, and a remote ask pays a network round trip anyway.
            Target::Remote(remote) => return Box::pin(remote.ask(request, timeout)).await,
        };
        let (reply, mut answer) = ReplyTo::new();
        let msg = request(reply);
        // Fast path: room in the mailbox, no timer needed for the send. The request's
        // position in the queue tells, if the actor ends, whether it was handed to a
        // handler (which may still answer) or went to dead letters.
        let (position, deadline) = match cell.tx.try_send_at(msg) {
            Ok(position) => (position, None),
            Err(TrySendError::Full(msg)) => {
                let deadline = deadline_after(timeout);
                // Boxed, as a full mailbox is rare and slow anyway: unboxed, the wait's
                // state (a send and a timer) would double every ask's future.
                let position: u64 = Box::pin(cell.tx.send_timeout(msg, timeout))
                    .await
                    .map_err(|e| AskError::Send(e.into()))?;
                (position, Some(deadline))
            }
            Err(TrySendError::Closed(msg)) => return Err(AskError::Send(SendError::Closed(msg))),
        };
        if deadline.is_none() {
            // An actor sharing this thread usually answers within one turn of the
            // scheduler: look again after one before paying for a timer (its
            // registration and removal are most of an ask's cost otherwise). The turn
            // also leaves this task in the run queue, where another worker can take it
            // up and arm the timer if the handler blocks this thread; waiting for the
            // answer alone would not time out then. A pinned actor answers from
            // another core: keep looking a little longer, as parking would make its
            // answer wake this thread (15-25 µs here).
            let spin_until = cell.pinned.map(|_| std::time::Instant::now() + PINNED_ASK_SPIN);
            loop {
                yield_once().await;
                if let Some(answered) = (&mut answer).now_or_never() {
                    return answered.map_err(|_| no_answer(cell, position));
                }
                if spin_until.is_none_or(|t| std::time::Instant::now() >= t) {
                    break;
                }
            }
        }
        let deadline = deadline.unwrap_or_else(|| deadline_after(timeout));
        // The end of the wait (the deadline, or the request dead-lettered) is boxed,
        // as a `dyn`, and built out of line: inline, it tripled every ask's future;
        // boxed as its own type, its drop code kept the ask from being inlined where
        // it is awaited (70 more instructions per ask under callgrind). An ask gets
        // here only when no answer came within a turn of the scheduler, which costs
        // far more than the allocation.
        let mut end = wait_end(cell, position, deadline);
        std::future::poll_fn(|cx| {
            if let Poll::Ready(answered) = Pin::new(&mut answer).poll(cx) {
                return Poll::Ready(answered.map_err(|_| no_answer(cell, position)));
            }
            end.as_mut().poll(cx).map(Err)
        })
        .await
    }

    /// Asks the actor to stop: it handles what is already queued, runs `stopped`, then
    /// ends with [`ExitReason::Stopped`]. Unsupervised actors close their mailbox at
    /// once, so later sends fail with `Closed`. Returns at once; see
    /// [`stop_within`](Self::stop_within) to wait. Local actors only: a remote
    /// actor is stopped by its own node.
    pub fn stop(&self) {
        if let Target::Local(cell) = &self.target {
            cell.signals.send(Signal::Stop);
        }
    }

    /// Asks the actor to end after its current message, leaving queued messages
    /// unhandled (they go to dead letters), with [`ExitReason::Killed`]. Local actors
    /// only.
    pub fn kill(&self) {
        if let Target::Local(cell) = &self.target {
            cell.signals.send(Signal::Kill);
        }
    }

    /// Stops the actor and waits for its end up to `deadline`; past it, the running
    /// instance is aborted at its next `.await` point. Returns why it ended, or `None`
    /// if it still had not ended a second after the abort (a handler that never
    /// yields cannot be aborted), or if the actor is remote.
    pub async fn stop_within(&self, deadline: Duration) -> Option<ExitReason> {
        stop_cell_within(self.local()?.as_ref(), deadline).await
    }

    /// Waits until the actor has ended and returns why; for a remote actor, until its
    /// link is lost ([`ExitReason::Unreachable`]).
    pub async fn join(&self) -> ExitReason {
        match &self.target {
            Target::Local(cell) => {
                let mut rx = cell.exit_rx();
                // The sender lives in the cell, which `self` keeps alive: cannot fail.
                let reason = rx.wait_for(Option::is_some).await.ok().and_then(|r| r.clone());
                reason.unwrap_or(ExitReason::Stopped)
            }
            Target::Remote(remote) => {
                let mut state = remote.link.state_rx();
                let _ = state.wait_for(|s| !matches!(s, LinkState::Up(_))).await;
                ExitReason::Unreachable(format!("link to {} is down", remote.link.peer))
            }
        }
    }

    /// Whether the actor has not ended and takes messages (a supervised actor between
    /// two instances is alive; a child whose aborted instance will not let go of its
    /// mailbox, `ChildState::Unresponsive`, is not, until it is started again); for a
    /// remote actor, whether its link is up.
    pub fn is_alive(&self) -> bool {
        match &self.target {
            Target::Local(cell) => cell.exit_rx().borrow().is_none() && !cell.tx.is_closed(),
            Target::Remote(remote) => matches!(remote.link.state(), LinkState::Up(_)),
        }
    }

    /// Messages waiting in the mailbox now (for a remote actor: frames waiting in its
    /// link's outbound queue, for every actor on that node).
    pub fn queued(&self) -> usize {
        match &self.target {
            Target::Local(cell) => cell.tx.queued(),
            Target::Remote(remote) => remote.link.outbox.queued(),
        }
    }
}

/// How an ask's wait for its answer ends without one: `deadline` passes
/// (`Timeout`), or the request at `position` in `cell`'s queue goes to dead letters
/// (`DeadLettered`). Out of line and boxed (see `ask`).
#[cold]
#[inline(never)]
pub(crate) fn wait_end<M: Send + 'static, E: Send + 'static>(
    cell: &Cell<M>,
    position: u64,
    deadline: tokio::time::Instant,
) -> Pin<Box<dyn Future<Output = AskError<E>> + Send + '_>> {
    Box::pin(async move {
        let mut unserved = cell.unserved_rx();
        let dead_lettered = unserved.wait_for(|&from| position >= from);
        let waited = tokio::time::timeout_at(deadline, dead_lettered).await.map(drop);
        match waited {
            Ok(()) => AskError::DeadLettered,
            Err(_) => AskError::Timeout,
        }
    })
}

/// Why a local ask's reply port was dropped unanswered: its request went to dead
/// letters (and they were dropped), or its handler dropped the port. Out of line:
/// inlined, it made every ask's code too big to be inlined where it is awaited.
#[cold]
#[inline(never)]
pub(crate) fn no_answer<M: Send + 'static, E>(cell: &Cell<M>, position: u64) -> AskError<E> {
    if cell.is_unserved(position) {
        AskError::DeadLettered
    } else {
        AskError::NoReply
    }
}

/// Now plus `timeout`, or thirty years from now if that overflows (as Tokio's own
/// `sleep` does): an ask with `Duration::MAX` waits, it does not panic.
pub(crate) fn deadline_after(timeout: Duration) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(timeout).unwrap_or_else(|| now + Duration::from_secs(30 * 365 * 24 * 60 * 60))
}

/// How long an ask to a pinned actor keeps looking for its answer before it parks.
const PINNED_ASK_SPIN: Duration = Duration::from_micros(50);

/// Lets the other ready tasks of this thread run once. Woken at once, not deferred as
/// `tokio::task::yield_now` is: a deferred wake makes a current-thread runtime poll
/// its I/O driver (a syscall) first.
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if std::mem::replace(&mut yielded, true) {
            return std::task::Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    })
    .await
}

/// Stop, wait up to `deadline`, then abort and wait a short grace. An unsupervised
/// actor whose instance does not let go even then (stuck in a handler that never
/// yields) is given up: ended as `Killed` (see `Cell::terminate`), and `None` is
/// returned.
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
    if aborted.is_none() && !cell.is_supervised() {
        tracing::error!(actor = %cell.id(), name = ?cell.name(), "instance does not let go after its abort: giving it up");
        cell.end(ExitReason::Killed);
    }
    aborted
}

impl<M> Clone for ActorRef<M> {
    fn clone(&self) -> Self {
        let target = match &self.target {
            Target::Local(cell) => Target::Local(cell.clone()),
            Target::Remote(remote) => Target::Remote(remote.clone()),
        };
        Self { target }
    }
}

impl<M> PartialEq for ActorRef<M> {
    fn eq(&self, other: &Self) -> bool {
        match (&self.target, &other.target) {
            (Target::Local(a), Target::Local(b)) => a.id == b.id,
            (Target::Remote(a), Target::Remote(b)) => {
                a.link.peer == b.link.peer && a.name == b.name
            }
            _ => false,
        }
    }
}

impl<M> Eq for ActorRef<M> {}

impl<M> Hash for ActorRef<M> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match &self.target {
            Target::Local(cell) => cell.id.hash(state),
            Target::Remote(remote) => (&remote.link.peer, &remote.name).hash(state),
        }
    }
}

impl<M> fmt::Display for ActorRef<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Target::Local(cell) => match &cell.name {
                Some(name) => write!(f, "{name}{}", cell.id),
                None => write!(f, "{}", cell.id),
            },
            Target::Remote(remote) => write!(f, "{}@{}", remote.name, remote.link.peer),
        }
    }
}

impl<M> fmt::Debug for ActorRef<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActorRef({self})")
    }
}
