//! A node's remote side: its listeners, its dialers and its links, one per peer.
//!
//! # Connecting
//! A node dials the peers it is told of ([`Node::connect`](crate::Node::connect)) and
//! accepts whoever dials it and passes the handshake. A dialer keeps its peer's link
//! up: whenever the link is down it dials again, with exponential backoff, so nodes
//! may start in any order. Two nodes that dial each other at once end up with one
//! connection (see [`Link::install`]).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use dashmap::DashMap;
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::conn::{self, Handshaken};
use super::link::{Link, LinkState};
use super::outbox::Outbox;
use super::stream::{split_tcp, split_unix, ReadHalf, WriteHalf};
use crate::dead_letters::DeadLetter;
use crate::id::ActorId;
use crate::node::NodeInner;
use crate::remote::api::exposed::Exposed;
use crate::remote::codec::handshake::{handshake, HandshakeError, Role};
use crate::remote::config::{PeerAddr, RemoteConfig, Transport};

/// Handshakes in progress at once, at most; connections past it are dropped at once,
/// so a flood of idle connections costs a bounded amount.
const MAX_PENDING_HANDSHAKES: usize = 64;

pub(crate) struct Net {
    pub(crate) node_name: String,
    pub(crate) config: RemoteConfig,
    links: DashMap<String, Arc<Link>>,
    pub(crate) exposed: Arc<Exposed>,
    /// Cancelled when the node shuts down: listeners, dialers and connections end.
    pub(crate) token: CancellationToken,
    /// Cancelled first at shutdown: no new connection is accepted or dialed while
    /// the links flush.
    listening: CancellationToken,
    handshakes: Arc<Semaphore>,
    pub(crate) unix_path: Option<PathBuf>,
    pub(crate) tcp_addr: Option<std::net::SocketAddr>,
    next_conn: AtomicU64,
    node: Weak<NodeInner>,
}

/// Why the remote side could not start.
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
            Some(path) => Some(bind_unix(path)?),
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
            tcp_addr,
            config,
            links: DashMap::new(),
            exposed: node.exposed.clone(),
            listening: token.child_token(),
            token,
            handshakes: Arc::new(Semaphore::new(MAX_PENDING_HANDSHAKES)),
            next_conn: AtomicU64::new(1),
            node: Arc::downgrade(node),
        });
        if let Some(listener) = unix {
            tokio::spawn(accept_loop(net.clone(), Listener::Unix(listener)));
        }
        if let Some(listener) = tcp {
            tokio::spawn(accept_loop(net.clone(), Listener::Tcp(listener)));
        }
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
            });
        }
    }

    /// Shuts the remote side down: every link sends what is queued and closes; the
    /// listeners stop and the Unix socket file is removed.
    pub(crate) async fn shutdown(&self, within: Duration) {
        self.listening.cancel();
        if let Some(path) = &self.unix_path {
            let _ = std::fs::remove_file(path);
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
        }
    }
}

/// Binds a Unix socket at `path`, mode 0600 (only this user may connect). A file left
/// there by a node that died is replaced, but a live listener is not stolen.
fn bind_unix(path: &Path) -> Result<UnixListener, RemoteError> {
    use std::os::unix::fs::PermissionsExt;
    let err = |source| RemoteError::Listen { what: path.display().to_string(), source };
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(err(std::io::Error::new(
                std::io::ErrorKind::AddrInUse,
                "another node is listening there",
            )));
        }
        std::fs::remove_file(path).map_err(err)?;
    }
    // Bind with a umask-independent mode: set 0600 right after bind, before accepting.
    let listener = UnixListener::bind(path).map_err(err)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(err)?;
    Ok(listener)
}

/// A bound listener of either kind.
enum Listener {
    Unix(UnixListener),
    Tcp(TcpListener),
}

impl Listener {
    async fn accept(&self) -> std::io::Result<Accepted> {
        Ok(match self {
            Self::Unix(l) => Accepted::Unix(l.accept().await?.0),
            Self::Tcp(l) => Accepted::Tcp(l.accept().await?.0),
        })
    }
}

/// Accepts until the node stops listening; each connection's handshake runs apart.
async fn accept_loop(net: Arc<Net>, listener: Listener) {
    loop {
        let accepted = tokio::select! {
            _ = net.listening.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok(stream) => admit(&net, stream),
            Err(e) => {
                // Out of file descriptors, say: pause rather than spin.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

enum Accepted {
    Unix(UnixStream),
    Tcp(TcpStream),
}

/// Runs an accepted connection's handshake in its own task, so a stalled client never
/// holds up the listener.
fn admit(net: &Arc<Net>, stream: Accepted) {
    let Ok(permit) = net.handshakes.clone().try_acquire_owned() else {
        tracing::warn!("too many handshakes in progress: connection dropped");
        return;
    };
    let net = net.clone();
    tokio::spawn(async move {
        let result = match stream {
            Accepted::Unix(s) => greet(&net, s, Role::Acceptor, None, split_unix).await,
            Accepted::Tcp(s) => greet(&net, s, Role::Acceptor, None, split_tcp).await,
        };
        drop(permit);
        match result {
            Ok(conn) => {
                let link = net.link(&conn.initiator);
                conn::run(net.clone(), link, conn).await;
            }
            Err(e) => tracing::warn!(error = %e, "incoming connection refused"),
        }
    });
}

type Split<S> = fn(S, bool) -> std::io::Result<(ReadHalf, WriteHalf)>;

/// Handshakes on `stream`, checks the peer's name if one is expected, and splits it.
async fn greet<S>(
    net: &Net,
    mut stream: S,
    role: Role,
    expect: Option<&str>,
    split: Split<S>,
) -> Result<Handshaken, HandshakeError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + TransportOf,
{
    let c = &net.config;
    let peer = handshake(&mut stream, &net.node_name, &c.secret, role, c.handshake_timeout).await?;
    if let Some(expected) = expect {
        if peer.name != expected {
            return Err(HandshakeError::Garbage { reason: "the peer has another name" });
        }
    }
    if peer.name == net.node_name {
        return Err(HandshakeError::Garbage { reason: "the peer has this node's name" });
    }
    let (read, write) = split(stream, c.busy_poll)?;
    let initiator = match role {
        Role::Initiator => net.node_name.clone(),
        Role::Acceptor => peer.name,
    };
    Ok(Handshaken { read, write, transport: S::TRANSPORT, initiator, session: peer.session })
}

trait TransportOf {
    const TRANSPORT: Transport;
}
impl TransportOf for UnixStream {
    const TRANSPORT: Transport = Transport::Unix;
}
impl TransportOf for TcpStream {
    const TRANSPORT: Transport = Transport::Tcp;
}

/// Keeps dialing `peer` while its link is down.
async fn dial_loop(net: Arc<Net>, link: Arc<Link>, peer: PeerAddr) {
    let backoff = net.config.backoff;
    let mut delay = backoff.min;
    let mut state = link.state_rx();
    loop {
        // Wait for the link to be down (it may be up through the peer's own dial).
        tokio::select! {
            _ = net.token.cancelled() => return,
            s = state.wait_for(|s| !matches!(s, LinkState::Up(_))) => {
                if s.map_or(true, |s| *s == LinkState::Closed) {
                    return;
                }
            }
        }
        // Set from the dial until the connection ends: meanwhile the peer's own
        // connection to us is refused if ours is to be kept (`refuses_incoming`).
        link.dialing.store(true, Ordering::Release);
        let attempt = tokio::select! {
            _ = net.listening.cancelled() => return,
            attempt = dial(&net, &peer) => attempt,
        };
        match attempt {
            Ok(conn) => {
                let installed = conn::run(net.clone(), link.clone(), conn).await;
                link.dialing.store(false, Ordering::Release);
                if installed {
                    delay = backoff.min;
                    continue;
                }
                // Refused for the peer's own connection: that one should come up
                // shortly; look again after a pause.
                tokio::select! {
                    _ = net.token.cancelled() => return,
                    _ = tokio::time::sleep(delay) => {}
                }
                delay = (delay * 2).min(backoff.max);
            }
            Err(e) => {
                link.dialing.store(false, Ordering::Release);
                tracing::debug!(peer = %peer.name, error = %e, ?delay, "dial failed; retrying");
                tokio::select! {
                    _ = net.token.cancelled() => return,
                    _ = tokio::time::sleep(delay) => {}
                }
                delay = (delay * 2).min(backoff.max);
            }
        }
    }
}

/// One connection attempt: Unix socket if the peer's socket file exists here, TCP
/// otherwise.
async fn dial(net: &Net, peer: &PeerAddr) -> Result<Handshaken, HandshakeError> {
    let timeout = net.config.connect_timeout;
    let timed_out = || HandshakeError::Io(std::io::ErrorKind::TimedOut.into());
    let expect = Some(peer.name.as_str());
    match (peer.choose(), &peer.unix, peer.tcp) {
        (Some(Transport::Unix), Some(path), _) => {
            let stream = tokio::time::timeout(timeout, UnixStream::connect(path))
                .await
                .map_err(|_| timed_out())??;
            greet(net, stream, Role::Initiator, expect, split_unix).await
        }
        (Some(Transport::Tcp), _, Some(addr)) => {
            let stream = tokio::time::timeout(timeout, TcpStream::connect(addr))
                .await
                .map_err(|_| timed_out())??;
            greet(net, stream, Role::Initiator, expect, split_tcp).await
        }
        _ => Err(HandshakeError::Io(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no usable address for the peer",
        ))),
    }
}
