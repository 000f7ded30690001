//! One connection under a link, after its handshake: a writer task that drains the
//! link's outbound queue, and a reader (this task) that dispatches incoming frames.
//!
//! # Ending
//! - The reader sees end of stream, an error, a bad frame or nothing at all for the
//!   loss timeout: the connection is dead; if it was the link's, the link is declared
//!   lost (watchers are told; pending asks wait for the link to resume) and the
//!   dialer, if any, reconnects.
//! - Another connection replaces it (both nodes connected at once): its writer stops
//!   at a batch boundary and sends `Close(Duplicate)`; its reader reads on until the
//!   peer closes, so every frame already sent on it is still delivered.
//! - The node shuts down: the writer sends what is queued, then `Close(Normal)`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rkyv::util::AlignedVec;
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::link::{Link, ReplyFailure, Slot};
use super::net::Net;
use super::outbox::{count_frames, Inline};
use super::stream::{ReadHalf, WriteHalf};
use crate::remote::api::inbound::{Delivery, Inbound};
use crate::remote::api::sys;
use crate::remote::codec::decoder::FrameDecoder;
use crate::remote::codec::frame::{
    CloseReason, FrameHeader, FrameKind, FLAG_ECHO, FLAG_ERROR, FLAG_RESUME, FLAG_TARGET_NAME,
};
use crate::remote::config::Transport;
use crate::reply::{send_error_reply, REPLY_DROPPED, REPLY_NOT_DELIVERED, REPLY_UNKNOWN_TARGET};

/// How a connection ended, as seen by its reader.
enum End {
    /// Dead: the link is lost (unless another connection already replaced it).
    Lost(String),
    /// The peer gave this connection up for a duplicate; not a loss.
    Duplicate,
    /// The peer shut down in order.
    Closed,
    /// This side ended the connection (shutdown, a write failure, a newer connection).
    Killed,
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
    let acceptor = initiator != net.node_name;
    if acceptor && link.refuses_incoming(&net.node_name) {
        tracing::debug!(peer = %link.peer, "refused: our own connection to the peer is kept");
        let _ = close(&mut write, CloseReason::Duplicate).await;
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
    if acceptor && send_resume(&net, &link, &mut write).await.is_err() {
        return false;
    }
    let resume = match first_frame(&net, &mut dec).await {
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
        if send_resume(&net, &link, &mut write).await.is_err() {
            return false;
        }
    }
    let resend = resume_link(&net, &link, &resume);
    let retire = CancellationToken::new();
    let kill = net.token.child_token();
    let (finished, finished_rx) = watch::channel(false);
    let replaced = Arc::new(AtomicBool::new(false));
    let id = net.next_conn_id();
    let slot = Slot {
        id,
        initiator: initiator.clone(),
        transport,
        retire: retire.clone(),
        kill: kill.clone(),
        finished: finished_rx,
        replaced: replaced.clone(),
    };
    if !link.install(slot) {
        tracing::debug!(peer = %link.peer, %initiator, "duplicate connection given up");
        let _ = close(&mut write, CloseReason::Duplicate).await;
        return false;
    }
    tracing::info!(peer = %link.peer, %transport, %initiator, "link up");
    let writer = tokio::spawn(write_loop(
        link.clone(),
        Arc::new(write),
        resend,
        retire,
        kill.clone(),
        net.config.heartbeat,
        net.config.busy_poll,
    ));
    let end = read_loop(&net, &link, dec, &kill).await;
    kill.cancel();
    let _ = writer.await;
    link.outbox.detach_inline();
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
    match end {
        End::Lost(why) => link.declare_lost(&why),
        End::Closed => link.declare_lost("the peer closed the link"),
        End::Killed => link.declare_lost("the connection failed or this node is stopping"),
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

/// Sends this side's resume frame: who we are, who we think the peer is, and the
/// last data frame we have from it.
async fn send_resume(net: &Net, link: &Link, write: &mut WriteHalf) -> std::io::Result<()> {
    let mut resume = FrameHeader::new(FrameKind::Ack);
    resume.flags = FLAG_RESUME;
    resume.correlation = net.incarnation;
    resume.target = link.peer_incarnation.load(Ordering::Acquire);
    resume.sequence = link.last_in.load(Ordering::Acquire);
    let mut enc = crate::remote::codec::encoder::FrameEncoder::new();
    let _ = enc.push_raw(resume, &[]);
    enc.flush(write).await
}

/// The peer's first frame: its resume, or its refusal.
async fn first_frame(
    net: &Net,
    dec: &mut FrameDecoder<ReadHalf>,
) -> Result<FrameHeader, &'static str> {
    match tokio::time::timeout(net.config.loss_timeout, dec.next_frame()).await {
        Ok(Ok(Some((h, _)))) if h.kind == FrameKind::Ack && h.flags & FLAG_RESUME != 0 => Ok(h),
        Ok(Ok(Some((h, p)))) if h.kind == FrameKind::Close => {
            Err(if p.first() == Some(&(CloseReason::Duplicate as u8)) {
                "the peer keeps its own connection"
            } else {
                "the peer closed the connection"
            })
        }
        Ok(Ok(Some(_))) => Err("the first frame is not a resume"),
        Ok(Ok(None)) | Ok(Err(_)) => Err("the connection ended before its first frame"),
        Err(_) => Err("no first frame in time"),
    }
}

/// Takes the peer's resume into account; returns the frames to write again first.
fn resume_link(net: &Net, link: &Link, resume: &FrameHeader) -> AlignedVec {
    let theirs = resume.correlation;
    let before = link.peer_incarnation.swap(theirs, Ordering::AcqRel);
    if before != theirs {
        // A new peer process (or the first connection): count its frames afresh; the
        // asks the old process had will never be answered.
        link.last_in.store(0, Ordering::Release);
        if before != 0 {
            link.fail_pending("the peer restarted");
            link.tell_watchers("the peer restarted");
        }
    }
    if resume.target == net.incarnation {
        let resend = link.outbox.unacked_after(resume.sequence);
        let frames = count_frames(&resend);
        if frames > 0 {
            tracing::info!(peer = %link.peer, frames, "resending what the peer had not acknowledged");
            link.counters.resent.fetch_add(frames, Ordering::Relaxed);
        }
        return resend;
    }
    let dropped = link.outbox.forget_sent();
    if dropped > 0 {
        tracing::warn!(peer = %link.peer, dropped, "the peer restarted: unacknowledged frames given up");
        link.counters.dropped_for_restart.fetch_add(dropped, Ordering::Relaxed);
    }
    AlignedVec::new()
}

async fn close(write: &mut WriteHalf, reason: CloseReason) -> std::io::Result<()> {
    let mut enc = crate::remote::codec::encoder::FrameEncoder::new();
    let _ = enc.push_raw(FrameHeader::new(FrameKind::Close), &[reason as u8]);
    enc.flush(write).await?;
    write.shutdown().await
}

/// Writes `resend` first, then takes whole batches from the outbound queue and
/// writes each with one write (control frames before data), keeping data batches
/// until acknowledged; sends a heartbeat probe every `heartbeat`. With
/// `inline_writes` (busy-poll links) senders may write batches themselves once the
/// resend is out; this task then finishes what they could not.
async fn write_loop(
    link: Arc<Link>,
    write: Arc<WriteHalf>,
    resend: AlignedVec,
    retire: CancellationToken,
    kill: CancellationToken,
    heartbeat: Duration,
    inline_writes: bool,
) {
    let outbox = &link.outbox;
    let failed = |e: std::io::Error| {
        tracing::debug!(peer = %link.peer, error = %e, "write failed");
        // The reader sees the same socket fail; make sure it stops.
        kill.cancel();
    };
    if !resend.is_empty() {
        if let Err(e) = write_or_killed(&write, &kill, &resend).await {
            return failed(e);
        }
        outbox.count_written(count_frames(&resend), resend.len());
    }
    if inline_writes {
        // Only now: nothing new may overtake what is resent.
        outbox.attach_inline(Inline { half: write.clone(), kill: kill.clone() });
    }
    let mut control = AlignedVec::new();
    let mut batch = AlignedVec::new();
    let mut beat = tokio::time::interval(heartbeat);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (killed, retired) = (kill.cancelled(), retire.cancelled());
    tokio::pin!(killed, retired);
    loop {
        if outbox.take_control(&mut control) {
            if let Err(e) = write_or_killed(&write, &kill, &control).await {
                return failed(e);
            }
            outbox.count_written(count_frames(&control), control.len());
        }
        if let Some(partial) = outbox.take_partial() {
            let written = write_or_killed(&write, &kill, &partial.bytes[partial.written..]).await;
            let len = partial.bytes.len();
            outbox.retain(partial.last_seq, partial.bytes);
            outbox.finish_write();
            if let Err(e) = written {
                return failed(e);
            }
            outbox.count_written(partial.frames as u64, len);
            continue;
        }
        let taken = outbox.take(&mut batch);
        if taken.frames > 0 {
            let written = write_or_killed(&write, &kill, &batch).await;
            let len = batch.len();
            // Retained even when the write failed: the next connection resends it,
            // and the peer drops whatever part of it did arrive.
            outbox.retain(taken.last_seq, std::mem::take(&mut batch));
            outbox.finish_write();
            if let Err(e) = written {
                return failed(e);
            }
            outbox.count_written(taken.frames as u64, len);
            continue;
        }
        if outbox.is_closed() && outbox.is_drained() {
            let _ = close_shared(&write, CloseReason::Normal).await;
            return;
        }
        tokio::select! {
            biased;
            _ = &mut killed => return,
            _ = &mut retired => {
                let _ = close_shared(&write, CloseReason::Duplicate).await;
                return;
            }
            _ = outbox.data.notified() => {}
            _ = beat.tick() => {
                let mut probe = FrameHeader::new(FrameKind::Heartbeat);
                probe.correlation = link.now_ns();
                outbox.push_control(probe, &[]);
            }
        }
    }
}

/// Sends `Close(reason)` on a shared write half; the half shuts down when its last
/// holder drops it.
async fn close_shared(write: &WriteHalf, reason: CloseReason) -> std::io::Result<()> {
    let mut enc = crate::remote::codec::encoder::FrameEncoder::new();
    let _ = enc.push_raw(FrameHeader::new(FrameKind::Close), &[reason as u8]);
    write.write_all_shared(enc.as_bytes()).await
}

/// Writes `bytes`, unless the connection is killed first: a peer that stops reading
/// must not hold the writer forever.
async fn write_or_killed(
    write: &WriteHalf,
    kill: &CancellationToken,
    bytes: &[u8],
) -> std::io::Result<()> {
    tokio::select! {
        written = write.write_all_shared(bytes) => written,
        _ = kill.cancelled() => Err(std::io::ErrorKind::Interrupted.into()),
    }
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
    let mut last_in = link.last_in.load(Ordering::Acquire);
    let mut last_acked = last_in;
    // Frames and bytes read but not yet added to the link's counters.
    let (mut seen_counted, mut bytes_in) = (0u64, 0u64);
    // Made once: a busy-poll reader goes round this loop every few hundred ns.
    let killed = kill.cancelled();
    tokio::pin!(killed);
    let mut ack_due = false;
    loop {
        // At the end of each burst read, publish the counts. Acknowledge every
        // ACK_EVERY frames, and at each liveness check: often enough for the sender
        // to free what it retains, rarely enough that a request-reply exchange pays
        // no extra write per message.
        if dec.buffered() == 0 && seen != seen_counted {
            link.counters.frames_in.fetch_add(seen - seen_counted, Ordering::Relaxed);
            link.counters.bytes_in.fetch_add(std::mem::take(&mut bytes_in), Ordering::Relaxed);
            seen_counted = seen;
            // Let the actors this burst woke run (and answer) before the next read,
            // which would otherwise put a fruitless syscall on their critical path.
            tokio::task::yield_now().await;
        }
        if last_in - last_acked >= ACK_EVERY || (ack_due && last_in != last_acked) {
            let mut ack = FrameHeader::new(FrameKind::Ack);
            ack.sequence = last_in;
            link.outbox.push_control(ack, &[]);
            last_acked = last_in;
        }
        ack_due = false;
        let next = tokio::select! {
            biased;
            next = dec.next_frame() => next,
            _ = &mut killed => return End::Killed,
            _ = &mut check => {
                ack_due = true;
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
        bytes_in += header.wire_len() as u64;
        if matches!(header.kind, FrameKind::Tell | FrameKind::Ask | FrameKind::Reply) {
            let seq = header.sequence;
            if last_in != 0 && seq <= last_in {
                // Resent after a reconnect, and already handled.
                link.counters.duplicates.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            if last_in != 0 && seq > last_in + 1 {
                let missing = seq - last_in - 1;
                tracing::warn!(peer = %link.peer, missing, "gap in the peer's frames");
                link.counters.gaps.fetch_add(missing, Ordering::Relaxed);
            }
            last_in = seq;
            link.last_in.store(seq, Ordering::Release);
        }
        match header.kind {
            FrameKind::Tell | FrameKind::Ask => {
                let inbound = (header.flags & FLAG_TARGET_NAME != 0)
                    .then(|| cache.get(header.target))
                    .flatten();
                match inbound {
                    Some(inbound) => deliver(net, link, &header, inbound, payload).await,
                    None if header.kind == FrameKind::Ask
                        && header.target == 0
                        && header.flags & FLAG_TARGET_NAME == 0 =>
                    {
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
                link.outbox.push_control(echo, &[]);
            }
            FrameKind::Ack if header.flags & FLAG_RESUME == 0 => link.outbox.ack(header.sequence),
            FrameKind::Ack => return End::Lost("a second resume on one connection".into()),
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

/// Most data frames received between two acknowledgements.
const ACK_EVERY: u64 = 1024;

async fn deliver(
    net: &Net,
    link: &Arc<Link>,
    header: &FrameHeader,
    inbound: &dyn Inbound,
    payload: &[u8],
) {
    let route = (header.kind == FrameKind::Ask).then_some(link);
    let failed = match inbound.deliver(route, payload) {
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
