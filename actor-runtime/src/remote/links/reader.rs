//! A connection's reader: reads frames (each seal checked first, by the decoder),
//! keeps the peer's data frames in sequence, acknowledges them, answers heartbeats,
//! and hands what it accepts to the API layer for delivery.
//!
//! A data frame must be the next in the peer's sequence. One already received is
//! dropped as a duplicate; one further on means frames went missing in between: the
//! connection is closed rather than the gap accepted, and the next connection
//! resumes from the last frame received in order.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::link::Link;
use super::net::Net;
use super::stream::ReadHalf;
use crate::remote::api::dispatch::Dispatch;
use crate::remote::codec::decoder::FrameDecoder;
use crate::remote::codec::frame::{
    CloseReason, FrameError, FrameHeader, FrameKind, FLAG_ECHO, FLAG_RESUME,
};

/// How a connection ended, as seen by its reader.
pub(crate) enum End {
    /// Dead: the link is lost (unless another connection already replaced it).
    Lost(String),
    /// The peer gave this connection up for a duplicate; not a loss.
    Duplicate,
    /// The peer shut down in order.
    Closed,
    /// This side ended the connection (shutdown, a write failure, a newer connection).
    Killed,
}

/// Most data frames received between two acknowledgements.
const ACK_EVERY: u64 = 1024;

/// Reads and dispatches frames until the connection ends.
pub(crate) async fn read_loop(
    net: &Arc<Net>,
    link: &Arc<Link>,
    mut dec: FrameDecoder<ReadHalf>,
    kill: &CancellationToken,
) -> End {
    let mut dispatch = Dispatch::new(net, link);
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
        // At the end of each burst read (and every ACK_EVERY frames of an endless
        // one), publish the counts. Acknowledge every
        // ACK_EVERY frames, and at each liveness check: often enough for the sender
        // to free what it retains, rarely enough that a request-reply exchange pays
        // no extra write per message.
        let burst_read = dec.buffered() == 0;
        if seen != seen_counted && (burst_read || seen - seen_counted >= ACK_EVERY) {
            link.counters.frames_in.fetch_add(seen - seen_counted, Ordering::Relaxed);
            link.counters.bytes_in.fetch_add(std::mem::take(&mut bytes_in), Ordering::Relaxed);
            seen_counted = seen;
            if burst_read {
                // Let the actors this burst woke run (and answer) before the next
                // read, which would otherwise put a fruitless syscall on their
                // critical path.
                tokio::task::yield_now().await;
            }
        }
        if last_in - last_acked >= ACK_EVERY || (ack_due && last_in != last_acked) {
            let ack = FrameHeader { sequence: last_in, ..FrameHeader::new(FrameKind::Ack) };
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
            Err(FrameError::Seal(e)) => {
                link.counters.auth_failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(peer = %link.peer, error = %e, "frame authentication failed: connection closed");
                return End::Lost(format!("frame authentication failed: {e}"));
            }
            Err(e) => return End::Lost(format!("bad input: {e}")),
        };
        seen += 1;
        bytes_in += header.wire_len() as u64;
        if matches!(header.kind, FrameKind::Tell | FrameKind::Ask | FrameKind::Reply) {
            let seq = header.sequence;
            if seq <= last_in {
                link.counters.duplicates.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            if seq - last_in != 1 {
                link.counters.gaps.fetch_add(1, Ordering::Relaxed);
                let due = last_in + 1;
                tracing::warn!(peer = %link.peer, due, got = seq, "gap in the peer's frames: resuming from the last one in order");
                return End::Lost(format!("gap: frame {seq} where {due} was due"));
            }
            last_in = seq;
            link.last_in.store(seq, Ordering::Release);
        }
        match header.kind {
            FrameKind::Tell | FrameKind::Ask => dispatch.request(&header, payload).await,
            FrameKind::Reply => dispatch.reply(&header, payload),
            FrameKind::Heartbeat if header.flags & FLAG_ECHO != 0 => {
                link.record_rtt(Duration::from_nanos(
                    link.now_ns().saturating_sub(header.correlation),
                ));
            }
            FrameKind::Heartbeat => {
                let echo = FrameHeader {
                    flags: FLAG_ECHO,
                    correlation: header.correlation,
                    ..FrameHeader::new(FrameKind::Heartbeat)
                };
                link.outbox.push_control(echo, &[]);
            }
            FrameKind::Ack if header.flags & FLAG_RESUME == 0 => {
                if let Err(e) = link.outbox.ack(header.sequence) {
                    return protocol_error(link, &e.to_string());
                }
            }
            FrameKind::Ack => return protocol_error(link, "a second resume on one connection"),
            FrameKind::Close => {
                return match payload.first().map(|b| CloseReason::from_u8(*b)) {
                    Some(CloseReason::Duplicate) => End::Duplicate,
                    _ => End::Closed,
                }
            }
            // The decoder lets none of these through inside a seal.
            FrameKind::Hello | FrameKind::Response | FrameKind::Seal => {
                return protocol_error(link, "a handshake or seal frame inside a seal")
            }
        }
    }
}

fn protocol_error(link: &Link, why: &str) -> End {
    link.counters.protocol_errors.fetch_add(1, Ordering::Relaxed);
    tracing::warn!(peer = %link.peer, why, "connection closed: the peer broke the protocol");
    End::Lost(why.to_owned())
}
