//! The cell: what outlives an actor's instances. Its id and name, the sending end of
//! its queue, its leased mailbox, its watchers and its exit.
//!
//! An [`ActorRef`](crate::ActorRef) is an `Arc` of the cell, so a reference taken
//! before a restart keeps working after it.

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use tokio::sync::watch;

use crate::actor::ExitReason;
use crate::dead_letters::DeadLetter;
use crate::id::ActorId;
use crate::mailbox::Mailbox;
use crate::metrics::Stats;
use crate::node::NodeInner;
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
    /// The mailbox while no instance holds it.
    mailbox: Mutex<Option<Mailbox<M>>>,
    state: Mutex<CellState>,
    exit: watch::Sender<Option<ExitReason>>,
    node: Weak<NodeInner>,
}

#[derive(Default)]
struct CellState {
    /// Set, with the reason, under the same lock as the watcher list: a watch that
    /// races the end sees either the live list or the final reason.
    ended: Option<ExitReason>,
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
        capacity: usize,
        timed: bool,
        pinned: Option<Pinned>,
    ) -> Arc<Self> {
        let spinning = pinned.is_some_and(|p| p.idle == Idle::Spin);
        let (tx, rx) = queue::channel(capacity, timed, spinning);
        let mailbox = Mailbox { rx, stats: Stats::new(timed), in_flight: None };
        Arc::new(Self {
            id,
            name,
            signals: tx.signals(),
            tx,
            pinned,
            mailbox: Mutex::new(Some(mailbox)),
            state: Mutex::new(CellState::default()),
            exit: watch::channel(None).0,
            node: Arc::downgrade(node),
        })
    }

    /// Leases the mailbox to a starting instance; `None` if another instance holds it
    /// or the actor has ended.
    pub(crate) fn lease_mailbox(&self) -> Option<Mailbox<M>> {
        if lock(&self.state).ended.is_some() {
            return None;
        }
        lock(&self.mailbox).take()
    }

    pub(crate) fn return_mailbox(&self, mailbox: Mailbox<M>) {
        *lock(&self.mailbox) = Some(mailbox);
    }

    /// Ends the actor for good: closes the mailbox and sends what is left in it to
    /// dead letters, frees its names, tells its watchers and its joiners. Idempotent;
    /// a mailbox handed in after the end (an aborted instance unwinding late) is still
    /// closed and dead-lettered.
    pub(crate) fn terminate(&self, reason: ExitReason, mailbox: Option<Mailbox<M>>) {
        let (first, watchers, names, reason) = {
            let mut st = lock(&self.state);
            match &st.ended {
                Some(earlier) => (false, Vec::new(), Vec::new(), earlier.clone()),
                None => {
                    st.ended = Some(reason.clone());
                    st.abort = None;
                    let watchers = std::mem::take(&mut st.watchers);
                    st.told.extend(watchers.iter().map(|w| w.id));
                    (true, watchers, std::mem::take(&mut st.names), reason)
                }
            }
        };
        let node = self.node.upgrade();
        if let Some(mut mb) = mailbox.or_else(|| lock(&self.mailbox).take()) {
            mb.rx.close();
            while let Some(msg) = mb.rx.try_recv() {
                if let Some(node) = &node {
                    node.dead_letters.push(DeadLetter {
                        recipient: self.id,
                        recipient_name: self.name.clone(),
                        message_type: std::any::type_name::<M>(),
                        seq: None,
                        message: Some(Box::new(msg)),
                        reason: format!("actor ended ({reason}) before handling it"),
                    });
                }
            }
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
    /// Sends a signal; false if no instance will ever read it.
    fn signal(&self, signal: Signal) -> bool;
    /// Aborts the running instance at its next await point.
    fn abort(&self);
    fn exit_rx(&self) -> watch::Receiver<Option<ExitReason>>;
    fn terminate_idle(&self, reason: ExitReason);
}

impl<M: Send + 'static> AnyCell for Cell<M> {
    fn id(&self) -> ActorId {
        self.id
    }
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
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
    fn terminate_idle(&self, reason: ExitReason) {
        self.terminate(reason, None);
    }
}
