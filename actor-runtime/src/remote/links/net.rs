//! A node's remote side: its listeners, its dialers and its links, one per peer,
//! and the housekeeping that forgets peers gone past the linger and reclaims the
//! links nobody refers to any more.
//!
//! # Connecting
//! A node dials the peers it is told of ([`Node::connect`](crate::Node::connect),
//! see `dial`) and accepts whoever dials it and passes admission and the handshake
//! (see `accept`). A dialer keeps its peer's link up: whenever the link is down it
//! dials again, with exponential backoff, so nodes may start in any order. Two nodes
//! that dial each other at once end up with one connection (see [`Link::install`]).
//!
//! # Reclaiming
//! A link whose peer has been gone for the linger forgets it
//! ([`Link::forget_peer`]); once nothing but the link table refers to it (no
//! dialer, no remote ref, no connection being opened), it is removed with all it
//! held. At the bound on links, the one down the longest that nobody refers to makes
//! room for a new peer at once.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use dashmap::DashMap;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::accept::{accept_loop, Listener};
use super::admission::Admission;
use super::dial::dial_loop;
use super::link::{Link, LinkState};
use super::outbox::Outbox;
use super::refusals::{Refusals, LOG_INTERVAL};
use super::unix;
use crate::dead_letters::{DeadLetter, DeadLetterCause};
use crate::id::ActorId;
use crate::node::NodeInner;
use crate::remote::api::dispatch::refuse_held;
use crate::remote::api::exposed::Exposed;
use crate::remote::config::{PeerAddr, RemoteConfig};

pub(crate) struct Net {
    pub(crate) node_name: String,
    pub(crate) config: RemoteConfig,
    links: DashMap<String, Arc<Link>>,
    pub(crate) exposed: Arc<Exposed>,
    /// Cancelled when the node shuts down: listeners, dialers and connections end.
    pub(crate) token: CancellationToken,
    /// Cancelled first at shutdown: no new connection is accepted or dialed while
    /// the links flush.
    pub(crate) listening: CancellationToken,
    pub(crate) admission: Arc<Admission>,
    pub(crate) refusals: Refusals,
    pub(crate) unix_path: Option<PathBuf>,
    /// The socket file this node bound, to remove at shutdown if it is still there.
    unix_file: Option<(PathBuf, (u64, u64))>,
    pub(crate) tcp_addr: Option<std::net::SocketAddr>,
    next_conn: AtomicU64,
    node: Weak<NodeInner>,
    pub(crate) counters: NetCounters,
}

#[derive(Default)]
pub(crate) struct NetCounters {
    pub(crate) links_reclaimed: AtomicU64,
    pub(crate) links_refused: AtomicU64,
    pub(crate) peers_refused: AtomicU64,
}

/// A node's remote figures, as returned by
/// [`Node::remote_metrics`](crate::Node::remote_metrics): its links and its
/// admission of new connections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteMetrics {
    /// Links kept now, up or down.
    pub links_live: usize,
    /// Links removed because their peer was gone past the linger (or to make room
    /// for a new peer at the bound on links), with everything they held.
    pub links_reclaimed: u64,
    /// Peers that passed the handshake but were refused because the node held its
    /// bound on links and none could be reclaimed.
    pub links_refused: u64,
    /// Bytes all links' outbound sides hold: queued, and written but not yet
    /// acknowledged.
    pub held_bytes: usize,
    /// Handshakes in progress now.
    pub handshakes_pending: usize,
    /// Handshakes that succeeded.
    pub handshakes_completed: u64,
    /// Handshakes that failed: wrong secret, another version, garbage, too slow, or
    /// the peer went away.
    pub handshakes_failed: u64,
    /// Pending handshakes dropped to make room for newer connections.
    pub handshakes_evicted: u64,
    /// Unix socket connections refused before any byte was read: the process on
    /// the other end runs as a user that is not allowed (`RemoteConfig::unix_peers`).
    pub peers_refused: u64,
    /// Incoming connections refused or dropped before they became a link, by why
    /// (`"wrong secret"`, `"another protocol version"`, `"handshake too slow"`,
    /// `"evicted for a newer connection"`, ...: a short fixed list), since the start.
    pub refusals: BTreeMap<&'static str, u64>,
}

/// Why the remote side could not start, or a call to it failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError {
    /// `start_remote` was already called on this node.
    #[error("the remote side of this node is already started")]
    AlreadyStarted,
    /// The node has no remote side: call `Node::start_remote` first.
    #[error("the remote side of this node is not started")]
    NotStarted,
    /// The node's name or secret cannot be used in a handshake.
    #[error("invalid remote configuration: {0}")]
    InvalidConfig(&'static str),
    /// A listener could not be bound.
    #[error("cannot listen on {what}: {source}")]
    Listen {
        /// The address or path.
        what: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The Unix socket's directory is not private to this node's user: whoever else
    /// can write to it can put a socket of their own at the path.
    #[error(
        "refusing to listen in {dir:?}: {why} (owner uid {owner}, mode {mode:04o}); \
         use a directory of this user's with mode 0700"
    )]
    UnsafeSocketDir {
        /// The directory.
        dir: PathBuf,
        /// Its owner's uid.
        owner: u32,
        /// Its permission bits.
        mode: u32,
        /// What is wrong with it.
        why: &'static str,
    },
    /// Something other than a socket is at the Unix socket's path: it is left alone.
    #[error("refusing to listen at {path:?}: {found} is there, not a stale socket; left alone")]
    NotASocket {
        /// The path.
        path: PathBuf,
        /// What is there.
        found: &'static str,
    },
    /// A peer has neither a usable Unix socket path nor a TCP address.
    #[error("peer {0:?} has no address")]
    NoAddress(String),
    /// `connect` was already called for this peer: its dialer keeps the link up.
    #[error("already connecting to {0:?}")]
    AlreadyConnecting(String),
    /// The name is already exposed by another live actor, or collides with one.
    #[error("cannot expose {name:?}: {why}")]
    Expose {
        /// The name.
        name: String,
        /// Why.
        why: String,
    },
}

impl Net {
    /// Binds the listeners and starts accepting.
    pub(crate) async fn start(
        node_name: &str,
        config: RemoteConfig,
        token: CancellationToken,
        node: &Arc<NodeInner>,
    ) -> Result<Arc<Self>, RemoteError> {
        if node_name.is_empty() || node_name.len() > crate::remote::codec::handshake::MAX_NAME_LEN {
            return Err(RemoteError::InvalidConfig("node name must be 1 to 255 bytes"));
        }
        if config.secret.is_empty() {
            return Err(RemoteError::InvalidConfig("empty secret"));
        }
        let unix = match &config.unix {
            Some(path) => Some(unix::bind(path)?),
            None => None,
        };
        let tcp = match config.tcp {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|source| RemoteError::Listen { what: addr.to_string(), source })?,
            ),
            None => None,
        };
        let tcp_addr = tcp.as_ref().and_then(|l| l.local_addr().ok());
        let net = Arc::new(Self {
            node_name: node_name.to_owned(),
            unix_path: config.unix.clone(),
            unix_file: unix.as_ref().map(unix::Bound::file),
            tcp_addr,
            admission: Arc::new(Admission::new(
                config.max_pending_handshakes,
                config.max_pending_per_source,
            )),
            config,
            links: DashMap::new(),
            exposed: node.exposed.clone(),
            listening: token.child_token(),
            token,
            refusals: Refusals::default(),
            next_conn: AtomicU64::new(1),
            node: Arc::downgrade(node),
            counters: NetCounters::default(),
        });
        if let Some(bound) = unix {
            tokio::spawn(accept_loop(net.clone(), Listener::Unix(bound.listener)));
        }
        if let Some(listener) = tcp {
            tokio::spawn(accept_loop(net.clone(), Listener::Tcp(listener)));
        }
        tokio::spawn(housekeeping(net.clone()));
        tracing::info!(node = %net.node_name, unix = ?net.unix_path, tcp = ?net.tcp_addr, "listening");
        Ok(net)
    }

    pub(crate) fn next_conn_id(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    /// The link to `peer`, made (down) if there is none yet.
    pub(crate) fn link(&self, peer: &str) -> Arc<Link> {
        self.links
            .entry(peer.to_owned())
            .or_insert_with(|| {
                let c = &self.config;
                Arc::new(Link::new(
                    peer.to_owned(),
                    Outbox::new(c.outbound_frames, c.outbound_bytes, c.max_payload),
                ))
            })
            .clone()
    }

    /// The link for a peer that dialed this node and passed the handshake; `None`
    /// if the node holds its bound on links and none can be reclaimed for it.
    pub(crate) fn accepted_link(&self, peer: &str) -> Option<Arc<Link>> {
        if let Some(link) = self.existing_link(peer) {
            return Some(link);
        }
        if self.links.len() >= self.config.max_links && !self.reclaim_longest_down() {
            self.counters.links_refused.fetch_add(1, Ordering::Relaxed);
            self.refusals.note("the node holds its bound on links", peer);
            return None;
        }
        Some(self.link(peer))
    }

    pub(crate) fn existing_link(&self, peer: &str) -> Option<Arc<Link>> {
        self.links.get(peer).map(|l| l.clone())
    }

    pub(crate) fn links(&self) -> Vec<Arc<Link>> {
        let mut all: Vec<_> = self.links.iter().map(|l| l.clone()).collect();
        all.sort_by(|a, b| a.peer.cmp(&b.peer));
        all
    }

    /// Keeps a link to `peer` up from now on: dials it whenever the link is down.
    pub(crate) fn connect(self: &Arc<Self>, peer: PeerAddr) -> Result<Arc<Link>, RemoteError> {
        if peer.unix.is_none() && peer.tcp.is_none() {
            return Err(RemoteError::NoAddress(peer.name));
        }
        let link = self.link(&peer.name);
        if link.has_dialer.swap(true, Ordering::AcqRel) {
            return Err(RemoteError::AlreadyConnecting(peer.name));
        }
        tokio::spawn(dial_loop(self.clone(), link.clone(), peer));
        Ok(link)
    }

    /// Forgets the peers gone past the linger, and removes the links nobody refers
    /// to any more.
    fn reap(&self) {
        let linger = self.config.link_linger;
        let mut forgotten = Vec::new();
        for link in self.links.iter() {
            if link.down_unforgotten().is_some_and(|down| down >= linger) {
                link.forget_peer("the peer was gone past the linger");
            }
            if link.is_forgotten() {
                forgotten.push(link.peer.clone());
            }
        }
        for peer in forgotten {
            self.reclaim(&peer);
        }
    }

    /// Removes the link to `peer` if its peer is forgotten and nothing but the table
    /// refers to it; gives up all it held. True if it was removed.
    fn reclaim(&self, peer: &str) -> bool {
        let removed = self
            .links
            .remove_if(peer, |_, link| Arc::strong_count(link) == 1 && link.is_forgotten());
        let Some((_, link)) = removed else { return false };
        let held = link.held.take_all();
        refuse_held(self, &link, held, "the link was reclaimed before the name was exposed");
        let dropped = link.outbox.release();
        link.counters.dropped_at_linger.fetch_add(dropped, Ordering::Relaxed);
        link.set_state(LinkState::Closed);
        self.counters.links_reclaimed.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(peer, dropped, "link reclaimed");
        true
    }

    /// Makes room for a new peer: forgets and removes the link that has been down
    /// the longest among those nobody refers to, linger or not.
    fn reclaim_longest_down(&self) -> bool {
        let longest = self
            .links
            .iter()
            .filter(|link| Arc::strong_count(link.value()) == 1)
            .filter_map(|link| link.down_for().map(|down| (down, link.peer.clone())))
            .max_by_key(|(down, _)| *down);
        let Some((_, peer)) = longest else { return false };
        if let Some(link) = self.existing_link(&peer) {
            if !link.is_forgotten() {
                link.forget_peer("its link was reclaimed to make room for a new peer");
            }
        }
        self.reclaim(&peer)
    }

    pub(crate) fn metrics(&self) -> RemoteMetrics {
        let c = &self.counters;
        let a = &self.admission.counters;
        let load = |n: &AtomicU64| n.load(Ordering::Relaxed);
        RemoteMetrics {
            links_live: self.links.len(),
            links_reclaimed: load(&c.links_reclaimed),
            links_refused: load(&c.links_refused),
            held_bytes: self.links.iter().map(|l| l.outbox.held_bytes()).sum(),
            handshakes_pending: self.admission.pending(),
            handshakes_completed: load(&a.completed),
            handshakes_failed: load(&a.failed),
            handshakes_evicted: load(&a.evicted),
            peers_refused: load(&c.peers_refused),
            refusals: self.refusals.totals(),
        }
    }

    /// Records a remote message that reached no actor.
    pub(crate) fn dead_letter(&self, peer: &str, target: String, why: &str) {
        if let Some(node) = self.node.upgrade() {
            node.dead_letters.push(DeadLetter {
                recipient: ActorId(0),
                recipient_name: Some(target),
                message_type: "remote message",
                seq: None,
                message: None,
                reason: format!("from {peer}: {why}"),
                cause: DeadLetterCause::RemoteUndelivered,
            });
        }
    }

    /// Shuts the remote side down: every link sends what is queued and closes; the
    /// listeners stop and the Unix socket file is removed.
    pub(crate) async fn shutdown(&self, within: Duration) {
        self.listening.cancel();
        if let Some((path, id)) = &self.unix_file {
            unix::remove(path, *id);
        }
        for link in self.links() {
            link.outbox.close();
        }
        // Give the writers a moment to flush their last batch and say Close.
        let flushed = async {
            for link in self.links() {
                let mut state = link.state_rx();
                let _ = state.wait_for(|s| !matches!(s, LinkState::Up(_))).await;
            }
        };
        let _ = tokio::time::timeout(within, flushed).await;
        self.token.cancel();
        for link in self.links() {
            link.set_state(LinkState::Closed);
            link.fail_pending("this node shut down");
            let held = link.held.take_all();
            refuse_held(self, &link, held, "this node shut down before the name was exposed");
        }
    }
}

/// Logs the refusals counted, forgets peers gone past the linger and reclaims
/// links, until the node shuts down.
async fn housekeeping(net: Arc<Net>) {
    let every = (net.config.link_linger / 4).clamp(Duration::from_millis(10), LOG_INTERVAL);
    loop {
        tokio::select! {
            _ = net.token.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        net.refusals.flush();
        net.reap();
    }
}
