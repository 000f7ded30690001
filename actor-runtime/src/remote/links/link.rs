//! A link: everything this node keeps about one peer node, across the connections
//! that come and go under it. Its outbound queue, its state, the asks waiting for a
//! reply through it, the actors watching through it, and its figures.
//!
//! A link outlives its connections: while it is down, sends still queue (up to the
//! outbound bound) and go out when a connection is installed again. A peer gone for
//! longer than the linger is forgotten ([`Link::forget_peer`]); a link nobody holds
//! is then reclaimed by the node (see `net`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::outbox::Outbox;
use crate::actor::ExitReason;
use crate::cell::lock;
use crate::id::ActorId;
use crate::remote::api::held::Held;
use crate::remote::config::Transport;
use crate::watch::{Terminated, Watcher};

/// Where a link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// No connection yet, or between two connections: sends queue.
    Down,
    /// A connection is installed and carries frames.
    Up(Transport),
    /// The node shut down; the link is gone for good.
    Closed,
}

/// A link's figures, as returned by [`Node::link_metrics`](crate::Node::link_metrics).
#[derive(Clone)]
pub struct LinkMetrics {
    /// The peer node.
    pub peer: String,
    /// Where the link stands now.
    pub state: LinkState,
    /// Frames written (resent ones included).
    pub frames_out: u64,
    /// Bytes written, headers and padding included.
    pub bytes_out: u64,
    /// Frames read.
    pub frames_in: u64,
    /// Bytes read.
    pub bytes_in: u64,
    /// Connections installed after the first.
    pub reconnects: u64,
    /// Times the link was declared lost.
    pub losses: u64,
    /// Data frames written again on a new connection because the peer had not
    /// acknowledged them.
    pub resent: u64,
    /// Data frames received twice and dropped (should stay 0: a resume resends only
    /// what the peer lacks).
    pub duplicates: u64,
    /// Connections closed because a data frame skipped a sequence number: never
    /// accepted, the link resumed from its last contiguous frame instead.
    pub gaps: u64,
    /// Connections closed because a frame failed authentication: outside a seal, a
    /// seal out of order, or a tag that does not match.
    pub auth_failures: u64,
    /// Connections closed because the peer's acknowledgements or resume made no
    /// sense (acknowledging frames never written, resuming behind what it had
    /// acknowledged, a second resume).
    pub protocol_errors: u64,
    /// Unacknowledged frames given up because the peer restarted (a new process
    /// never saw them); the senders' own retries must cover these.
    pub dropped_for_restart: u64,
    /// Frames given up because the peer was gone past the linger
    /// (`RemoteConfig::link_linger`): retained ones, and queued ones too when the
    /// link was reclaimed.
    pub dropped_at_linger: u64,
    /// Data frames waiting in the outbound queue.
    pub queued: usize,
    /// Bytes the outbound side holds: queued, and written but not yet acknowledged.
    pub held_bytes: usize,
    /// Frames from the peer held for names reserved but not exposed yet
    /// ([`Node::reserve`](crate::Node::reserve)).
    pub held_for_reserved: usize,
    /// Heartbeat round trips, in nanoseconds.
    pub rtt_ns: Histogram<u64>,
}

impl std::fmt::Debug for LinkMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkMetrics")
            .field("peer", &self.peer)
            .field("state", &self.state)
            .field("frames_out", &self.frames_out)
            .field("bytes_out", &self.bytes_out)
            .field("frames_in", &self.frames_in)
            .field("bytes_in", &self.bytes_in)
            .field("reconnects", &self.reconnects)
            .field("losses", &self.losses)
            .field("resent", &self.resent)
            .field("duplicates", &self.duplicates)
            .field("gaps", &self.gaps)
            .field("auth_failures", &self.auth_failures)
            .field("protocol_errors", &self.protocol_errors)
            .field("dropped_for_restart", &self.dropped_for_restart)
            .field("dropped_at_linger", &self.dropped_at_linger)
            .field("queued", &self.queued)
            .field("held_bytes", &self.held_bytes)
            .field("held_for_reserved", &self.held_for_reserved)
            .field("rtt_samples", &self.rtt_ns.len())
            .field("rtt_p50_ns", &self.rtt_ns.value_at_quantile(0.5))
            .finish()
    }
}

/// A reply awaited by an asker on this node: completes with the reply frame's
/// payload, or with why none will come.
pub(crate) type PendingReply = Box<dyn FnOnce(Result<&[u8], ReplyFailure>) + Send>;

/// Why an awaited reply will not come.
#[derive(Debug, Clone)]
pub(crate) enum ReplyFailure {
    /// The handler dropped the reply port without answering.
    Dropped,
    /// The peer answered with an error (unknown target, undecodable request).
    Remote(String),
    /// The answer will never come: the peer restarted, was gone past the linger, or
    /// this node shut down.
    LinkLost,
}

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) frames_in: AtomicU64,
    pub(crate) bytes_in: AtomicU64,
    pub(crate) connections: AtomicU64,
    pub(crate) losses: AtomicU64,
    pub(crate) resent: AtomicU64,
    pub(crate) duplicates: AtomicU64,
    pub(crate) gaps: AtomicU64,
    pub(crate) auth_failures: AtomicU64,
    pub(crate) protocol_errors: AtomicU64,
    pub(crate) dropped_for_restart: AtomicU64,
    pub(crate) dropped_at_linger: AtomicU64,
}

/// The connection a link currently writes to.
pub(crate) struct Slot {
    pub(crate) id: u64,
    /// The node that opened the connection.
    pub(crate) initiator: String,
    pub(crate) transport: Transport,
    /// Cancelled to end the connection at once (reader and writer): when the node
    /// stops, the connection fails, or a newer one replaces it.
    pub(crate) kill: CancellationToken,
    /// Turns true once the connection's reader and writer have both stopped.
    pub(crate) finished: watch::Receiver<bool>,
    /// Set when a newer connection ends this one: its end is then no loss.
    pub(crate) replaced: Arc<AtomicBool>,
}

/// How a link's end is logged: a peer's Close or this node stopping is orderly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Severity {
    Info,
    Warn,
}

pub(crate) struct Link {
    pub(crate) peer: String,
    /// This side's incarnation on this link: random (odd, never 0) when the link is
    /// made, drawn again when it forgets its peer, so that the peer then sees a new
    /// process and expects nothing from before.
    incarnation: AtomicU64,
    conn: Mutex<Option<Slot>>,
    /// When the link went down, and whether its peer has been forgotten since:
    /// `None` while it is up.
    down: Mutex<Option<(Instant, bool)>>,
    /// Set while this node's dialer is connecting to the peer.
    pub(crate) dialing: AtomicBool,
    /// Set once a dialer keeps this link up (one per link).
    pub(crate) has_dialer: AtomicBool,
    /// The peer's incarnation (random at its start; 0 before the first connection).
    pub(crate) peer_incarnation: AtomicU64,
    /// The last data frame received in order from that incarnation; 0 when none, in
    /// which case the next one received starts the count.
    pub(crate) last_in: AtomicU64,
    pub(crate) outbox: Outbox,
    /// Frames from the peer held for names reserved but not exposed yet.
    pub(crate) held: Held,
    state: watch::Sender<LinkState>,
    pending: Mutex<HashMap<u64, PendingReply>>,
    next_correlation: AtomicU64,
    watchers: Mutex<Vec<(Watcher, String)>>,
    pub(crate) counters: Counters,
    /// Made at the first sample (30 KiB: a link that never measures a round trip,
    /// or has forgotten its peer, holds none).
    rtt: Mutex<Option<Histogram<u64>>>,
    /// Origin of heartbeat timestamps (monotonic, this node only).
    epoch: Instant,
}

impl Link {
    pub(crate) fn new(peer: String, outbox: Outbox) -> Self {
        Self {
            peer,
            incarnation: AtomicU64::new(new_incarnation()),
            conn: Mutex::new(None),
            down: Mutex::new(Some((Instant::now(), false))),
            dialing: AtomicBool::new(false),
            has_dialer: AtomicBool::new(false),
            peer_incarnation: AtomicU64::new(0),
            last_in: AtomicU64::new(0),
            outbox,
            held: Held::default(),
            state: watch::channel(LinkState::Down).0,
            pending: Mutex::new(HashMap::new()),
            next_correlation: AtomicU64::new(1),
            watchers: Mutex::new(Vec::new()),
            counters: Counters::default(),
            rtt: Mutex::new(None),
            epoch: Instant::now(),
        }
    }

    pub(crate) fn state(&self) -> LinkState {
        *self.state.borrow()
    }

    pub(crate) fn state_rx(&self) -> watch::Receiver<LinkState> {
        self.state.subscribe()
    }

    /// This side's incarnation on this link.
    pub(crate) fn incarnation(&self) -> u64 {
        self.incarnation.load(Ordering::Acquire)
    }

    pub(crate) fn set_state(&self, state: LinkState) {
        {
            let mut down = lock(&self.down);
            match state {
                LinkState::Up(_) => *down = None,
                _ if down.is_none() => *down = Some((Instant::now(), false)),
                _ => {}
            }
        }
        self.state.send_if_modified(|s| {
            // Closed is final.
            if *s == state || *s == LinkState::Closed {
                return false;
            }
            *s = state;
            true
        });
    }

    /// Makes `slot` the link's connection, unless the link already has one opened by
    /// the other side and that side's name is smaller: when two nodes connect to each
    /// other at once, both keep the connection the smaller name opened, so they end up
    /// with the same one. A replaced connection is ended. (Both sides end the
    /// connection they replace before resuming, see `end_current`, so this happens
    /// only when two connections of one link open at once; the peer resends what it
    /// had not had acknowledged either way.) False if `slot` lost.
    pub(crate) fn install(&self, slot: Slot) -> bool {
        let mut conn = lock(&self.conn);
        if let Some(current) = conn.as_ref() {
            if current.initiator != slot.initiator && slot.initiator > current.initiator {
                return false;
            }
            current.replaced.store(true, Ordering::Release);
            current.kill.cancel();
        }
        let transport = slot.transport;
        *conn = Some(slot);
        self.counters.connections.fetch_add(1, Ordering::Relaxed);
        self.set_state(LinkState::Up(transport));
        true
    }

    /// Ends the current connection, if any, and waits until its reader and writer
    /// have stopped, so that a new connection resumes from settled counts (what was
    /// received, what is retained) and never reads alongside an old one.
    pub(crate) async fn end_current(&self) {
        let current = lock(&self.conn).as_ref().map(|c| {
            c.replaced.store(true, Ordering::Release);
            (c.kill.clone(), c.finished.clone())
        });
        if let Some((kill, mut finished)) = current {
            kill.cancel();
            let _ = finished.wait_for(|done| *done).await;
        }
    }

    /// Removes connection `id` if it is still the link's, marking the link down.
    /// Returns whether it was.
    pub(crate) fn uninstall(&self, id: u64) -> bool {
        let mut conn = lock(&self.conn);
        if conn.as_ref().is_some_and(|c| c.id == id) {
            *conn = None;
            self.set_state(LinkState::Down);
            return true;
        }
        false
    }

    /// Whether this node, named `me`, should refuse a connection the peer opened:
    /// when both nodes connect at once, the one the smaller name opened is kept, so
    /// the smaller name refuses the peer's while its own is being dialed or is up.
    /// The peer waits for this verdict before it sends anything on the connection.
    pub(crate) fn refuses_incoming(&self, me: &str) -> bool {
        if me >= self.peer.as_str() {
            return false;
        }
        self.dialing.load(Ordering::Acquire)
            || lock(&self.conn).as_ref().is_some_and(|c| c.initiator == me)
    }

    /// The transport of the current connection, if any.
    pub(crate) fn transport(&self) -> Option<Transport> {
        lock(&self.conn).as_ref().map(|c| c.transport)
    }

    /// A fresh correlation id for an ask.
    pub(crate) fn next_correlation(&self) -> u64 {
        self.next_correlation.fetch_add(1, Ordering::Relaxed)
    }

    /// Registers how to complete the ask `id` when its reply (or its failure) comes.
    pub(crate) fn register_reply_at(&self, id: u64, complete: PendingReply) {
        lock(&self.pending).insert(id, complete);
    }

    /// Forgets an ask that gave up (timed out or was not sent).
    pub(crate) fn forget_reply(&self, id: u64) {
        lock(&self.pending).remove(&id);
    }

    /// Completes the ask `id` with `result`; false if nobody waits for it (it timed
    /// out, or the peer invented the id).
    pub(crate) fn complete_reply(&self, id: u64, result: Result<&[u8], ReplyFailure>) -> bool {
        let Some(complete) = lock(&self.pending).remove(&id) else {
            return false;
        };
        complete(result);
        true
    }

    /// Adds a watcher of `name` on the peer: told once, when the link is lost; at
    /// once if the link is not up now (as Erlang tells a monitor of a node it is not
    /// connected to).
    pub(crate) fn add_watcher(&self, watcher: Watcher, name: String) {
        let mut watchers = lock(&self.watchers);
        if !matches!(self.state(), LinkState::Up(_)) {
            drop(watchers);
            watcher.notify(self.terminated(&name, self.unreachable("the link is down")));
            return;
        }
        if !watchers.iter().any(|(w, n)| w.id == watcher.id && *n == name) {
            watchers.push((watcher, name));
        }
    }

    fn terminated(&self, name: &str, reason: ExitReason) -> Terminated {
        Terminated { id: ActorId(0), name: Some(format!("{name}@{}", self.peer)), reason }
    }

    pub(crate) fn unreachable(&self, why: &str) -> ExitReason {
        ExitReason::Unreachable(format!("link to {}: {why}", self.peer))
    }

    pub(crate) fn remove_watcher(&self, watcher: ActorId, name: &str) {
        lock(&self.watchers).retain(|(w, n)| !(w.id == watcher && n == name));
    }

    /// Declares the link lost: every watcher through it is told
    /// `Terminated(Unreachable)` once and forgotten. Pending asks keep waiting: if
    /// the same peer process comes back, the link resumes and their requests and
    /// answers are delivered (they fail when the peer turns out to have restarted,
    /// see [`fail_pending`](Self::fail_pending), or at their own timeout).
    pub(crate) fn declare_lost(&self, why: &str, severity: Severity) {
        self.counters.losses.fetch_add(1, Ordering::Relaxed);
        match severity {
            Severity::Info => tracing::info!(peer = %self.peer, why, "link closed"),
            Severity::Warn => tracing::warn!(peer = %self.peer, why, "link lost"),
        }
        self.tell_watchers(self.unreachable(&format!("lost: {why}")));
    }

    /// The peer said Close: it shut down in order, stopping its actors. Every
    /// watcher through the link is told `Terminated(Stopped)` once and forgotten;
    /// otherwise as [`declare_lost`](Self::declare_lost) (pending asks keep waiting
    /// for a peer that comes back).
    pub(crate) fn declare_closed_by_peer(&self) {
        self.counters.losses.fetch_add(1, Ordering::Relaxed);
        tracing::info!(peer = %self.peer, "link closed: the peer shut down");
        self.tell_watchers(ExitReason::Stopped);
    }

    /// Tells every watcher through the link, once, and forgets them.
    pub(crate) fn tell_watchers(&self, reason: ExitReason) {
        let watchers = std::mem::take(&mut *lock(&self.watchers));
        for (w, name) in watchers {
            w.notify(self.terminated(&name, reason.clone()));
        }
    }

    /// How long the link has been down with its peer not yet forgotten; `None`
    /// while up or once forgotten.
    pub(crate) fn down_unforgotten(&self) -> Option<Duration> {
        match *lock(&self.down) {
            Some((since, false)) => Some(since.elapsed()),
            _ => None,
        }
    }

    /// Whether the link is down and its peer forgotten ([`forget_peer`](Self::forget_peer)).
    pub(crate) fn is_forgotten(&self) -> bool {
        matches!(*lock(&self.down), Some((_, true)))
    }

    /// How long the link has been down (`None` while up).
    pub(crate) fn down_for(&self) -> Option<Duration> {
        lock(&self.down).map(|(since, _)| since.elapsed())
    }

    /// The peer has been gone past the linger: its pending asks fail and its
    /// watchers are told, what was written to it and not acknowledged is given up,
    /// and the link forgets it, taking a new incarnation of its own. Should the same
    /// peer come back, both sides start afresh, as after a restart: frames still
    /// queued go out, numbered from 1.
    pub(crate) fn forget_peer(&self, why: &str) {
        if let Some((_, forgotten)) = lock(&self.down).as_mut() {
            *forgotten = true;
        }
        self.incarnation.store(new_incarnation(), Ordering::Release);
        self.peer_incarnation.store(0, Ordering::Release);
        self.last_in.store(0, Ordering::Release);
        let dropped = self.outbox.restart_numbering();
        self.counters.dropped_at_linger.fetch_add(dropped, Ordering::Relaxed);
        *lock(&self.rtt) = None;
        self.fail_pending(why);
        self.tell_watchers(self.unreachable(why));
    }

    /// Fails every pending ask with `LinkLost`: their answers will never come (the
    /// peer restarted or is gone, or this node shuts down).
    pub(crate) fn fail_pending(&self, why: &str) {
        let pending: Vec<_> = lock(&self.pending).drain().collect();
        if !pending.is_empty() {
            tracing::warn!(peer = %self.peer, asks = pending.len(), why, "pending asks failed");
        }
        for (_, complete) in pending {
            complete(Err(ReplyFailure::LinkLost));
        }
    }

    pub(crate) fn record_rtt(&self, rtt: Duration) {
        let ns = u64::try_from(rtt.as_nanos()).unwrap_or(u64::MAX).max(1);
        let _ = lock(&self.rtt).get_or_insert_with(crate::metrics::new_histogram).record(ns);
    }

    /// Nanoseconds since the link's epoch: heartbeat stamps.
    pub(crate) fn now_ns(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    pub(crate) fn metrics(&self) -> LinkMetrics {
        let c = &self.counters;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        LinkMetrics {
            peer: self.peer.clone(),
            state: self.state(),
            frames_out: self.outbox.written().0,
            bytes_out: self.outbox.written().1,
            frames_in: load(&c.frames_in),
            bytes_in: load(&c.bytes_in),
            reconnects: load(&c.connections).saturating_sub(1),
            losses: load(&c.losses),
            resent: load(&c.resent),
            duplicates: load(&c.duplicates),
            gaps: load(&c.gaps),
            auth_failures: load(&c.auth_failures),
            protocol_errors: load(&c.protocol_errors),
            dropped_for_restart: load(&c.dropped_for_restart),
            dropped_at_linger: load(&c.dropped_at_linger),
            queued: self.outbox.queued(),
            held_bytes: self.outbox.held_bytes(),
            held_for_reserved: self.held.len(),
            rtt_ns: lock(&self.rtt).clone().unwrap_or_else(crate::metrics::new_histogram),
        }
    }
}

/// A fresh incarnation: random and odd, so never 0 (which means "unknown").
fn new_incarnation() -> u64 {
    rand::random::<u64>() | 1
}
