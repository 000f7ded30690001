//! Accepting: the listeners' loops, and what a new connection goes through before
//! it becomes a link's: the Unix peer's user check (`SO_PEERCRED`), admission (see
//! `admission`), the handshake within its deadline, and the bound on links.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

use super::admission::Source;
use super::conn::{self, greet};
use super::net::Net;
use super::stream::{split_tcp, split_unix};
use super::unix;
use crate::remote::codec::handshake::{HandshakeError, Role};

/// A bound listener of either kind.
pub(crate) enum Listener {
    Unix(UnixListener),
    Tcp(TcpListener),
}

/// An accepted connection of either kind.
pub(crate) enum Accepted {
    Unix(UnixStream),
    Tcp(TcpStream),
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
/// Accepting never waits on a handshake, so the backlog drains however many
/// connections stall.
pub(crate) async fn accept_loop(net: Arc<Net>, listener: Listener) {
    loop {
        let accepted = tokio::select! {
            _ = net.listening.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok(stream) => admit(&net, stream),
            Err(e) => {
                // Out of file descriptors, say: pause rather than spin.
                net.refusals.note("accept failed", e);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Takes a new connection through the user check and admission, then runs its
/// handshake and, if it succeeds, the connection, in a task of its own.
pub(crate) fn admit(net: &Arc<Net>, stream: Accepted) {
    let source = match &stream {
        Accepted::Unix(s) => match unix::peer_user(s) {
            Ok((uid, _)) if !unix::allowed(&net.config.unix_peers, uid) => {
                net.counters.peers_refused.fetch_add(1, Ordering::Relaxed);
                net.refusals.note("a Unix peer of a user not allowed", format!("uid {uid}"));
                return;
            }
            Ok((uid, pid)) => Source::Process { uid, pid },
            Err(_) => Source::Unknown,
        },
        Accepted::Tcp(s) => s.peer_addr().map_or(Source::Unknown, |a| Source::Ip(a.ip())),
    };
    let ticket = net.admission.admit(source);
    let net = net.clone();
    tokio::spawn(async move {
        let deadline = ticket.deadline(net.config.handshake_timeout);
        let greeted = || ticket.greeted();
        let handshake = async {
            match stream {
                Accepted::Unix(s) => {
                    greet(&net, s, Role::Acceptor, None, split_unix, deadline, &greeted).await
                }
                Accepted::Tcp(s) => {
                    greet(&net, s, Role::Acceptor, None, split_tcp, deadline, &greeted).await
                }
            }
        };
        let result = tokio::select! {
            result = handshake => result,
            _ = ticket.evicted.cancelled() => Err(HandshakeError::Garbage { reason: "evicted for a newer connection" }),
        };
        let evicted = ticket.evicted.is_cancelled();
        drop(ticket);
        let counters = &net.admission.counters;
        let conn = match result {
            Ok(conn) => {
                counters.completed.fetch_add(1, Ordering::Relaxed);
                conn
            }
            Err(e) => {
                if !evicted {
                    counters.failed.fetch_add(1, Ordering::Relaxed);
                }
                net.refusals.note(refusal(&e, evicted), e);
                return;
            }
        };
        if let Some(link) = net.accepted_link(&conn.initiator) {
            conn::run(net.clone(), link, conn).await;
        }
    });
}

/// The reason a failed handshake is counted under.
fn refusal(e: &HandshakeError, evicted: bool) -> &'static str {
    if evicted {
        return "evicted for a newer connection";
    }
    match e {
        HandshakeError::WrongSecret => "wrong secret",
        HandshakeError::VersionMismatch { .. } => "another protocol version",
        HandshakeError::Timeout => "handshake too slow",
        HandshakeError::PeerClosed { .. } | HandshakeError::Io(_) => "peer went away",
        _ => "bad handshake",
    }
}
