//! A connection's writer task: writes the frames to resend first, then takes whole
//! batches from the link's outbox, seals each in place and writes it with one write,
//! keeping data until acknowledged; sends a heartbeat probe when idle. On a busy-poll
//! link senders may write their batches themselves once the resend is out; this task
//! then finishes what they could not.

use std::sync::Arc;
use std::time::Duration;

use rkyv::util::AlignedVec;

use super::link::Link;
use super::outbox::ConnWriter;
use crate::remote::codec::frame::{CloseReason, FrameHeader, FrameKind};

pub(crate) async fn write_loop(
    link: Arc<Link>,
    conn: Arc<ConnWriter>,
    mut resend: AlignedVec,
    resent: u64,
    heartbeat: Duration,
) {
    let outbox = &link.outbox;
    let failed = |e: std::io::Error| {
        tracing::debug!(peer = %link.peer, error = %e, "write failed");
        // The reader sees the same socket fail; make sure it stops.
        conn.kill.cancel();
    };
    if !resend.is_empty() {
        conn.seal(&mut resend);
        if let Err(e) = conn.write(&resend).await {
            return failed(e);
        }
        outbox.count_written(resent, resend.len());
    }
    // Only now: nothing new may overtake what is resent.
    outbox.attach(conn.clone());
    let mut beat = tokio::time::interval(heartbeat);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let killed = conn.kill.cancelled();
    tokio::pin!(killed);
    let mut closing = false;
    loop {
        if let Some(rest) = outbox.take_partial() {
            let written = conn.write(&rest).await;
            outbox.finish_partial();
            if let Err(e) = written {
                return failed(e);
            }
            continue;
        }
        if let Some(mut job) = outbox.take() {
            job.conn.seal(&mut job.bytes);
            let written = job.conn.write(&job.bytes).await;
            outbox.finish(job);
            if let Err(e) = written {
                return failed(e);
            }
            continue;
        }
        if outbox.is_closed() && outbox.is_drained() {
            if closing {
                // The `Close` went out after the last frame.
                return;
            }
            closing = true;
            outbox.push_control(FrameHeader::new(FrameKind::Close), &[CloseReason::Normal as u8]);
            continue;
        }
        tokio::select! {
            biased;
            _ = &mut killed => return,
            _ = outbox.data.notified() => {}
            _ = beat.tick() => {
                let probe = FrameHeader { correlation: link.now_ns(), ..FrameHeader::new(FrameKind::Heartbeat) };
                outbox.push_control(probe, &[]);
            }
        }
    }
}
