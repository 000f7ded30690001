//! One connection under a link, after its handshake: how it opens (the resume
//! exchange), is installed, and ends. Its writer is in `writer`, its reader in
//! `reader`. Every byte either side writes from here on is sealed with the keys the
//! handshake derived.
//!
//! # Ending
//! - The reader sees end of stream, an error, a frame that fails authentication or a
//!   check, a gap in the peer's sequence numbers, or nothing at all for the loss
//!   timeout: the connection is dead; if it was the link's, the link is declared lost
//!   (watchers are told; pending asks wait for the link to resume) and the dialer, if
//!   any, reconnects. The next connection resumes from the last frame received in
//!   order, so nothing after a gap is ever accepted.
//! - Another connection replaces it (two connections of one link opened at once):
//!   it is ended at once; the peer resends what it had not had acknowledged.
//! - The node shuts down: the writer sends what is queued, then `Close(Normal)`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rkyv::util::AlignedVec;
use tokio::net::{TcpStream, UnixStream};
use tokio::sync::watch;

use super::link::{Link, LinkState, Severity, Slot};
use super::net::Net;
use super::outbox::{AckError, ConnWriter};
use super::reader::{read_loop, End};
use super::stream::{ReadHalf, WriteHalf};
use super::writer::write_loop;
use crate::remote::codec::decoder::FrameDecoder;
use crate::remote::codec::frame::{CloseReason, FrameError, FrameHeader, FrameKind, FLAG_RESUME};
use crate::remote::codec::handshake::{handshake_observed, HandshakeError, Role};
use crate::remote::codec::seal::SessionKeys;
use crate::remote::config::Transport;

/// A connection whose handshake succeeded.
pub(crate) struct Handshaken {
    pub(crate) read: ReadHalf,
    pub(crate) write: WriteHalf,
    pub(crate) transport: Transport,
    /// The node that opened the connection.
    pub(crate) initiator: String,
    pub(crate) session: SessionKeys,
}

type Split<S> = fn(S, bool) -> std::io::Result<(ReadHalf, WriteHalf)>;

/// Handshakes on a fresh `stream` within `deadline`, checks the peer's name (against
/// `expect`, if given, and against this node's own), and splits the stream.
/// `on_hello` is called once the peer's `Hello` has been read.
pub(crate) async fn greet<S>(
    net: &Net,
    mut stream: S,
    role: Role,
    expect: Option<&str>,
    split: Split<S>,
    deadline: Duration,
    on_hello: &(dyn Fn() + Sync),
) -> Result<Handshaken, HandshakeError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + TransportOf,
{
    let secret = &net.config.secret;
    let peer =
        handshake_observed(&mut stream, &net.node_name, secret, role, deadline, on_hello).await?;
    if let Some(expected) = expect {
        if peer.name != expected {
            return Err(HandshakeError::Garbage { reason: "the peer has another name" });
        }
    }
    if peer.name == net.node_name {
        return Err(HandshakeError::Garbage { reason: "the peer has this node's name" });
    }
    let (read, write) = split(stream, net.config.busy_poll)?;
    let initiator = match role {
        Role::Initiator => net.node_name.clone(),
        Role::Acceptor => peer.name,
    };
    Ok(Handshaken { read, write, transport: S::TRANSPORT, initiator, session: peer.session })
}

/// The transport a socket type is.
pub(crate) trait TransportOf {
    const TRANSPORT: Transport;
}
impl TransportOf for UnixStream {
    const TRANSPORT: Transport = Transport::Unix;
}
impl TransportOf for TcpStream {
    const TRANSPORT: Transport = Transport::Tcp;
}

/// Why the peer's resume cannot be applied.
#[derive(Debug, thiserror::Error)]
enum ResumeError {
    #[error("the peer's resume names no incarnation")]
    NoIncarnation,
    #[error(transparent)]
    Ack(#[from] AckError),
}

/// Runs a connection whose handshake succeeded until it ends. Returns false if it
/// was never installed (a duplicate, given up or refused).
pub(crate) async fn run(net: Arc<Net>, link: Arc<Link>, conn: Handshaken) -> bool {
    let Handshaken { read, write, transport, initiator, session } = conn;
    let mut dec =
        FrameDecoder::with_max_payload(read, net.config.max_payload).with_opener(session.opener());
    let kill = net.token.child_token();
    let writer =
        Arc::new(ConnWriter::new(write, kill.clone(), session.sealer(), net.config.busy_poll));
    let acceptor = initiator != net.node_name;
    if acceptor && link.refuses_incoming(&net.node_name) {
        tracing::debug!(peer = %link.peer, "refused: our own connection to the peer is kept");
        close(&link, &writer, CloseReason::Duplicate).await;
        return false;
    }
    if acceptor {
        // The peer reconnected before we saw its old connection die: end that one
        // first (a dialer never overlaps its own connections).
        link.end_current().await;
    }
    // Each side opens with a resume frame. The acceptor speaks first, so its resume is
    // also its verdict: the initiator sends nothing on a connection the acceptor
    // might refuse (`Close(Duplicate)` instead).
    if acceptor && send_resume(&link, &writer).await.is_err() {
        return false;
    }
    let resume = match first_frame(&net, &link, &mut dec).await {
        Ok(resume) => resume,
        Err(why) => {
            tracing::debug!(peer = %link.peer, why, "connection given up before use");
            return false;
        }
    };
    if !acceptor {
        // The peer kept this connection: one it opened to us earlier (the only kind
        // that can be installed now, a dialer never overlaps its own) is replaced.
        // End it first, so that this one resumes from settled counts.
        link.end_current().await;
        if send_resume(&link, &writer).await.is_err() {
            return false;
        }
    }
    let (resend, resent) = match resume_link(&link, &resume) {
        Ok(resend) => resend,
        Err(e) => {
            link.counters.protocol_errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(peer = %link.peer, error = %e, "connection closed: a resume that cannot be right");
            return false;
        }
    };
    let (finished, finished_rx) = watch::channel(false);
    let replaced = Arc::new(AtomicBool::new(false));
    let id = net.next_conn_id();
    let slot = Slot {
        id,
        initiator: initiator.clone(),
        transport,
        kill: kill.clone(),
        finished: finished_rx,
        replaced: replaced.clone(),
    };
    if !link.install(slot) {
        tracing::debug!(peer = %link.peer, %initiator, "duplicate connection given up");
        close(&link, &writer, CloseReason::Duplicate).await;
        return false;
    }
    tracing::info!(peer = %link.peer, %transport, %initiator, "link up");
    let writing = tokio::spawn(write_loop(
        link.clone(),
        writer.clone(),
        resend,
        resent,
        net.config.heartbeat,
    ));
    let end = read_loop(&net, &link, dec, &kill).await;
    kill.cancel();
    let _ = writing.await;
    link.outbox.detach();
    // A sender may still be in the middle of an inline write (non-blocking, so
    // briefly): its batch must be retained before the next connection resumes.
    while link.outbox.is_writing() {
        tokio::task::yield_now().await;
    }
    finished.send_replace(true);
    if !link.uninstall(id) || replaced.load(Ordering::Acquire) {
        // Replaced by a newer connection, which resumes where this one stopped.
        return true;
    }
    // A peer that said Close shut down in order, and any end while this node stops is
    // expected (its own Close is answered by the peer hanging up): neither is a warning.
    let stopping = net.listening.is_cancelled();
    let severity = if stopping { Severity::Info } else { Severity::Warn };
    match end {
        End::Lost(why) => link.declare_lost(&why, severity),
        End::Closed => link.declare_closed_by_peer(),
        End::Killed if stopping => link.declare_lost("this node is stopping", Severity::Info),
        End::Killed => link.declare_lost("the connection failed", Severity::Warn),
        End::Duplicate => {
            // The peer keeps the other connection, which should be installed here
            // shortly; if it is not within the loss timeout, the link is lost.
            let link = link.clone();
            let grace = net.config.loss_timeout;
            tokio::spawn(async move {
                tokio::time::sleep(grace).await;
                if !matches!(link.state(), LinkState::Up(_)) {
                    link.declare_lost("no connection replaced a duplicate", Severity::Warn);
                }
            });
        }
    }
    true
}

/// Sends this side's resume frame: who we are, who we think the peer is, and the
/// last data frame we have from it.
async fn send_resume(link: &Link, writer: &ConnWriter) -> std::io::Result<()> {
    let resume = FrameHeader {
        flags: FLAG_RESUME,
        correlation: link.incarnation(),
        target: link.peer_incarnation.load(Ordering::Acquire),
        sequence: link.last_in.load(Ordering::Acquire),
        ..FrameHeader::new(FrameKind::Ack)
    };
    let mut enc = link.outbox.encoder();
    let _ = enc.push_raw(resume, &[]);
    writer.send(&mut enc).await
}

/// Sends `Close(reason)` on a connection that is not installed.
async fn close(link: &Link, writer: &ConnWriter, reason: CloseReason) {
    let mut enc = link.outbox.encoder();
    let _ = enc.push_raw(FrameHeader::new(FrameKind::Close), &[reason as u8]);
    let _ = writer.send(&mut enc).await;
}

/// The peer's first frame: its resume, or its refusal.
async fn first_frame(
    net: &Net,
    link: &Link,
    dec: &mut FrameDecoder<ReadHalf>,
) -> Result<FrameHeader, &'static str> {
    match tokio::time::timeout(net.config.loss_timeout, dec.next_frame()).await {
        Ok(Err(FrameError::Seal(e))) => {
            link.counters.auth_failures.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(peer = %link.peer, error = %e, "frame authentication failed: connection closed");
            Err("the first frame failed authentication")
        }
        Ok(Ok(Some((h, _)))) if h.kind == FrameKind::Ack && h.flags & FLAG_RESUME != 0 => Ok(h),
        Ok(Ok(Some((h, p)))) if h.kind == FrameKind::Close => {
            Err(if p.first() == Some(&(CloseReason::Duplicate as u8)) {
                "the peer keeps its own connection"
            } else {
                "the peer closed the connection"
            })
        }
        Ok(Ok(Some(_))) => Err("the first frame is not a resume"),
        Ok(Err(_)) => Err("the first frame is not a frame"),
        Ok(Ok(None)) => Err("the connection ended before its first frame"),
        Err(_) => Err("no first frame in time"),
    }
}

/// Takes the peer's resume into account; returns the frames to write again first,
/// and how many there are.
fn resume_link(link: &Link, resume: &FrameHeader) -> Result<(AlignedVec, u64), ResumeError> {
    let theirs = resume.correlation;
    if theirs == 0 {
        return Err(ResumeError::NoIncarnation);
    }
    let before = link.peer_incarnation.swap(theirs, Ordering::AcqRel);
    if before != theirs {
        // A new peer process (or the first connection): it numbers its frames to us
        // from 1; the asks the old process had will never be answered.
        link.last_in.store(0, Ordering::Release);
        if before != 0 {
            link.fail_pending("the peer restarted");
            link.tell_watchers(link.unreachable("the peer restarted"));
        }
    }
    if resume.target == link.incarnation() {
        let (resend, frames) = link.outbox.resume_after(resume.sequence)?;
        if frames > 0 {
            tracing::info!(peer = %link.peer, frames, "resending what the peer had not acknowledged");
            link.counters.resent.fetch_add(frames, Ordering::Relaxed);
        }
        return Ok((resend, frames));
    }
    // The peer does not know this side: it expects our frames numbered from 1.
    let dropped = link.outbox.restart_numbering();
    if dropped > 0 {
        tracing::warn!(peer = %link.peer, dropped, "the peer restarted: unacknowledged frames given up");
        link.counters.dropped_for_restart.fetch_add(dropped, Ordering::Relaxed);
    }
    Ok((AlignedVec::new(), 0))
}
