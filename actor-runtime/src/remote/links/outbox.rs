//! A link's outbound side: data frames serialized straight into one shared batch
//! buffer, bounded, numbered, and kept after writing until the peer acknowledges
//! them; link-control frames in a small batch of their own.
//!
//! Senders lock the outbox for as long as one rkyv serialization takes (nanoseconds),
//! push their frame, and wake the writer only when the batch was empty: the writer
//! always takes everything there is, so one wake-up per batch is enough. The writer
//! swaps the batch with a spare buffer and writes it with one `write_all`, so a burst
//! of sends becomes one syscall and a warm link allocates nothing.
//!
//! # Delivery across connections
//! Data frames (tell, ask, reply) carry per-link sequence numbers. A written batch is
//! retained until the peer's cumulative `Ack` covers it; when a connection is
//! replaced (a dropped cable, a proxy cut), the next one starts by resending what the
//! peer has not acknowledged, and the peer drops what it had already seen. Control
//! frames (heartbeats, acks, close) are unnumbered and never resent. Retained bytes
//! count against the bound, so an unacknowledging peer pushes back on senders.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rkyv::util::AlignedVec;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::stream::WriteHalf;
use crate::cell::lock;
use crate::remote::codec::encoder::FrameEncoder;
use crate::remote::codec::frame::{FrameHeader, HEADER_LEN};
use crate::remote::codec::payload::{RemoteMessage, WireError};

/// Why a frame was not queued.
#[derive(Debug)]
pub(crate) enum PushError {
    /// The queue is at its bound.
    Full,
    /// The link is closed for good (its node shut down).
    Closed,
    /// The value could not be encoded.
    Wire(WireError),
}

/// A written batch of data frames, kept until acknowledged.
struct Sent {
    last_seq: u64,
    bytes: AlignedVec,
}

/// A connection's write half lent to senders for inline writes (busy-poll links).
pub(crate) struct Inline {
    pub(crate) half: Arc<WriteHalf>,
    /// Ends the connection if an inline write fails.
    pub(crate) kill: CancellationToken,
}

/// A batch an inline writer could not finish: the writer task completes it.
pub(crate) struct Partial {
    pub(crate) bytes: AlignedVec,
    pub(crate) written: usize,
    pub(crate) frames: usize,
    pub(crate) last_seq: u64,
}

struct State {
    enc: FrameEncoder,
    control: FrameEncoder,
    /// The sequence number of the last data frame queued.
    seq: u64,
    /// Written, not yet acknowledged, oldest first.
    sent: VecDeque<Sent>,
    sent_bytes: usize,
    /// Emptied buffers of acknowledged batches, for the writer to reuse.
    spares: Vec<AlignedVec>,
    closed: bool,
    /// Someone (the writer task or an inline writer) is writing a data batch: data
    /// goes to the socket one batch at a time, in sequence order.
    writing: bool,
    inline: Option<Arc<Inline>>,
    partial: Option<Partial>,
}

pub(crate) struct Outbox {
    state: Mutex<State>,
    max_frames: usize,
    max_bytes: usize,
    /// Wakes the writer: data was queued into an empty batch.
    pub(crate) data: Notify,
    /// Wakes senders waiting for room: the writer took a batch, or an ack freed one.
    pub(crate) room: Notify,
    frames_out: AtomicU64,
    bytes_out: AtomicU64,
}

/// A batch taken by the writer.
pub(crate) struct Taken {
    pub(crate) frames: usize,
    pub(crate) last_seq: u64,
}

/// A typed frame pusher, monomorphized where the message type is known to be a
/// [`RemoteMessage`] and stored as a plain function pointer where it is not.
pub(crate) type PushFn<M> = fn(&mut FrameEncoder, FrameHeader, &M) -> Result<(), WireError>;

/// The pusher for a remote message type.
pub(crate) fn push_fn<M: RemoteMessage>() -> PushFn<M> {
    |enc, header, value| enc.push(header, value)
}

/// Most spare buffers kept for reuse.
const MAX_SPARES: usize = 4;
/// Frames that skip the bound may take the outbox to this many times the byte bound.
const HARD_CEILING: usize = 4;
/// Largest batch of control frames waiting to be written.
const MAX_CONTROL_BYTES: usize = 64 * 1024;

impl Outbox {
    pub(crate) fn new(max_frames: usize, max_bytes: usize, max_payload: u32) -> Self {
        Self {
            state: Mutex::new(State {
                enc: FrameEncoder::with_max_payload(max_payload),
                control: FrameEncoder::new(),
                seq: 0,
                sent: VecDeque::new(),
                sent_bytes: 0,
                spares: Vec::new(),
                closed: false,
                writing: false,
                inline: None,
                partial: None,
            }),
            max_frames,
            max_bytes,
            data: Notify::new(),
            room: Notify::new(),
            frames_out: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
        }
    }

    /// Counts frames written to a socket.
    pub(crate) fn count_written(&self, frames: u64, bytes: usize) {
        self.frames_out.fetch_add(frames, Ordering::Relaxed);
        self.bytes_out.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// Frames and bytes written so far.
    pub(crate) fn written(&self) -> (u64, u64) {
        (self.frames_out.load(Ordering::Relaxed), self.bytes_out.load(Ordering::Relaxed))
    }

    /// Lets senders write their frames to `inline`'s socket themselves when nobody
    /// else is writing (busy-poll links: no hop through the writer task).
    pub(crate) fn attach_inline(&self, inline: Inline) {
        lock(&self.state).inline = Some(Arc::new(inline));
    }

    /// Stops inline writes (the connection ended); a batch left unfinished is kept
    /// for resending.
    pub(crate) fn detach_inline(&self) {
        let partial = {
            let mut st = lock(&self.state);
            st.inline = None;
            st.partial.take()
        };
        if let Some(p) = partial {
            self.retain(p.last_seq, p.bytes);
            self.finish_write();
        }
    }

    /// Whether a batch is being written (by an inline writer, once the writer task
    /// has stopped).
    pub(crate) fn is_writing(&self) -> bool {
        lock(&self.state).writing
    }

    /// The batch an inline writer left unfinished, for the writer task.
    pub(crate) fn take_partial(&self) -> Option<Partial> {
        lock(&self.state).partial.take()
    }

    /// The current writer is done with its batch; true if more data is queued.
    pub(crate) fn finish_write(&self) -> bool {
        let mut st = lock(&self.state);
        st.writing = false;
        !st.enc.is_empty()
    }

    fn full(&self, st: &State) -> bool {
        st.enc.frames() >= self.max_frames || st.enc.len() + st.sent_bytes >= self.max_bytes
    }

    /// Queues one data frame built by `push`, numbering it; returns how many frames
    /// the batch now holds. Fails with `Full` at the bound unless `over_bound`
    /// (replies and node requests, which must not be refused).
    pub(crate) fn push_with(
        &self,
        mut header: FrameHeader,
        over_bound: bool,
        push: impl FnOnce(&mut FrameEncoder, FrameHeader) -> Result<(), WireError>,
    ) -> Result<usize, PushError> {
        let (was_empty, frames) = {
            let mut st = lock(&self.state);
            if st.closed {
                return Err(PushError::Closed);
            }
            if !over_bound && self.full(&st) {
                return Err(PushError::Full);
            }
            // Frames that skip the bound (answers to the peer's asks) still have a
            // ceiling: a peer that asks and never reads cannot grow this without end.
            if over_bound
                && st.enc.len() + st.sent_bytes >= self.max_bytes.saturating_mul(HARD_CEILING)
            {
                return Err(PushError::Full);
            }
            let was_empty = st.enc.is_empty() && st.control.is_empty();
            header.sequence = st.seq + 1;
            push(&mut st.enc, header).map_err(PushError::Wire)?;
            st.seq += 1;
            let frames = st.enc.frames();
            // The `Arc` is cloned only when this sender is to write (nobody else is).
            match st.inline.as_ref().filter(|_| !st.writing).cloned() {
                Some(inline) => {
                    st.writing = true;
                    let mut bytes = st.spares.pop().unwrap_or_default();
                    bytes.clear();
                    let taken = st.enc.swap_batch(&mut bytes);
                    let last_seq = st.seq;
                    drop(st);
                    self.room.notify_waiters();
                    self.write_inline(&inline, bytes, taken, last_seq);
                    return Ok(frames);
                }
                _ => (was_empty, frames),
            }
        };
        if was_empty {
            self.data.notify_one();
        }
        Ok(frames)
    }

    /// Writes a batch from the sender's own thread; what the socket does not take now
    /// is left to the writer task.
    fn write_inline(&self, inline: &Inline, bytes: AlignedVec, frames: usize, last_seq: u64) {
        match inline.half.write_now(&bytes) {
            Ok(n) if n == bytes.len() => {
                self.count_written(frames as u64, n);
                self.retain(last_seq, bytes);
                if self.finish_write() {
                    self.data.notify_one();
                }
            }
            Ok(written) => {
                let mut st = lock(&self.state);
                if st.inline.is_some() {
                    st.partial = Some(Partial { bytes, written, frames, last_seq });
                    drop(st);
                    self.data.notify_one();
                } else {
                    // The connection ended meanwhile: keep it for the next one.
                    drop(st);
                    self.retain(last_seq, bytes);
                    self.finish_write();
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "inline write failed");
                // Kept for the next connection, which resends it.
                self.retain(last_seq, bytes);
                self.finish_write();
                inline.kill.cancel();
            }
        }
    }

    /// Queues a data frame with a raw payload (error replies).
    pub(crate) fn push_raw(&self, header: FrameHeader, payload: &[u8]) -> Result<(), PushError> {
        self.push_with(header, true, |enc, h| enc.push_raw(h, payload)).map(|_| ())
    }

    /// Queues a link-control frame (heartbeat, ack: not numbered as data; an ack's
    /// `sequence` is what it acknowledges), never refused for room, never resent.
    pub(crate) fn push_control(&self, header: FrameHeader, payload: &[u8]) {
        let was_empty = {
            let mut st = lock(&self.state);
            if st.control.len() >= MAX_CONTROL_BYTES {
                // A peer flooding probes while not reading: echoes and acks are best
                // effort (an ack is cumulative, the next one covers this one).
                return;
            }
            let was_empty = st.enc.is_empty() && st.control.is_empty();
            // A control payload is at most a few bytes: always under the limit.
            let _ = st.control.push_raw(header, payload);
            was_empty
        };
        if was_empty {
            self.data.notify_one();
        }
    }

    /// Data frames waiting to be written.
    pub(crate) fn queued(&self) -> usize {
        lock(&self.state).enc.frames()
    }

    /// Takes the control batch into `out` (emptied first); false if there was none.
    pub(crate) fn take_control(&self, out: &mut AlignedVec) -> bool {
        out.clear();
        lock(&self.state).control.swap_batch(out) > 0
    }

    /// Takes the whole data batch, leaving an empty buffer (an old one when there is
    /// one) in its place. The taken batch is in `out`; after writing it, hand it back
    /// with [`retain`](Self::retain).
    /// Nothing is taken while someone else is writing. Call
    /// [`finish_write`](Self::finish_write) after writing a batch taken here.
    pub(crate) fn take(&self, out: &mut AlignedVec) -> Taken {
        let taken = {
            let mut st = lock(&self.state);
            if st.writing || st.enc.is_empty() {
                return Taken { frames: 0, last_seq: st.seq };
            }
            st.writing = true;
            let mut spare = st.spares.pop().unwrap_or_default();
            spare.clear();
            let frames = st.enc.swap_batch(&mut spare);
            *out = spare;
            Taken { frames, last_seq: st.seq }
        };
        if taken.frames > 0 {
            self.room.notify_waiters();
        }
        taken
    }

    /// Keeps a written batch until the peer acknowledges `last_seq`.
    pub(crate) fn retain(&self, last_seq: u64, bytes: AlignedVec) {
        let mut st = lock(&self.state);
        st.sent_bytes += bytes.len();
        st.sent.push_back(Sent { last_seq, bytes });
    }

    /// The peer has everything up to `seq`: frees the batches it covers.
    pub(crate) fn ack(&self, seq: u64) {
        let freed = {
            let mut st = lock(&self.state);
            let mut freed = false;
            while st.sent.front().is_some_and(|s| s.last_seq <= seq) {
                if let Some(done) = st.sent.pop_front() {
                    st.sent_bytes -= done.bytes.len();
                    if st.spares.len() < MAX_SPARES {
                        st.spares.push(done.bytes);
                    }
                    freed = true;
                }
            }
            freed
        };
        if freed {
            self.room.notify_waiters();
        }
    }

    /// The frames to write again on a new connection: every retained frame after
    /// `acked`, in order, as one buffer (frame boundaries keep it aligned).
    pub(crate) fn unacked_after(&self, acked: u64) -> AlignedVec {
        self.ack(acked);
        let st = lock(&self.state);
        let mut out = AlignedVec::new();
        for sent in &st.sent {
            let mut at = 0;
            while at + HEADER_LEN <= sent.bytes.len() {
                let Ok(h) = FrameHeader::decode(&sent.bytes[at..]) else { break };
                let len = h.wire_len();
                if h.sequence > acked {
                    out.extend_from_slice(&sent.bytes[at..(at + len).min(sent.bytes.len())]);
                }
                at += len;
            }
        }
        out
    }

    /// The peer is a new incarnation that never saw what we retained: forgets it all.
    /// Returns how many frames were dropped.
    pub(crate) fn forget_sent(&self) -> u64 {
        let dropped = {
            let mut st = lock(&self.state);
            let dropped = st.sent.iter().map(|s| count_frames(&s.bytes)).sum();
            st.sent.clear();
            st.sent_bytes = 0;
            dropped
        };
        self.room.notify_waiters();
        dropped
    }

    /// Refuses every later push; wakes everyone waiting.
    pub(crate) fn close(&self) {
        lock(&self.state).closed = true;
        self.room.notify_waiters();
        self.data.notify_one();
    }

    pub(crate) fn is_closed(&self) -> bool {
        lock(&self.state).closed
    }

    /// Whether nothing is waiting to be written (data or control).
    pub(crate) fn is_drained(&self) -> bool {
        let st = lock(&self.state);
        st.enc.is_empty() && st.control.is_empty()
    }
}

/// Frames in a buffer of whole frames.
pub(crate) fn count_frames(bytes: &[u8]) -> u64 {
    let mut at = 0;
    let mut n = 0;
    while at + HEADER_LEN <= bytes.len() {
        let Ok(h) = FrameHeader::decode(&bytes[at..]) else { break };
        at += h.wire_len();
        n += 1;
    }
    n
}
