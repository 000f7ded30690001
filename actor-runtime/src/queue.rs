//! The mailbox queue: bounded, many senders, one receiver, with a priority lane for
//! system signals. It replaces a Tokio `mpsc` channel plus a separate signal channel.
//!
//! # Why our own
//! A Tokio bounded channel pays a semaphore (a compare-and-swap to send, a mutex to
//! give the permit back on every receive), a lock-free block list and an atomic waker;
//! the priority lane beside it paid a second queue and a second waker. Here one mutex
//! guards both lanes, and the receiver takes the whole user queue in one visit (a
//! swap of two `VecDeque`s) and then hands messages out of its own batch without
//! touching anything shared. A send is one lock; a receive is one lock per batch,
//! however big the batch.
//!
//! # Capacity while a batch is out
//! Messages in the receiver's batch still count against the capacity until handed out:
//! the receiver publishes how many of its batch it has handed out (`consumed`, a
//! plain atomic store per message, no read-modify-write) and senders count
//! `queue + batch taken - consumed`. So `capacity` bounds everything not yet handed
//! to the actor, as a channel's does.
//!
//! # Waiting senders
//! A sender that finds the queue full joins a FIFO of waiters. The receiver looks at
//! a flag after each message and, if someone waits, wakes as many as there is room
//! for, and that room is promised to them: newcomers (and `try_send`) cannot take it.
//! The look is relaxed: a waiter that registers just as the receiver looks may be
//! missed. The first in line registered seeing no free room: either that room is
//! promised to a woken sender, which sends (and the receiver then comes back under
//! the lock) or gives up and wakes the next in line, or the batch out was full, and
//! after a full batch the receiver always comes back under the lock (never through
//! the lock-free park) and wakes it then. So a waiter is never forgotten, only woken at most one
//! batch late. A woken sender that gives up passes its turn on.
//!
//! # Enqueue times
//! For an actor that records timing (`timed`), each push reads the clock under the
//! lock and queues the time in a second deque beside the messages, handed out in step
//! with them ([`Receiver::enqueued_at`]). Other actors' messages carry no timestamp at
//! all: a stamp in every message cost every send 16 more bytes to move.
//!
//! # Signals
//! Signals (stop, kill, supervision events) go into the same lock's second lane and
//! raise a flag the receiver checks before every message, so they overtake a full
//! queue. Only the runtime sends them, a handful per actor life; they are unbounded.
//!
//! # Spinning receivers
//! A hot-path actor that spins on its own core ([`channel`] with `spinning`) keeps its
//! messages in a lock-free [`ring`] instead: there, the lock's line crossing between
//! the cores twice per message was most of a message's cost. Its receiver never
//! parks (it polls without being woken), so a send wakes nobody; the mutex is left to
//! signals and to senders waiting for room, who wait in the same FIFO line: only the
//! first in line pushes, and the receiver wakes it after each message it takes while
//! anyone waits (and on each empty poll, so a wake-up it missed comes one poll late).
//!
//! # Cooperation
//! Sending and receiving consume Tokio's task budget as Tokio's own channels do, so
//! an actor that always has messages still yields to the other tasks on its thread.

use std::collections::VecDeque;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll, RawWakerVTable, Waker};
use std::time::{Duration, Instant};

use tokio::runtime::RuntimeFlavor;
use tokio::task::coop;

use crate::cell::lock;
use crate::error::SendError;
use crate::signal::{Signal, SignalLane, SignalTx};

mod ring;
use ring::{Refused, Ring};

/// Why a message was not queued; it is handed back.
#[derive(Debug)]
pub(crate) enum TrySendError<M> {
    Full(M),
    Closed(M),
}

impl<M> From<Refused<M>> for TrySendError<M> {
    fn from(refused: Refused<M>) -> Self {
        match refused {
            Refused::Full(msg) => Self::Full(msg),
            Refused::Closed(msg) => Self::Closed(msg),
        }
    }
}

/// Why `send_timeout` failed; the message is handed back.
#[derive(Debug)]
pub(crate) enum SendTimeoutError<M> {
    Timeout(M),
    Closed(M),
}

impl<M> From<TrySendError<M>> for SendError<M> {
    fn from(e: TrySendError<M>) -> Self {
        match e {
            TrySendError::Full(msg) => Self::Full(msg),
            TrySendError::Closed(msg) => Self::Closed(msg),
        }
    }
}

impl<M> From<SendTimeoutError<M>> for SendError<M> {
    fn from(e: SendTimeoutError<M>) -> Self {
        match e {
            SendTimeoutError::Timeout(msg) => Self::Timeout(msg),
            SendTimeoutError::Closed(msg) => Self::Closed(msg),
        }
    }
}

/// What a successful send reports: nothing (`()`, a tell), or the message's position
/// (`u64`, an ask: the how-manieth message the queue took, from 1, which tells later
/// whether a handler took it). Chosen by type, so a tell computes and moves no
/// position: returning one from every send cost each a few instructions more.
pub(crate) trait Sent: Sized {
    fn at(position: u64) -> Self;
}

impl Sent for () {
    #[inline(always)]
    fn at(_: u64) {}
}

impl Sent for u64 {
    #[inline(always)]
    fn at(position: u64) -> u64 {
        position
    }
}

/// What is ready for the receiver ([`Receiver::poll_ready`]): a tag only, so that
/// handing it out of the poll moves one byte, not a message. (Returning the message
/// itself through `Poll` made the actor's loop reload it, just stored in pieces, in
/// wider loads: a store-forwarding stall on every message.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ready {
    /// A signal: take it with [`Receiver::try_signal`].
    Signal,
    /// A user message: take it with [`Receiver::take`].
    Message,
    /// Closed and empty: no user message can arrive any more.
    Closed,
}

/// What the receiver got.
pub(crate) enum Next<M> {
    Signal(Signal),
    Message(M),
    /// Closed and empty: no user message can arrive any more.
    Closed,
}

struct Shared<M> {
    state: Mutex<State<M>>,
    /// A spinning receiver's messages (then `State::queue` stays empty). Boxed, so
    /// that the locked queue's fields keep their layout: the ring's indices are
    /// padded to lines of their own.
    ring: Option<Box<Ring<M>>>,
    capacity: usize,
    /// Each message gets its enqueue time (see the module docs).
    timed: bool,
    /// How many messages of its current batch the receiver has handed out. Written
    /// only by the receiver; read by senders under the lock.
    consumed: AtomicUsize,
    /// The length of the shared queue (messages the receiver has not taken), stored
    /// under the lock at each change. Lets a parked (or spinning) receiver see that
    /// nothing arrived, and the receiver count its depth, without taking the lock.
    queued: AtomicUsize,
    /// A signal is queued.
    signals_pending: AtomicBool,
    /// A sender waits for room.
    senders_waiting: AtomicBool,
}

struct State<M> {
    queue: VecDeque<M>,
    /// The enqueue time of each message in `queue`, when timed; empty otherwise.
    stamps: VecDeque<Instant>,
    signals: VecDeque<Signal>,
    /// The size of the batch the receiver took on its last visit.
    taken: usize,
    /// Messages moved out of `queue` into the receiver's batches so far: the first
    /// message in `queue` is at position `taken_total + 1`. Positions count user messages from 1, in push order, over
    /// the actor's whole life (see [`Sender::try_send`]).
    taken_total: u64,
    /// No more user messages are accepted (the actor is stopping or has ended).
    closed: bool,
    /// The receiver is gone: signals are refused too.
    receiver_gone: bool,
    receiver_waker: Option<Waker>,
    /// The receiver runs on a multi-thread runtime: wake it outside the lock (`push`).
    wake_unlocked: bool,
    waiters: VecDeque<(u64, Waker)>,
    next_waiter: u64,
    /// Room promised to senders woken from the line and not back yet: newcomers and
    /// further wake-ups must not count it as free.
    reserved: usize,
}

impl<M> Shared<M> {
    /// Messages queued or in the receiver's batch, not yet handled.
    fn used(&self, st: &State<M>) -> usize {
        st.queue.len() + st.taken - self.consumed.load(Ordering::Acquire).min(st.taken)
    }

    /// Room not promised to a woken sender.
    fn free(&self, st: &State<M>) -> usize {
        self.capacity.saturating_sub(self.used(st)).saturating_sub(st.reserved)
    }

    /// Wakes as many waiting senders, first in line first, as there is free room
    /// for, and promises it to them.
    fn wake_senders(&self, st: &mut State<M>) {
        let n = self.free(st).min(st.waiters.len());
        for (_, waker) in st.waiters.drain(..n) {
            waker.wake();
        }
        st.reserved += n;
        self.senders_waiting.store(!st.waiters.is_empty(), Ordering::Relaxed);
    }

    /// Takes the queue as the receiver's new batch (its old one must be empty); false
    /// if there was nothing. Wakes senders for the room the last batch left.
    fn refill(&self, st: &mut State<M>, batch: &mut Batch<M>) -> bool {
        debug_assert!(batch.msgs.is_empty() && batch.stamps.is_empty());
        std::mem::swap(&mut st.queue, &mut batch.msgs);
        std::mem::swap(&mut st.stamps, &mut batch.stamps);
        st.taken = batch.msgs.len();
        st.taken_total += st.taken as u64;
        self.consumed.store(0, Ordering::Release);
        self.queued.store(0, Ordering::Release);
        if !st.waiters.is_empty() {
            self.wake_senders(st);
        }
        st.taken > 0
    }

    /// Closes the queue to user messages: every waiting sender gets its message back.
    fn close(&self, st: &mut State<M>) {
        st.closed = true;
        st.reserved = 0;
        for (_, waker) in st.waiters.drain(..) {
            waker.wake();
        }
        self.senders_waiting.store(false, Ordering::Relaxed);
    }

    /// Queues `msg` under the held lock. Only the message that makes the queue
    /// non-empty wakes the receiver: while the queue holds messages the receiver has
    /// been woken already, and it comes back for them before it parks. The waker stays
    /// registered, so the receiver need not clone it again for its next park.
    ///
    /// A receiver on a multi-thread runtime is woken after the lock is released: the
    /// caller gets a clone of its waker to wake. There a wake is often a system call
    /// (the runtime unparks a worker), and the woken receiver, on that worker, would
    /// find the lock still held: on two workers that put 35-42 µs on the one-way p99
    /// against 16-26 µs. Elsewhere it is woken by reference under the lock, which
    /// saves the clone (10 ns of a same-thread round trip).
    #[must_use]
    fn push(&self, st: &mut State<M>, msg: M) -> Option<Waker> {
        if self.timed {
            st.stamps.push_back(Instant::now());
        }
        st.queue.push_back(msg);
        self.queued.store(st.queue.len(), Ordering::Release);
        if st.queue.len() == 1 {
            if let Some(waker) = &st.receiver_waker {
                if st.wake_unlocked {
                    return Some(waker.clone());
                }
                waker.wake_by_ref();
            }
        }
        None
    }

    /// The position of the message pushed last.
    #[inline]
    fn last_position(st: &State<M>) -> u64 {
        st.taken_total + st.queue.len() as u64
    }
}

/// A ring's length, out of line (see `Sender::try_send_ring`).
#[cold]
#[inline(never)]
fn ring_len<M>(ring: &Ring<M>) -> usize {
    ring.len()
}

/// Creates a queue holding at most `capacity` unhandled user messages; `timed`
/// records each message's enqueue time; `spinning` is for a receiver that polls
/// without pause and is never woken (see the module docs).
pub(crate) fn channel<M>(capacity: usize, timed: bool, spinning: bool) -> (Sender<M>, Receiver<M>) {
    let shared = Arc::new(Shared {
        ring: spinning.then(|| Box::new(Ring::new(capacity, timed))),
        state: Mutex::new(State {
            queue: VecDeque::new(),
            stamps: VecDeque::new(),
            signals: VecDeque::new(),
            taken: 0,
            taken_total: 0,
            closed: false,
            receiver_gone: false,
            receiver_waker: None,
            wake_unlocked: false,
            waiters: VecDeque::new(),
            next_waiter: 0,
            reserved: 0,
        }),
        capacity: capacity.max(1),
        timed,
        consumed: AtomicUsize::new(0),
        queued: AtomicUsize::new(0),
        signals_pending: AtomicBool::new(false),
        senders_waiting: AtomicBool::new(false),
    });
    let receiver = Receiver {
        shared: shared.clone(),
        batch: Batch { msgs: VecDeque::new(), stamps: VecDeque::new() },
        taken: 0,
        batch_end: 0,
        enqueued_at: None,
        registered: None,
    };
    (Sender { shared }, receiver)
}

/// The sending side, held by the actor's cell.
pub(crate) struct Sender<M> {
    shared: Arc<Shared<M>>,
}

impl<M> Sender<M> {
    /// Queues `msg` if there is room now. Waiting senders go first: while any wait,
    /// this reports `Full`.
    #[inline]
    pub(crate) fn try_send(&self, msg: M) -> Result<(), TrySendError<M>> {
        self.try_push(msg)
    }

    /// As [`try_send`](Self::try_send), returning the message's position (see [`Sent`]).
    #[inline]
    pub(crate) fn try_send_at(&self, msg: M) -> Result<u64, TrySendError<M>> {
        self.try_push(msg)
    }

    fn try_push<S: Sent>(&self, msg: M) -> Result<S, TrySendError<M>> {
        let shared = &*self.shared;
        if shared.ring.is_some() {
            return self.try_send_ring(msg).map(S::at);
        }
        let mut st = lock(&shared.state);
        if st.closed {
            return Err(TrySendError::Closed(msg));
        }
        if !st.waiters.is_empty() || shared.free(&st) == 0 {
            return Err(TrySendError::Full(msg));
        }
        let wake = shared.push(&mut st, msg);
        let sent = S::at(Shared::last_position(&st));
        drop(st);
        if let Some(waker) = wake {
            waker.wake();
        }
        Ok(sent)
    }

    /// `try_send` into a spinning receiver's ring. Out of line and cold, as are the
    /// ring's other paths: inlined, they made the locked queue's ask 20 ns slower
    /// (130 -> 150-160 ns p50 in alternating runs), as the hot functions grew.
    #[cold]
    #[inline(never)]
    fn try_send_ring(&self, msg: M) -> Result<u64, TrySendError<M>> {
        let shared = &*self.shared;
        let Some(ring) = &shared.ring else { unreachable!("only called for a ring") };
        if shared.senders_waiting.load(Ordering::Acquire) {
            return Err(TrySendError::Full(msg));
        }
        ring.push(msg).map_err(TrySendError::from)
    }

    /// Queues `msg`, waiting for room; hands it back if the queue is closed.
    pub(crate) fn send(&self, msg: M) -> SendFut<'_, M> {
        SendFut { shared: &self.shared, msg: Some(msg), waiter: None, sent: PhantomData }
    }

    /// As [`send`](Self::send), giving up after `timeout`; reports what `S` says
    /// (see [`Sent`]).
    pub(crate) async fn send_timeout<S: Sent>(
        &self,
        msg: M,
        timeout: Duration,
    ) -> Result<S, SendTimeoutError<M>> {
        let msg = match self.try_push(msg) {
            Ok(sent) => return Ok(sent),
            Err(TrySendError::Closed(msg)) => return Err(SendTimeoutError::Closed(msg)),
            Err(TrySendError::Full(msg)) => msg,
        };
        let mut send = SendFut::<M, S> {
            shared: &self.shared,
            msg: Some(msg),
            waiter: None,
            sent: PhantomData,
        };
        let mut sleep = pin!(tokio::time::sleep(timeout));
        std::future::poll_fn(|cx| {
            if let Poll::Ready(result) = Pin::new(&mut send).poll(cx) {
                return Poll::Ready(result.map_err(SendTimeoutError::Closed));
            }
            ready!(sleep.as_mut().poll(cx));
            match send.take_back() {
                Some(msg) => Poll::Ready(Err(SendTimeoutError::Timeout(msg))),
                None => unreachable!("a send that has not completed holds its message"),
            }
        })
        .await
    }

    /// Messages queued and not yet handled.
    pub(crate) fn queued(&self) -> usize {
        if let Some(ring) = &self.shared.ring {
            return ring_len(ring);
        }
        let st = lock(&self.shared.state);
        self.shared.used(&st)
    }

    /// Refuses further user messages (waiting senders get theirs back); what is
    /// queued stays, for the receiver or [`take_queued`](Self::take_queued). Unlike
    /// [`Receiver::close`], this can be done while an instance holds the receiver.
    pub(crate) fn close(&self) {
        if let Some(ring) = &self.shared.ring {
            ring.close_to_senders();
        }
        let mut st = lock(&self.shared.state);
        self.shared.close(&mut st);
    }

    /// Whether user messages are refused ([`close`](Self::close), or the receiver
    /// closed the queue).
    pub(crate) fn is_closed(&self) -> bool {
        if let Some(ring) = &self.shared.ring {
            return ring.is_closed();
        }
        lock(&self.shared.state).closed
    }

    /// Takes user messages again after [`close`](Self::close); only while no receiver
    /// has closed the queue (a supervised actor's receiver never does).
    pub(crate) fn reopen(&self) {
        if let Some(ring) = &self.shared.ring {
            ring.reopen();
        }
        lock(&self.shared.state).closed = false;
    }

    /// Takes the messages the receiver has not taken into its batch yet, with the
    /// position of the first: for dead letters, while an instance that will handle
    /// nothing more still holds the receiver. The queue must be closed for good.
    /// `None` for a ring, which only its receiver may read.
    pub(crate) fn take_queued(&self) -> Option<(u64, VecDeque<M>)> {
        if self.shared.ring.is_some() {
            return None;
        }
        let mut st = lock(&self.shared.state);
        debug_assert!(st.closed);
        // `taken_total` stays: it counts what the receiver took, which `handed_out`
        // is reckoned from.
        let first = st.taken_total + 1;
        let msgs = std::mem::take(&mut st.queue);
        st.stamps.clear();
        self.shared.queued.store(0, Ordering::Release);
        Some((first, msgs))
    }

    /// The handle the runtime signals this actor through.
    pub(crate) fn signals(&self) -> SignalTx
    where
        M: Send + 'static,
    {
        SignalTx::new(self.shared.clone())
    }
}

/// A pending [`Sender::send`], reporting what `S` says (see [`Sent`]).
pub(crate) struct SendFut<'a, M, S = ()> {
    shared: &'a Shared<M>,
    /// `None` once sent or taken back.
    msg: Option<M>,
    /// Our ticket while in (or just woken from) the waiters' line.
    waiter: Option<u64>,
    sent: PhantomData<fn() -> S>,
}

// The message is moved, never pinned: the future can move freely.
impl<M, S> Unpin for SendFut<'_, M, S> {}

impl<M, S> SendFut<'_, M, S> {
    /// Takes the message back out of a send that has not completed (a timeout).
    fn take_back(&mut self) -> Option<M> {
        self.msg.take()
    }
}

impl<M, S: Sent> Future for SendFut<'_, M, S> {
    type Output = Result<S, M>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<S, M>> {
        let this = self.get_mut();
        let coop = ready!(coop::poll_proceed(cx));
        let Some(msg) = this.msg.take() else {
            return Poll::Pending; // taken back: only `send_timeout` did, and it stopped polling
        };
        let shared = this.shared;
        if let Some(ring) = &shared.ring {
            let sent = this.poll_ring(ring, msg, cx);
            if sent.is_ready() {
                coop.made_progress();
            }
            return sent;
        }
        let mut st = lock(&shared.state);
        if st.closed {
            this.forget_ticket(&mut st);
            return Poll::Ready(Err(msg));
        }
        // Our turn: nobody waits ahead of us, or we were woken from the line (then the
        // room promised to us is ours to take).
        let in_line = this.waiter.and_then(|id| st.waiters.iter().position(|w| w.0 == id));
        let woken = this.waiter.is_some() && in_line.is_none();
        if woken {
            st.reserved = st.reserved.saturating_sub(1);
        }
        let our_turn = if this.waiter.is_none() { st.waiters.is_empty() } else { woken };
        if our_turn && shared.free(&st) > 0 {
            this.waiter = None;
            let wake = shared.push(&mut st, msg);
            let sent = S::at(Shared::last_position(&st));
            drop(st);
            if let Some(waker) = wake {
                waker.wake();
            }
            coop.made_progress();
            return Poll::Ready(Ok(sent));
        }
        this.msg = Some(msg);
        // Woken but the room was gone (cannot happen while promises hold): keep our
        // place at the front.
        this.join_line(&mut st, cx, woken);
        shared.senders_waiting.store(true, Ordering::Relaxed);
        Poll::Pending
    }
}

impl<M, S: Sent> SendFut<'_, M, S> {
    /// A send into a spinning receiver's ring: straight in while nobody waits, else
    /// through the line, where only the first pushes.
    #[cold]
    #[inline(never)]
    fn poll_ring(&mut self, ring: &Ring<M>, msg: M, cx: &mut Context<'_>) -> Poll<Result<S, M>> {
        let shared = self.shared;
        let msg = if self.waiter.is_none() && !shared.senders_waiting.load(Ordering::Acquire) {
            match ring.push(msg) {
                Ok(position) => return Poll::Ready(Ok(S::at(position))),
                Err(Refused::Closed(msg)) => return Poll::Ready(Err(msg)),
                Err(Refused::Full(msg)) => msg,
            }
        } else {
            msg
        };
        let mut st = lock(&shared.state);
        if ring.is_closed() {
            self.forget_ticket(&mut st);
            return Poll::Ready(Err(msg));
        }
        let id = self.join_line(&mut st, cx, false);
        // Raised before the push below, so a receiver that takes a message after our
        // failed push sees it (or its next poll does).
        shared.senders_waiting.store(true, Ordering::SeqCst);
        if st.waiters.front().map(|w| w.0) != Some(id) {
            self.msg = Some(msg);
            return Poll::Pending;
        }
        match ring.push(msg) {
            Ok(position) => {
                self.forget_ticket(&mut st);
                Poll::Ready(Ok(S::at(position)))
            }
            Err(Refused::Closed(msg)) => {
                self.forget_ticket(&mut st);
                Poll::Ready(Err(msg))
            }
            Err(Refused::Full(msg)) => {
                self.msg = Some(msg);
                Poll::Pending
            }
        }
    }
}

impl<M, S> SendFut<'_, M, S> {
    /// Takes a ticket, if this send has none, and a place in the waiters' line (at its
    /// front if `front`), or refreshes the waker of the place it has. Returns the
    /// ticket.
    fn join_line(&mut self, st: &mut State<M>, cx: &Context<'_>, front: bool) -> u64 {
        let id = *self.waiter.get_or_insert_with(|| {
            st.next_waiter += 1;
            st.next_waiter
        });
        match st.waiters.iter().position(|w| w.0 == id) {
            Some(i) if !st.waiters[i].1.will_wake(cx.waker()) => {
                st.waiters[i].1 = cx.waker().clone();
            }
            Some(_) => {}
            None if front => st.waiters.push_front((id, cx.waker().clone())),
            None => st.waiters.push_back((id, cx.waker().clone())),
        }
        id
    }

    /// Leaves the line; a sender woken for room it will not use passes the turn on.
    fn forget_ticket(&mut self, st: &mut State<M>) {
        if self.shared.ring.is_some() {
            return self.leave_ring_line(st);
        }
        let Some(id) = self.waiter.take() else { return };
        match st.waiters.iter().position(|w| w.0 == id) {
            Some(i) => {
                st.waiters.remove(i);
                self.shared.senders_waiting.store(!st.waiters.is_empty(), Ordering::Relaxed);
            }
            None => {
                st.reserved = st.reserved.saturating_sub(1);
                self.shared.wake_senders(st);
            }
        }
    }
}

impl<M, S> Drop for SendFut<'_, M, S> {
    fn drop(&mut self) {
        if self.waiter.is_some() {
            let shared = self.shared;
            let mut st = lock(&shared.state);
            self.forget_ticket(&mut st);
        }
    }
}

impl<M, S> SendFut<'_, M, S> {
    /// Leaves a ring's line; the next in line, if any, gets its turn to push.
    fn leave_ring_line(&mut self, st: &mut State<M>) {
        let Some(id) = self.waiter.take() else { return };
        if let Some(i) = st.waiters.iter().position(|w| w.0 == id) {
            st.waiters.remove(i);
            if i == 0 {
                if let Some((_, next)) = st.waiters.front() {
                    next.wake_by_ref();
                }
            }
        }
        self.shared.senders_waiting.store(!st.waiters.is_empty(), Ordering::SeqCst);
    }
}

/// Messages taken from the shared queue, and their enqueue times when timed.
struct Batch<M> {
    msgs: VecDeque<M>,
    stamps: VecDeque<Instant>,
}

/// The receiving side, part of the actor's leased mailbox.
pub(crate) struct Receiver<M> {
    shared: Arc<Shared<M>>,
    /// Messages taken from the shared queue, handed out without locking.
    batch: Batch<M>,
    /// The batch's size when taken.
    taken: usize,
    /// The position of the batch's last message.
    batch_end: u64,
    /// The enqueue time of the message handed out last (timed queues only).
    enqueued_at: Option<Instant>,
    /// The waker this receiver last registered, by identity (data and vtable
    /// pointers; never dereferenced). Senders wake it by reference and never remove
    /// it, so while it is the polling task's waker and no flag is up, a poll of an
    /// empty batch can park without the lock. `None` after `close`, so the next poll
    /// looks under the lock and sees it.
    registered: Option<(usize, &'static RawWakerVTable)>,
}

impl<M> Receiver<M> {
    /// The next signal, if one is queued: one load when none is.
    #[inline]
    pub(crate) fn try_signal(&mut self) -> Option<Signal> {
        if !self.shared.signals_pending.load(Ordering::Acquire) {
            return None;
        }
        let mut st = lock(&self.shared.state);
        let signal = st.signals.pop_front();
        self.shared.signals_pending.store(!st.signals.is_empty(), Ordering::Release);
        signal
    }

    /// The next user message without waiting (draining).
    pub(crate) fn try_recv(&mut self) -> Option<M> {
        if self.shared.ring.is_some() {
            return self.try_recv_ring();
        }
        if self.batch.msgs.is_empty() {
            let mut st = lock(&self.shared.state);
            self.shared.refill(&mut st, &mut self.batch);
            self.taken = st.taken;
            self.batch_end = st.taken_total;
        }
        self.pop()
    }

    /// How many messages this queue has handed out to the actor over its life: the
    /// position of the last one.
    pub(crate) fn handed_out(&self) -> u64 {
        match &self.shared.ring {
            Some(ring) => ring.handed_out(),
            None => self.batch_end - self.batch.msgs.len() as u64,
        }
    }

    /// Waits for a signal (first) or a user message, and takes it: `poll_ready` and
    /// the take in one, for the unit tests.
    #[cfg(test)]
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Next<M>> {
        let ready = ready!(self.poll_ready(cx));
        Poll::Ready(self.take_ready(ready))
    }

    /// Waits for a signal (first) or a user message, and says which is ready; the
    /// caller then takes it ([`try_signal`](Self::try_signal), [`take`](Self::take)).
    #[inline]
    pub(crate) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Ready> {
        if self.shared.signals_pending.load(Ordering::Acquire) {
            return Poll::Ready(Ready::Signal);
        }
        let coop = ready!(coop::poll_proceed(cx));
        if self.shared.ring.is_some() {
            return self.poll_ring();
        }
        if self.batch.msgs.is_empty() {
            if self.still_parked(cx.waker()) {
                return Poll::Pending;
            }
            let mut st = lock(&self.shared.state);
            if !st.signals.is_empty() {
                return Poll::Ready(Ready::Signal);
            }
            let filled = self.shared.refill(&mut st, &mut self.batch);
            self.taken = st.taken;
            self.batch_end = st.taken_total;
            if !filled && st.closed {
                return Poll::Ready(Ready::Closed);
            }
            // Register even when a batch was taken: if nothing arrives while the batch
            // is handled, the next poll parks without taking the lock (a message that
            // does arrive meanwhile wakes a running task: one spare poll).
            if !st.receiver_waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                st.receiver_waker = Some(cx.waker().clone());
                st.wake_unlocked = tokio::runtime::Handle::try_current()
                    .is_ok_and(|rt| rt.runtime_flavor() == RuntimeFlavor::MultiThread);
            }
            // The next poll of an empty batch may park without the lock unless the
            // queue is closed (it must see that) or this batch is full: a sender may
            // then be waiting, having seen no room just before this receiver's last
            // look at `senders_waiting`, and only a locked visit (refill) wakes it.
            self.registered = (!st.closed && st.taken < self.shared.capacity)
                .then(|| (cx.waker().data() as usize, cx.waker().vtable()));
            if !filled {
                return Poll::Pending;
            }
        }
        coop.made_progress();
        Poll::Ready(Ready::Message)
    }

    /// Takes what [`poll_ready`](Self::poll_ready) found ready. Inlined into the
    /// caller's loop, as `pop` is (see there).
    #[inline(always)]
    pub(crate) fn take_ready(&mut self, ready: Ready) -> Next<M> {
        match ready {
            Ready::Signal => match self.try_signal() {
                Some(signal) => Next::Signal(signal),
                None => unreachable!("only the receiver takes signals"),
            },
            Ready::Message => {
                let msg = if self.shared.ring.is_some() { self.pop_ring() } else { self.pop() };
                match msg {
                    Some(msg) => Next::Message(msg),
                    None => unreachable!("a ready message waits for its receiver"),
                }
            }
            Ready::Closed => Next::Closed,
        }
    }

    /// Whether this poll can park at once: the registered waker is this task's and no
    /// message or signal is waiting (each raises its flag under the lock, then wakes
    /// the registered waker).
    #[inline]
    fn still_parked(&self, waker: &Waker) -> bool {
        self.registered == Some((waker.data() as usize, waker.vtable()))
            && self.shared.queued.load(Ordering::Acquire) == 0
            && !self.shared.signals_pending.load(Ordering::Acquire)
    }

    /// Always inlined: out of line, its `Option<M>` came back through memory and the
    /// caller's wider reloads of it stalled (ping-pong 190-210 -> 170-180 ns p50 in
    /// alternating runs).
    #[inline(always)]
    fn pop(&mut self) -> Option<M> {
        let msg = self.batch.msgs.pop_front()?;
        if self.shared.timed {
            self.enqueued_at = self.batch.stamps.pop_front();
        }
        self.shared.consumed.store(self.taken - self.batch.msgs.len(), Ordering::Release);
        if self.shared.senders_waiting.load(Ordering::Relaxed) {
            let mut st = lock(&self.shared.state);
            self.shared.wake_senders(&mut st);
        }
        Some(msg)
    }

    /// `try_recv` of a ring.
    #[cold]
    #[inline(never)]
    fn try_recv_ring(&mut self) -> Option<M> {
        loop {
            if let Some(msg) = self.pop_ring() {
                return Some(msg);
            }
            // Closed: what was claimed before the close is a moment from written.
            let ring = self.shared.ring.as_ref()?;
            if !(ring.is_closed() && ring.has_claimed()) {
                return None;
            }
            std::hint::spin_loop();
        }
    }

    /// `poll_ready` of a ring, after the signals. Its receiver is a pinned thread's,
    /// never a Tokio task: no budget to keep, and no waker (it is never woken).
    #[cold]
    #[inline(never)]
    fn poll_ring(&mut self) -> Poll<Ready> {
        let Some(ring) = &self.shared.ring else { unreachable!("only called for a ring") };
        if ring.ready() {
            return Poll::Ready(Ready::Message);
        }
        if ring.closed_by_receiver() && !ring.has_claimed() {
            return Poll::Ready(Ready::Closed);
        }
        self.wake_first_sender();
        Poll::Pending
    }

    /// The next message of a ring; the first waiting sender, if any, gets its turn.
    #[inline]
    fn pop_ring(&mut self) -> Option<M> {
        let (msg, at) = self.shared.ring.as_ref()?.pop()?;
        self.enqueued_at = at;
        self.wake_first_sender();
        Some(msg)
    }

    /// Wakes the first sender in a ring's line, if anyone waits (a relaxed look: see
    /// the module docs).
    #[inline]
    fn wake_first_sender(&self) {
        if self.shared.senders_waiting.load(Ordering::Relaxed) {
            let st = lock(&self.shared.state);
            if let Some((_, first)) = st.waiters.front() {
                first.wake_by_ref();
            }
        }
    }

    /// When the message received last was queued: `Some` only for a timed queue.
    pub(crate) fn enqueued_at(&self) -> Option<Instant> {
        self.enqueued_at
    }

    /// User messages not yet handled: the batch and the shared queue.
    pub(crate) fn len(&self) -> usize {
        if let Some(ring) = &self.shared.ring {
            return ring_len(ring);
        }
        self.batch.msgs.len() + self.shared.queued.load(Ordering::Acquire)
    }

    /// Refuses further user messages; those queued can still be received. Waiting
    /// senders get their message back.
    pub(crate) fn close(&mut self) {
        self.registered = None; // the next poll must see the close
        if let Some(ring) = &self.shared.ring {
            ring.close();
        }
        let mut st = lock(&self.shared.state);
        self.shared.close(&mut st);
    }
}

impl<M> Drop for Receiver<M> {
    fn drop(&mut self) {
        self.close();
        if self.shared.ring.is_some() {
            // A closed ring's `try_recv` also waits for what was claimed before the
            // close, so nothing is left in it.
            while self.try_recv().is_some() {}
        }
        let mut st = lock(&self.shared.state);
        st.receiver_gone = true;
        // Dropped outside the lock: a message's drop may run user code; the waker
        // keeps the last instance's task allocated.
        let queued = std::mem::take(&mut st.queue);
        let signals = std::mem::take(&mut st.signals);
        let waker = st.receiver_waker.take();
        drop(st);
        drop((queued, signals, waker));
    }
}

impl<M: Send> SignalLane for Shared<M> {
    fn push(&self, signal: Signal) -> bool {
        let mut st = lock(&self.state);
        if st.receiver_gone {
            return false;
        }
        st.signals.push_back(signal);
        self.signals_pending.store(true, Ordering::Release);
        if let Some(w) = &st.receiver_waker {
            w.wake_by_ref();
        }
        true
    }
}

#[cfg(test)]
mod tests;
