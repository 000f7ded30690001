//! The node's remote calls: start listening, connect to peers, expose actors, look
//! them up from other nodes, read link figures.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::inbound::{ArchivedMessage, Decoding, InPlace, Inbound};
use super::remote_ref::RemoteTarget;
use super::sys::{self, LookupReply, LookupRequest, RequestError};
use crate::actor_ref::ActorRef;
use crate::error::LookupError;
use crate::node::Node;
use crate::remote::codec::payload::RemoteMessage;
use crate::remote::config::{PeerAddr, RemoteConfig};
use crate::remote::links::accept::{admit, Accepted};
use crate::remote::links::link::{LinkMetrics, LinkState};
use crate::remote::links::net::{Net, RemoteError, RemoteMetrics};

impl Node {
    /// Starts this node's remote side: binds the listeners named in `config` and
    /// accepts peers that pass the handshake. Call once, from within a Tokio runtime.
    pub async fn start_remote(&self, config: RemoteConfig) -> Result<(), RemoteError> {
        if self.inner().remote.get().is_some() {
            return Err(RemoteError::AlreadyStarted);
        }
        let token = self.token().child_token();
        let net = Net::start(self.name(), config, token, self.inner()).await?;
        self.inner().remote.set(net).map_err(|_| RemoteError::AlreadyStarted)
    }

    fn net(&self) -> Result<&Arc<Net>, RemoteError> {
        self.inner().remote.get().ok_or(RemoteError::NotStarted)
    }

    /// Takes a Unix socket that is already connected (one end of a socket pair, a
    /// descriptor inherited from a supervisor) as if this node's listener had
    /// accepted it: the peer's user is checked, the connection goes through
    /// admission and the handshake, and becomes the peer's link. Returns at once.
    pub fn accept_unix(&self, stream: tokio::net::UnixStream) -> Result<(), RemoteError> {
        admit(self.net()?, Accepted::Unix(stream));
        Ok(())
    }

    /// Keeps a link to `peer` from now on: dials it (Unix socket if its socket file
    /// exists on this host, else TCP), and again whenever the link goes down, with
    /// backoff. Returns at once; the peer need not be up yet.
    pub fn connect(&self, peer: PeerAddr) -> Result<(), RemoteError> {
        self.net()?.connect(peer).map(|_| ())
    }

    /// Makes the local `actor` reachable from other nodes as `name` (before or after
    /// [`start_remote`](Self::start_remote)). Incoming frames
    /// are validated and deserialized into `M` before delivery. The name stays
    /// exposed until [`unexpose`](Self::unexpose) or until the actor ends and another
    /// actor is exposed under it.
    pub fn expose<M: RemoteMessage>(
        &self,
        name: &str,
        actor: &ActorRef<M>,
    ) -> Result<(), RemoteError> {
        self.expose_inbound(name, Arc::new(Decoding(actor.clone())))
    }

    /// Like [`expose`](Self::expose), for an actor that reads messages in their
    /// archived form, in place, without deserializing them: it takes
    /// [`ArchivedMessage<M>`]; remote senders send `M`.
    pub fn expose_archived<M: RemoteMessage>(
        &self,
        name: &str,
        actor: &ActorRef<ArchivedMessage<M>>,
    ) -> Result<(), RemoteError> {
        self.expose_inbound(name, Arc::new(InPlace(actor.clone())))
    }

    /// Reserves `name` for an actor taking `M` that this node will expose shortly,
    /// for a node that must be linked to its peers before it can make the actors it
    /// serves. Until [`expose`](Self::expose) (or
    /// [`expose_archived`](Self::expose_archived)) is called for it, frames sent to
    /// `name` are held, in order, per link, not refused; a remote lookup of `name`
    /// already answers with `M`. Exposing an actor of another type under it is an
    /// error; [`unexpose`](Self::unexpose) withdraws the reservation, and the frames
    /// held for it are then refused (tells to the dead letters, asks answered with
    /// an error). A link holds at most its outbound byte bound of such frames; past
    /// it, its reader waits, as for a full mailbox. When nothing needs a link first,
    /// exposing before [`start_remote`](Self::start_remote) is simpler.
    pub fn reserve<M: RemoteMessage>(&self, name: &str) -> Result<(), RemoteError> {
        self.inner()
            .exposed
            .reserve(name, std::any::type_name::<M>())
            .map_err(|e| RemoteError::Expose { name: name.to_owned(), why: e.to_string() })
    }

    fn expose_inbound(&self, name: &str, inbound: Arc<dyn Inbound>) -> Result<(), RemoteError> {
        self.inner()
            .exposed
            .insert(name, inbound)
            .map_err(|e| RemoteError::Expose { name: name.to_owned(), why: e.to_string() })
    }

    /// Stops exposing (or reserving) `name`; returns whether it was exposed or
    /// reserved.
    pub fn unexpose(&self, name: &str) -> bool {
        self.inner().exposed.remove(name)
    }

    /// Looks up `path`: `name` or `name@<this node>` in the local registry;
    /// `name@node` on a peer this node has a link to. A remote lookup waits up to
    /// `timeout` for the link to come up, then asks the peer which type the actor
    /// takes: a mismatch is [`LookupError::TypeMismatch`], as it is locally. The ref
    /// returned sends over the link; it stays valid across reconnects and restarts of
    /// the peer, since it names the actor, not an instance.
    pub async fn lookup_remote<M: RemoteMessage>(
        &self,
        path: &str,
        timeout: Duration,
    ) -> Result<ActorRef<M>, LookupError> {
        let (name, node) = match path.rsplit_once('@') {
            Some((name, node)) if node != self.name() => (name, node),
            Some((name, _)) => return Ok(self.lookup::<M>(name)?),
            None => return Ok(self.lookup::<M>(path)?),
        };
        let unknown = || LookupError::UnknownNode(node.to_owned());
        let net = self.net().map_err(|_| unknown())?;
        let link = net.existing_link(node).ok_or_else(unknown)?;
        let deadline = tokio::time::Instant::now() + timeout;
        let mut state = link.state_rx();
        let up =
            tokio::time::timeout_at(deadline, state.wait_for(|s| matches!(s, LinkState::Up(_))));
        if !matches!(up.await, Ok(Ok(_))) {
            return Err(LookupError::Timeout(node.to_owned()));
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let request = LookupRequest { name: name.to_owned() };
        let reply: LookupReply =
            sys::request(&link, &request, left).await.map_err(|e| match e {
                RequestError::Timeout => LookupError::Timeout(node.to_owned()),
                other => LookupError::Remote {
                    name: name.to_owned(),
                    node: node.to_owned(),
                    why: other.to_string(),
                },
            })?;
        let expected = std::any::type_name::<M>();
        match reply.wire_type {
            None => Err(LookupError::Remote {
                name: name.to_owned(),
                node: node.to_owned(),
                why: "nothing is exposed under that name".into(),
            }),
            Some(found) if found != expected => Err(LookupError::TypeMismatch {
                name: name.to_owned(),
                node: node.to_owned(),
                expected,
                found,
            }),
            Some(_) => Ok(ActorRef::from_remote(RemoteTarget::new(link, name.to_owned()))),
        }
    }

    /// Waits up to `timeout` for the link to `peer` to be up; false if it is not.
    pub async fn wait_for_link(&self, peer: &str, timeout: Duration) -> bool {
        let Some(link) = self.net().ok().and_then(|n| n.existing_link(peer)) else {
            return false;
        };
        let mut state = link.state_rx();
        let up =
            tokio::time::timeout(timeout, state.wait_for(|s| matches!(s, LinkState::Up(_)))).await;
        matches!(up, Ok(Ok(_)))
    }

    /// The figures of the link to `peer`, if there is one.
    pub fn link_metrics(&self, peer: &str) -> Option<LinkMetrics> {
        Some(self.net().ok()?.existing_link(peer)?.metrics())
    }

    /// The node's remote figures: links kept and reclaimed, bytes they hold, and the
    /// admission of new connections; `None` before
    /// [`start_remote`](Self::start_remote).
    pub fn remote_metrics(&self) -> Option<RemoteMetrics> {
        Some(self.net().ok()?.metrics())
    }

    /// The figures of every link, sorted by peer name.
    pub fn links(&self) -> Vec<LinkMetrics> {
        self.net().map(|n| n.links().iter().map(|l| l.metrics()).collect()).unwrap_or_default()
    }

    /// The TCP address this node listens on (with the port picked, if 0 was asked).
    pub fn local_tcp_addr(&self) -> Option<SocketAddr> {
        self.net().ok()?.tcp_addr
    }

    /// The Unix socket path this node listens on.
    pub fn local_unix_path(&self) -> Option<&Path> {
        self.net().ok()?.unix_path.as_deref()
    }
}
