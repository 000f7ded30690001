//! Dialing: one dialer per peer given to [`Node::connect`](crate::Node::connect),
//! keeping its link up; over a Unix socket, the listener's user is checked
//! (`SO_PEERCRED`) before the handshake, as an acceptor checks its peers'.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::net::{TcpStream, UnixStream};

use super::conn::{self, greet, Handshaken};
use super::link::{Link, LinkState};
use super::net::Net;
use super::stream::{split_tcp, split_unix};
use super::unix;
use crate::remote::codec::handshake::{HandshakeError, Role};
use crate::remote::config::{PeerAddr, Transport};

/// Keeps dialing `peer` while its link is down.
pub(crate) async fn dial_loop(net: Arc<Net>, link: Arc<Link>, peer: PeerAddr) {
    let backoff = net.config.backoff;
    let mut delay = backoff.min;
    let mut state = link.state_rx();
    loop {
        // Wait for the link to be down (it may be up through the peer's own dial).
        // Never dial once the node has begun to shut down.
        tokio::select! {
            biased;
            _ = net.listening.cancelled() => return,
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
            biased;
            _ = net.listening.cancelled() => return,
            attempt = dial(&net, &peer) => attempt,
        };
        let installed = match attempt {
            Ok(conn) => {
                let installed = conn::run(net.clone(), link.clone(), conn).await;
                link.dialing.store(false, Ordering::Release);
                installed
            }
            Err(e) => {
                link.dialing.store(false, Ordering::Release);
                tracing::debug!(peer = %peer.name, error = %e, ?delay, "dial failed; retrying");
                false
            }
        };
        if installed {
            delay = backoff.min;
            continue;
        }
        // Failed, or refused for the peer's own connection (which should come up
        // shortly): look again after a pause.
        tokio::select! {
            _ = net.token.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(backoff.max);
    }
}

/// One connection attempt: Unix socket if the peer's socket file exists here, TCP
/// otherwise.
async fn dial(net: &Net, peer: &PeerAddr) -> Result<Handshaken, HandshakeError> {
    let timeout = net.config.connect_timeout;
    let timed_out = || HandshakeError::Io(std::io::ErrorKind::TimedOut.into());
    let expect = Some(peer.name.as_str());
    let deadline = net.config.handshake_timeout;
    match (peer.choose(), &peer.unix, peer.tcp) {
        (Some(Transport::Unix), Some(path), _) => {
            let stream = tokio::time::timeout(timeout, UnixStream::connect(path))
                .await
                .map_err(|_| timed_out())??;
            let (uid, _) = unix::peer_user(&stream)?;
            if !unix::allowed(&net.config.unix_peers, uid) {
                return Err(HandshakeError::Io(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!(
                        "the socket {} is served by uid {uid}, not an allowed user",
                        path.display()
                    ),
                )));
            }
            greet(net, stream, Role::Initiator, expect, split_unix, deadline, &|| {}).await
        }
        (Some(Transport::Tcp), _, Some(addr)) => {
            let stream = tokio::time::timeout(timeout, TcpStream::connect(addr))
                .await
                .map_err(|_| timed_out())??;
            greet(net, stream, Role::Initiator, expect, split_tcp, deadline, &|| {}).await
        }
        _ => Err(HandshakeError::Io(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no usable address for the peer",
        ))),
    }
}
