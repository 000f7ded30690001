//! How a node takes part in a cluster: [`RemoteConfig`] (its listeners, its secret,
//! the link timings and bounds), [`PeerAddr`] (where a peer can be reached) and
//! [`Transport`] (what a reference uses).

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::remote::codec::frame::DEFAULT_MAX_PAYLOAD;

/// What carries messages to an actor: observable on every
/// [`ActorRef`](crate::ActorRef) through [`transport`](crate::ActorRef::transport).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// The actor is on this node: messages move as values, never serialized.
    Local,
    /// The actor's node is on this host: a Unix domain socket.
    Unix,
    /// The actor's node is on another host (or has no socket path here): TCP.
    Tcp,
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Local => "local",
            Self::Unix => "unix",
            Self::Tcp => "tcp",
        })
    }
}

/// Where a peer node can be reached. The transport is chosen for the caller: the
/// Unix socket when `unix` is set and the socket file exists on this host, TCP
/// otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerAddr {
    /// The peer's node name; the handshake checks it.
    pub name: String,
    /// The Unix socket the peer listens on, if it is on this host.
    pub unix: Option<PathBuf>,
    /// The TCP address the peer listens on.
    pub tcp: Option<SocketAddr>,
}

impl PeerAddr {
    /// A peer named `name` with no address yet.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), unix: None, tcp: None }
    }

    /// Reachable over the Unix socket at `path` (when it exists on this host).
    pub fn unix(mut self, path: impl Into<PathBuf>) -> Self {
        self.unix = Some(path.into());
        self
    }

    /// Reachable over TCP at `addr`.
    pub fn tcp(mut self, addr: SocketAddr) -> Self {
        self.tcp = Some(addr);
        self
    }

    /// The transport a connection attempt uses now: Unix when its socket file exists
    /// here, else TCP; `None` when neither is usable.
    pub fn choose(&self) -> Option<Transport> {
        match (&self.unix, &self.tcp) {
            (Some(path), _) if path.exists() => Some(Transport::Unix),
            (_, Some(_)) => Some(Transport::Tcp),
            _ => None,
        }
    }
}

/// Which local users may connect over the Unix socket, checked from the connecting
/// process's credentials (`SO_PEERCRED`) before anything is read from it. A dialer
/// checks the listener's owner the same way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum UnixPeers {
    /// Only processes of the user this node runs as (the default).
    #[default]
    SameUser,
    /// Only processes of these users (by uid).
    Users(Vec<u32>),
    /// Any local user (the handshake's secret is then the only check).
    Anyone,
}

/// Exponential reconnect backoff: the first retry after `min`, each next one after
/// twice the last, at most `max`; reset after a connection succeeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectBackoff {
    /// First delay.
    pub min: Duration,
    /// Longest delay.
    pub max: Duration,
}

/// A node's remote settings. Build with [`RemoteConfig::new`] and the setters; every
/// default is chosen for a trading cluster on one LAN and documented on its setter.
#[derive(Clone)]
pub struct RemoteConfig {
    pub(crate) secret: Vec<u8>,
    pub(crate) unix: Option<PathBuf>,
    pub(crate) tcp: Option<SocketAddr>,
    pub(crate) heartbeat: Duration,
    pub(crate) loss_timeout: Duration,
    pub(crate) handshake_timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) backoff: ReconnectBackoff,
    pub(crate) outbound_frames: usize,
    pub(crate) outbound_bytes: usize,
    pub(crate) max_payload: u32,
    pub(crate) busy_poll: bool,
    pub(crate) link_linger: Duration,
    pub(crate) max_links: usize,
    pub(crate) max_pending_handshakes: usize,
    pub(crate) max_pending_per_source: usize,
    pub(crate) unix_peers: UnixPeers,
}

impl fmt::Debug for RemoteConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret.
        f.debug_struct("RemoteConfig")
            .field("unix", &self.unix)
            .field("tcp", &self.tcp)
            .field("heartbeat", &self.heartbeat)
            .field("loss_timeout", &self.loss_timeout)
            .field("outbound_frames", &self.outbound_frames)
            .field("outbound_bytes", &self.outbound_bytes)
            .field("max_payload", &self.max_payload)
            .field("busy_poll", &self.busy_poll)
            .field("link_linger", &self.link_linger)
            .field("max_links", &self.max_links)
            .field("max_pending_handshakes", &self.max_pending_handshakes)
            .field("max_pending_per_source", &self.max_pending_per_source)
            .field("unix_peers", &self.unix_peers)
            .finish_non_exhaustive()
    }
}

/// Default outbound queue bound, in frames per link: about 16 ms of a 1M msgs/s
/// stream, enough to ride out a reconnect of a few heartbeats.
pub const DEFAULT_OUTBOUND_FRAMES: usize = 16 * 1024;
/// Default outbound queue bound, in bytes per link.
pub const DEFAULT_OUTBOUND_BYTES: usize = 8 << 20;
/// Default linger: how long a link's peer may stay away before it is forgotten and
/// the link reclaimed. Long enough for a node to restart, or a cable to be replugged.
pub const DEFAULT_LINK_LINGER: Duration = Duration::from_secs(60);
/// Default bound on the links a node keeps for peers that dialed it.
pub const DEFAULT_MAX_LINKS: usize = 1024;
/// Default bound on handshakes in progress at once.
pub const DEFAULT_MAX_PENDING_HANDSHAKES: usize = 256;
/// Default bound on handshakes in progress at once from one source (an IP address,
/// or a local process).
pub const DEFAULT_MAX_PENDING_PER_SOURCE: usize = 32;

impl RemoteConfig {
    /// Settings with the shared `secret` (the cookie every node of the cluster holds)
    /// and no listener.
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            secret: secret.into(),
            unix: None,
            tcp: None,
            heartbeat: Duration::from_millis(200),
            loss_timeout: Duration::from_secs(1),
            handshake_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(1),
            backoff: ReconnectBackoff {
                min: Duration::from_millis(20),
                max: Duration::from_secs(1),
            },
            outbound_frames: DEFAULT_OUTBOUND_FRAMES,
            outbound_bytes: DEFAULT_OUTBOUND_BYTES,
            max_payload: DEFAULT_MAX_PAYLOAD,
            busy_poll: false,
            link_linger: DEFAULT_LINK_LINGER,
            max_links: DEFAULT_MAX_LINKS,
            max_pending_handshakes: DEFAULT_MAX_PENDING_HANDSHAKES,
            max_pending_per_source: DEFAULT_MAX_PENDING_PER_SOURCE,
            unix_peers: UnixPeers::SameUser,
        }
    }

    /// Listens on a Unix socket at `path` (created mode 0600). Its directory must
    /// belong to the user this node runs as and be writable by nobody else: a
    /// directory others can write to lets them put their own socket in its place,
    /// and starting fails with an error naming the directory, its owner and its mode.
    /// A socket left there by a dead node is replaced; anything else at `path` (a
    /// live node's socket, a regular file, a directory) is left alone and starting
    /// fails.
    pub fn listen_unix(mut self, path: impl Into<PathBuf>) -> Self {
        self.unix = Some(path.into());
        self
    }

    /// Listens on TCP at `addr`. Use a loopback address unless peers on other hosts
    /// must reach this node; port 0 picks a free port (see
    /// [`Node::local_tcp_addr`](crate::Node::local_tcp_addr)).
    pub fn listen_tcp(mut self, addr: SocketAddr) -> Self {
        self.tcp = Some(addr);
        self
    }

    /// How often a link with nothing to send sends a heartbeat (default 200 ms).
    pub fn heartbeat(mut self, every: Duration) -> Self {
        self.heartbeat = every;
        self
    }

    /// A link that has received nothing for this long is declared lost (default 1 s):
    /// watchers through it get `Terminated`; pending asks wait for it to resume.
    pub fn loss_timeout(mut self, after: Duration) -> Self {
        self.loss_timeout = after;
        self
    }

    /// Bound on opening each outgoing connection, before the handshake (default 1 s).
    pub fn connect_timeout(mut self, within: Duration) -> Self {
        self.connect_timeout = within;
        self
    }

    /// Bound on the handshake of each connection (default 2 s). While more than half
    /// of the pending handshakes' room is taken, new ones get at most 250 ms: a peer
    /// that knows the secret answers in a few round trips.
    pub fn handshake_timeout(mut self, within: Duration) -> Self {
        self.handshake_timeout = within;
        self
    }

    /// Bound on handshakes in progress at once, in all and from one source (an IP
    /// address for TCP; the connecting process for a Unix socket); defaults
    /// [`DEFAULT_MAX_PENDING_HANDSHAKES`], [`DEFAULT_MAX_PENDING_PER_SOURCE`]. A new
    /// connection over either bound is let in and the oldest pending handshake (of
    /// that source, or of all) is dropped instead, one that has not even sent its
    /// `Hello` first: a flood of stalled sockets cannot keep a prompt peer out, and
    /// holds at most this many sockets open.
    pub fn max_pending_handshakes(mut self, total: usize, per_source: usize) -> Self {
        self.max_pending_handshakes = total.max(1);
        self.max_pending_per_source = per_source.max(1);
        self
    }

    /// How long a link's peer may be gone before it is forgotten (default
    /// [`DEFAULT_LINK_LINGER`], 60 s): its pending asks then fail with `LinkLost`,
    /// its watchers are told, and what was written to it and not acknowledged is
    /// given up (counted in `LinkMetrics::dropped_at_linger`). A link nobody refers
    /// to any more (no dialer, no remote ref) is then removed with everything it
    /// held.
    pub fn link_linger(mut self, after: Duration) -> Self {
        self.link_linger = after;
        self
    }

    /// Bound on the links kept for peers that dialed this node (default
    /// [`DEFAULT_MAX_LINKS`]). When a new peer passes the handshake at the bound, the
    /// link down the longest that nobody refers to is removed at once, linger or not;
    /// if there is none, the new peer is refused. With the outbound bound, this
    /// bounds the memory all links hold: at most `max_links` times four times the
    /// outbound byte bound (replies may exceed the bound up to four times), plus a
    /// few kilobytes per link. Links made by [`Node::connect`](crate::Node::connect)
    /// count but are never refused.
    pub fn max_links(mut self, links: usize) -> Self {
        self.max_links = links.max(1);
        self
    }

    /// Which local users may connect over the Unix socket (default
    /// [`UnixPeers::SameUser`]).
    pub fn unix_peers(mut self, peers: UnixPeers) -> Self {
        self.unix_peers = peers;
        self
    }

    /// Reconnect backoff (default 20 ms doubling to 1 s).
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.backoff = ReconnectBackoff { min, max };
        self
    }

    /// Bound on each link's outbound queue: at most `frames` frames wait to be
    /// written, and at most `bytes` bytes are held, counting both those waiting and
    /// those written but not yet acknowledged by the peer (kept to be resent after a
    /// reconnect). Defaults [`DEFAULT_OUTBOUND_FRAMES`], [`DEFAULT_OUTBOUND_BYTES`].
    /// A full queue makes `send` wait, `try_send` fail with `Full`, and, while the
    /// link is down, every send fail with `Unreachable`.
    pub fn outbound_bound(mut self, frames: usize, bytes: usize) -> Self {
        self.outbound_frames = frames.max(1);
        self.outbound_bytes = bytes.max(1);
        self
    }

    /// Largest payload accepted or sent, in bytes (default 1 MiB).
    pub fn max_payload(mut self, bytes: u32) -> Self {
        self.max_payload = bytes;
        self
    }

    /// Busy-poll mode for hot links: each connection's reader spins on its socket
    /// instead of parking, so a frame is seen without a thread wake-up, at the price
    /// of a core per link while it is up (default off).
    pub fn busy_poll(mut self, on: bool) -> Self {
        self.busy_poll = on;
        self
    }
}
