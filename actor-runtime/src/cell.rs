//! The cell: what outlives an actor's instances. Its id and name, the sending end of
//! its queue, its leased mailbox, its watchers and its exit.
//!
//! An [`ActorRef`](crate::ActorRef) is an `Arc` of the cell, so a reference taken
//! before a restart keeps working after it.

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use tokio::sync::watch;

use crate::actor::ExitReason;
use crate::dead_letters::{DeadLetter, DeadLetterCause};
use crate::id::ActorId;
use crate::mailbox::Mailbox;
use crate::metrics::Stats;
use crate::node::{NodeInner, SpawnOptions};
use crate::pinned::{Aborter, Idle, Pinned};
use crate::queue;
use crate::signal::{Signal, SignalTx};
use crate::watch::{Terminated, Watcher};

pub(crate) struct Cell<M> {
    pub(crate) id: ActorId,
    pub(crate) name: Option<String>,
    pub(crate) tx: queue::Sender<M>,
    pub(crate) signals: SignalTx,
    /// Run instances on a pinned, busy-polling thread instead of a Tokio task.
    pub(crate) pinned: Option<Pinned>,
    /// A supervisor runs this actor's instances and decides when it ends.
    supervised: bool,
    state: Mutex<CellState<M>>,
    exit: watch::Sender<Option<ExitReason>>,
    /// The position (see [`queue::Sender::try_send`]) from which no queued message
    /// will ever be handled: they went, or go, to dead letters. `u64::MAX` until the
    /// actor ends; lowered, never raised. An ask whose request is at or past it fails
    /// at once.
    unserved: watch::Sender<u64>,
    node: Weak<NodeInner>,
}

struct CellState<M> {
    /// Set, with the reason, under the same lock as the watcher list: a watch that
    /// races the end sees either the live list or the final reason.
    ended: Option<ExitReason>,
    /// The mailbox while no instance holds it; under the same lock as `ended`, so a
    /// mailbox handed back races the end in one order or the other, never lost.
    mailbox: Option<Mailbox<M>>,
    watchers: Vec<Watcher>,
    /// Watchers already told of the end, so watching again does not tell them twice.
    told: Vec<ActorId>,
    names: Vec<String>,
    abort: Option<Aborter>,
}

/// Locks a mutex that guards plain bookkeeping; no code panics while holding these, so
/// a poisoned lock still holds consistent data.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<M: Send + 'static> Cell<M> {
    pub(crate) fn new(
        node: &Arc<NodeInner>,
        id: ActorId,
        name: Option<String>,
        options: &SpawnOptions,
        supervised: bool,
    ) -> Arc<Self> {
        let spinning = options.pinned.is_some_and(|p| p.idle == Idle::Spin);
        let (tx, rx) = queue::channel(options.capacity, options.timing, spinning);
        let mailbox = Mailbox { rx, stats: Stats::new(options.timing), in_flight: None };
        Arc::new(Self {
            id,
            name,
            signals: tx.signals(),
            tx,
            pinned: options.pinned,
            supervised,
            state: Mutex::new(CellState {
                ended: None,
                mailbox: Some(mailbox),
                watchers: Vec::new(),
                told: Vec::new(),
                names: Vec::new(),
                abort: None,
            }),
            exit: watch::channel(None).0,
            unserved: watch::channel(u64::MAX).0,
            node: Arc::downgrade(node),
        })
    }

    /// Leases the mailbox to a starting instance; `None` if another instance holds it
    /// or the actor has ended.
    pub(crate) fn lease_mailbox(&self) -> Option<Mailbox<M>> {
        let mut st = lock(&self.state);
        if st.ended.is_some() {
            return None;
        }
        st.mailbox.take()
    }

    /// Puts the mailbox back for a next instance, unless the actor has ended: then it
    /// is handed back, for [`terminate`](Self::terminate) to empty.
    pub(crate) fn return_mailbox(&self, mailbox: Mailbox<M>) -> Option<Mailbox<M>> {
        let mut st = lock(&self.state);
        if st.ended.is_some() {
            return Some(mailbox);
        }
        st.mailbox = Some(mailbox);
        None
    }

    /// Ends the actor for good: closes its queue and sends what is queued to dead
    /// letters, frees its names, tells its watchers and its joiners. Idempotent.
    ///
    /// Whoever ends it, the queue is emptied exactly once. With the mailbox at hand
    /// (given, or back in the cell) it is drained whole. If an instance still holds it
    /// (an aborted one that has not unwound, or one stuck in a handler that never
    /// yields), the queue is closed from the sending side, the instance is told to
    /// handle nothing more (an `Abort` it sees before its next message), and what it has
    /// not taken yet goes to dead letters now; what it had taken goes there when it
    /// lets go of the mailbox and this is called again with it.
    pub(crate) fn terminate(&self, reason: ExitReason, mailbox: Option<Mailbox<M>>) {
        let (first, watchers, names, reason, mailbox) = {
            let mut st = lock(&self.state);
            match &st.ended {
                Some(earlier) => (false, Vec::new(), Vec::new(), earlier.clone(), mailbox),
                None => {
                    st.ended = Some(reason.clone());
                    st.abort = None;
                    let watchers = std::mem::take(&mut st.watchers);
                    st.told.extend(watchers.iter().map(|w| w.id));
                    let mailbox = mailbox.or_else(|| st.mailbox.take());
                    (true, watchers, std::mem::take(&mut st.names), reason, mailbox)
                }
            }
        };
        let node = self.node.upgrade();
        let dead_letter = |msg: M| {
            if let Some(node) = &node {
                node.dead_letters.push(DeadLetter {
                    recipient: self.id,
                    recipient_name: self.name.clone(),
                    message_type: std::any::type_name::<M>(),
                    seq: None,
                    message: Some(Box::new(msg)),
                    reason: format!("actor ended ({reason}) before handling it"),
                    cause: DeadLetterCause::ActorEnded,
                });
            }
        };
        match mailbox {
            Some(mut mb) => {
                mb.rx.close();
                let from = mb.rx.handed_out() + 1;
                while let Some(msg) = mb.rx.try_recv() {
                    dead_letter(msg);
                }
                self.declare_unserved(from);
            }
            None if first => {
                self.tx.close();
                self.signals.send(Signal::Abort);
                if let Some((from, msgs)) = self.tx.take_queued() {
                    msgs.into_iter().for_each(dead_letter);
                    self.declare_unserved(from);
                }
            }
            None => {}
        }
        if !first {
            return;
        }
        if let Some(node) = &node {
            for name in &names {
                node.registry.remove_if(name, self.id);
            }
            node.forget(self.id);
        }
        match &reason {
            ExitReason::Panicked(_) | ExitReason::Failed(_) => {
                tracing::warn!(actor = %self.id, name = ?self.name, %reason, "actor ended")
            }
            _ => tracing::debug!(actor = %self.id, name = ?self.name, %reason, "actor ended"),
        }
        for w in watchers {
            w.notify(Terminated { id: self.id, name: self.name.clone(), reason: reason.clone() });
        }
        self.exit.send_replace(Some(reason));
    }

    /// No message at `from` or later will be handled: wakes the asks waiting on one.
    fn declare_unserved(&self, from: u64) {
        self.unserved.send_if_modified(|unserved| {
            let lower = from < *unserved;
            if lower {
                *unserved = from;
            }
            lower
        });
    }

    /// Whether the message at `position` will never be handled (it is, or is about
    /// to be, in dead letters).
    pub(crate) fn is_unserved(&self, position: u64) -> bool {
        position >= *self.unserved.borrow()
    }

    /// Watches [`is_unserved`](Self::is_unserved) change.
    pub(crate) fn unserved_rx(&self) -> watch::Receiver<u64> {
        self.unserved.subscribe()
    }
}

impl<M> Cell<M> {
    pub(crate) fn note_registered(&self, name: &str) {
        lock(&self.state).names.push(name.to_owned());
    }

    /// Adds a watcher, or tells it at once if the actor has already ended (once per
    /// watcher, however often it watches).
    pub(crate) fn add_watcher(&self, watcher: Watcher) {
        let mut st = lock(&self.state);
        match st.ended.clone() {
            Some(reason) => {
                if st.told.contains(&watcher.id) {
                    return;
                }
                st.told.push(watcher.id);
                drop(st);
                watcher.notify(Terminated { id: self.id, name: self.name.clone(), reason });
            }
            None => {
                if !st.watchers.iter().any(|w| w.id == watcher.id) {
                    st.watchers.push(watcher);
                }
            }
        }
    }

    pub(crate) fn remove_watcher(&self, watcher: ActorId) {
        lock(&self.state).watchers.retain(|w| w.id != watcher);
    }

    pub(crate) fn set_abort(&self, handle: Aborter) {
        let mut st = lock(&self.state);
        if st.ended.is_none() {
            st.abort = Some(handle);
        }
    }
}

/// What the node and supervisors need of a cell, whatever its message type.
pub(crate) trait AnyCell: Send + Sync {
    fn id(&self) -> ActorId;
    fn name(&self) -> Option<&str>;
    /// The type of the messages it takes.
    fn message_type(&self) -> &'static str;
    /// Sends a signal; false if no instance will ever read it.
    fn signal(&self, signal: Signal) -> bool;
    /// Aborts the running instance at its next await point.
    fn abort(&self);
    fn exit_rx(&self) -> watch::Receiver<Option<ExitReason>>;
    /// Ends the actor for good, whether or not an instance still runs: see
    /// [`Cell::terminate`].
    fn end(&self, reason: ExitReason);
    /// Whether a supervisor runs this actor.
    fn is_supervised(&self) -> bool;
    /// Refuses sends for now, keeping what is queued: no instance can serve them.
    fn close_to_senders(&self);
    /// Takes sends again after [`close_to_senders`](Self::close_to_senders).
    fn reopen(&self);
}

impl<M: Send + 'static> AnyCell for Cell<M> {
    fn id(&self) -> ActorId {
        self.id
    }
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    fn message_type(&self) -> &'static str {
        std::any::type_name::<M>()
    }
    fn signal(&self, signal: Signal) -> bool {
        self.signals.send(signal)
    }
    fn abort(&self) {
        if let Some(aborter) = &lock(&self.state).abort {
            aborter.abort();
        }
    }
    fn exit_rx(&self) -> watch::Receiver<Option<ExitReason>> {
        self.exit.subscribe()
    }
    fn end(&self, reason: ExitReason) {
        self.terminate(reason, None);
    }
    fn is_supervised(&self) -> bool {
        self.supervised
    }
    fn close_to_senders(&self) {
        self.tx.close();
    }
    fn reopen(&self) {
        self.tx.reopen();
    }
}
