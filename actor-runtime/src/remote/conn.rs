//! One connection under a link, after its handshake: a writer task that drains the
//! link's outbound queue, and a reader (this task) that dispatches incoming frames.
//!
//! # Ending
//! - The reader sees end of stream, an error, a bad frame or nothing at all for the
//!   loss timeout: the connection is dead; if it was the link's, the link is declared
//!   lost (pending asks fail, watchers are told) and the dialer, if any, reconnects.
//! - Another connection replaces it (both nodes connected at once): its writer stops
//!   at a batch boundary and sends `Close(Duplicate)`; its reader reads on until the
//!   peer closes, so every frame already sent on it is still delivered.
//! - The node shuts down: the writer sends what is queued, then `Close(Normal)`.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use rkyv::util::AlignedVec;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use super::config::Transport;
use super::decoder::FrameDecoder;
use super::frame::{CloseReason, FrameHeader, FrameKind, FLAG_ECHO, FLAG_ERROR, FLAG_TARGET_NAME};
use super::inbound::{Delivery, Inbound};
use super::link::{Link, ReplyFailure, Slot};
use super::net::Net;
use super::stream::{ReadHalf, WriteHalf};
use super::sys;
use crate::reply::{send_error_reply, REPLY_DROPPED, REPLY_NOT_DELIVERED, REPLY_UNKNOWN_TARGET};

/// How a connection ended, as seen by its reader.
enum End {
    /// Dead: the link is lost (unless another connection already replaced it).
    Lost(String),
    /// The peer gave this connection up for a duplicate; not a loss.
    Duplicate,
    /// This node, or the peer, shut down in order.
    Closed,
}

/// Runs a connection whose handshake succeeded until it ends. Returns false if it
/// was never installed (a duplicate, given up or refused).
pub(crate) async fn run(
    net: Arc<Net>,
    link: Arc<Link>,
    read: ReadHalf,
    mut write: WriteHalf,
    transport: Transport,
    initiator: String,
) -> bool {
    let mut dec = FrameDecoder::with_max_payload(read, net.config.max_payload);
    if initiator == net.node_name {
        // The acceptor speaks first: its first frame says whether it keeps this
        // connection (anything but `Close(Duplicate)`) or the one it opened itself.
        let verdict = tokio::time::timeout(net.config.loss_timeout, dec.next_frame()).await;
        match verdict {
            Ok(Ok(Some((h, p))))
                if h.kind == FrameKind::Close
                    && p.first() == Some(&(CloseReason::Duplicate as u8)) =>
            {
                tracing::debug!(peer = %link.peer, "the peer keeps its own connection");
                return false;
            }
            Ok(Ok(Some(_))) => dec.unread(),
            _ => {
                tracing::debug!(peer = %link.peer, "no first frame from the peer");
                return false;
            }
        }
    } else if link.refuses_incoming(&net.node_name) {
        tracing::debug!(peer = %link.peer, "refused: our own connection to the peer is kept");
        let _ = close(&mut write, CloseReason::Duplicate).await;
        return false;
    }
    let retire = CancellationToken::new();
    let id = net.next_conn_id();
    let slot = Slot { id, initiator: initiator.clone(), transport, retire: retire.clone() };
    if !link.install(slot) {
        tracing::debug!(peer = %link.peer, %initiator, "duplicate connection given up");
        let _ = close(&mut write, CloseReason::Duplicate).await;
        return false;
    }
    tracing::info!(peer = %link.peer, %transport, %initiator, "link up");
    let kill = net.token.child_token();
    let writer =
        tokio::spawn(write_loop(link.clone(), write, retire, kill.clone(), net.config.heartbeat));
    let end = read_loop(&net, &link, dec, &kill).await;
    kill.cancel();
    let _ = writer.await;
    if !link.uninstall(id) {
        return true;
    }
    match end {
        End::Lost(why) => link.declare_lost(&why),
        End::Closed => link.declare_lost("the peer closed the link"),
        End::Duplicate => {
            // The peer keeps the other connection, which should be installed here
            // shortly; if it is not within the loss timeout, the link is lost.
            let link = link.clone();
            let grace = net.config.loss_timeout;
            tokio::spawn(async move {
                tokio::time::sleep(grace).await;
                if !matches!(link.state(), super::link::LinkState::Up(_)) {
                    link.declare_lost("no connection replaced a duplicate");
                }
            });
        }
    }
    true
}

async fn close(write: &mut WriteHalf, reason: CloseReason) -> std::io::Result<()> {
    let mut enc = super::encoder::FrameEncoder::new();
    let _ = enc.push_raw(FrameHeader::new(FrameKind::Close), &[reason as u8]);
    enc.flush(write).await?;
    write.shutdown().await
}

/// Takes whole batches from the outbound queue and writes each with one `write_all`;
/// sends a heartbeat probe every `heartbeat`.
async fn write_loop(
    link: Arc<Link>,
    mut write: WriteHalf,
    retire: CancellationToken,
    kill: CancellationToken,
    heartbeat: Duration,
) {
    let mut spare = AlignedVec::new();
    let mut beat = tokio::time::interval(heartbeat);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let frames = link.outbox.take(&mut spare);
        if frames > 0 {
            if let Err(e) = write_batch(&mut write, &spare).await {
                tracing::debug!(peer = %link.peer, error = %e, "write failed");
                // The reader sees the same socket fail; make sure it stops.
                kill.cancel();
                return;
            }
            link.counters.frames_out.fetch_add(frames as u64, Ordering::Relaxed);
            link.counters.bytes_out.fetch_add(spare.len() as u64, Ordering::Relaxed);
            continue;
        }
        if link.outbox.is_closed() {
            let _ = close(&mut write, CloseReason::Normal).await;
            return;
        }
        tokio::select! {
            biased;
            _ = kill.cancelled() => return,
            _ = retire.cancelled() => {
                let _ = close(&mut write, CloseReason::Duplicate).await;
                return;
            }
            _ = link.outbox.data.notified() => {}
            _ = beat.tick() => {
                let mut probe = FrameHeader::new(FrameKind::Heartbeat);
                probe.correlation = link.now_ns();
                let _ = link.outbox.push_raw(probe, &[]);
            }
        }
    }
}

async fn write_batch<W: AsyncWrite + Unpin>(write: &mut W, batch: &[u8]) -> std::io::Result<()> {
    write.write_all(batch).await?;
    write.flush().await
}

/// Reads and dispatches frames until the connection ends.
async fn read_loop(
    net: &Net,
    link: &Arc<Link>,
    mut dec: FrameDecoder<ReadHalf>,
    kill: &CancellationToken,
) -> End {
    let mut cache = net.exposed.cache();
    // Liveness is checked every half loss timeout against a frame count, so one timer
    // serves the whole connection instead of one per frame.
    let check_every = net.config.loss_timeout / 2;
    let mut check = Box::pin(tokio::time::sleep(check_every));
    let mut seen = 0u64;
    let mut seen_at_check = 0u64;
    let mut quiet_checks = 0u32;
    loop {
        let next = tokio::select! {
            biased;
            next = dec.next_frame() => next,
            _ = kill.cancelled() => return End::Closed,
            _ = &mut check => {
                if seen == seen_at_check {
                    quiet_checks += 1;
                    if quiet_checks >= 2 {
                        return End::Lost(format!("nothing received for {:?}", net.config.loss_timeout));
                    }
                } else {
                    quiet_checks = 0;
                    seen_at_check = seen;
                }
                check.as_mut().reset(tokio::time::Instant::now() + check_every);
                continue;
            }
        };
        let (header, payload) = match next {
            Ok(Some(frame)) => frame,
            Ok(None) => return End::Lost("the peer closed the connection".into()),
            Err(e) => return End::Lost(format!("bad input: {e}")),
        };
        seen += 1;
        link.counters.frames_in.fetch_add(1, Ordering::Relaxed);
        link.counters.bytes_in.fetch_add(header.wire_len() as u64, Ordering::Relaxed);
        match header.kind {
            FrameKind::Tell | FrameKind::Ask => {
                let inbound = (header.flags & FLAG_TARGET_NAME != 0)
                    .then(|| cache.get(header.target))
                    .flatten();
                match inbound {
                    Some(inbound) => deliver(net, link, &header, &*inbound, payload).await,
                    None if header.kind == FrameKind::Ask && header.target == 0 => {
                        sys::answer(net, link, &header, payload)
                    }
                    None => refuse(net, link, &header, REPLY_UNKNOWN_TARGET, "unknown target"),
                }
            }
            FrameKind::Reply => {
                let result = if header.flags & FLAG_ERROR != 0 {
                    Err(reply_failure(payload))
                } else {
                    Ok(payload)
                };
                link.complete_reply(header.correlation, result);
            }
            FrameKind::Heartbeat if header.flags & FLAG_ECHO != 0 => {
                link.record_rtt(Duration::from_nanos(
                    link.now_ns().saturating_sub(header.correlation),
                ));
            }
            FrameKind::Heartbeat => {
                let mut echo = FrameHeader::new(FrameKind::Heartbeat);
                echo.flags = FLAG_ECHO;
                echo.correlation = header.correlation;
                let _ = link.outbox.push_raw(echo, &[]);
            }
            FrameKind::Ack => {}
            FrameKind::Close => {
                return match payload.first().map(|b| CloseReason::from_u8(*b)) {
                    Some(CloseReason::Duplicate) => End::Duplicate,
                    _ => End::Closed,
                }
            }
            FrameKind::Hello | FrameKind::Response => {
                return End::Lost("handshake frame after the handshake".into())
            }
        }
    }
}

async fn deliver(
    net: &Net,
    link: &Arc<Link>,
    header: &FrameHeader,
    inbound: &dyn Inbound,
    payload: &[u8],
) {
    let failed = match inbound.deliver(link, payload) {
        Delivery::Done => return,
        Delivery::Wait(room) => match room.await {
            Ok(()) => return,
            Err(why) => why,
        },
        Delivery::Failed(why) => why,
    };
    refuse(net, link, header, REPLY_NOT_DELIVERED, &failed);
}

/// A frame that reached no actor: the asker is told; a tell goes to dead letters.
fn refuse(net: &Net, link: &Link, header: &FrameHeader, code: u8, why: &str) {
    let target =
        net.exposed.name_of(header.target).unwrap_or_else(|| format!("{:#x}", header.target));
    tracing::debug!(peer = %link.peer, %target, why, "remote message not delivered");
    if header.kind == FrameKind::Ask {
        send_error_reply(link, header.correlation, code, why);
    } else {
        net.dead_letter(&link.peer, target, why);
    }
}

fn reply_failure(payload: &[u8]) -> ReplyFailure {
    match payload.split_first() {
        Some((&REPLY_DROPPED, _)) => ReplyFailure::Dropped,
        Some((_, why)) => ReplyFailure::Remote(String::from_utf8_lossy(why).into_owned()),
        None => ReplyFailure::Remote("failed without a reason".into()),
    }
}
