//! A link's outbound side: frames serialized straight into one shared batch buffer,
//! laid out in seals, bounded, numbered, and kept after writing until the peer
//! acknowledges them.
//!
//! Senders lock the outbox for as long as one rkyv serialization takes (nanoseconds),
//! push their frame, and wake the writer only when the batch was empty: the writer
//! always takes everything there is, so one wake-up per batch is enough. The writer
//! swaps the batch with a spare buffer, seals it in place with the connection's
//! sealer and writes it with one `write_all`, so a burst of sends becomes one hash and
//! one syscall and a warm link allocates nothing. One writer at a time (the writer
//! task, or on a busy-poll link a sender writing inline) holds the right to seal and
//! write, so seals reach the socket in the order they are numbered.
//!
//! # Delivery across connections
//! Data frames (tell, ask, reply) carry per-link sequence numbers. A written batch is
//! retained until the peer's cumulative `Ack` covers it; when a connection is
//! replaced (a dropped cable, a proxy cut), the next one starts by resending the data
//! frames the peer has not acknowledged. Control frames (heartbeats, acks, close) are
//! unnumbered, queued in the same batch in push order, and never resent. Retained
//! bytes count against the bound, so an unacknowledging peer pushes back on senders.
//! An acknowledgement of a frame never written, or a resume behind what was already
//! acknowledged, is refused ([`AckError`]): it would make the link skip frames.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rkyv::util::AlignedVec;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::stream::WriteHalf;
use crate::cell::lock;
use crate::remote::codec::encoder::FrameEncoder;
use crate::remote::codec::frame::{FrameHeader, FrameKind};
use crate::remote::codec::payload::{RemoteMessage, WireError};
use crate::remote::codec::seal::{self, Sealer};

/// Why a frame was not queued.
#[derive(Debug)]
pub(crate) enum PushError {
    /// The queue is at its bound.
    Full,
    /// The link is closed for good (its node shut down, or it was reclaimed).
    Closed,
    /// The value could not be encoded.
    Wire(WireError),
}

/// Why the peer's acknowledgement, or its resume, cannot be right. The connection is
/// closed; nothing the outbox holds is changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AckError {
    /// It acknowledges a frame this side never wrote.
    #[error("the peer acknowledges frame {acked}, but only frames up to {written} were written")]
    BeyondWritten {
        /// What the peer acknowledged.
        acked: u64,
        /// The last data frame taken for writing.
        written: u64,
    },
    /// It asks for frames that it had already acknowledged and that were freed.
    #[error("the peer resumes after frame {from}, but had acknowledged up to {acked}")]
    BehindAcked {
        /// Where the peer asks to resume.
        from: u64,
        /// What it had acknowledged.
        acked: u64,
    },
}

/// A written batch kept until acknowledged: its data frames end with `last_seq`.
struct Sent {
    last_seq: u64,
    bytes: AlignedVec,
}

/// The connection the outbox writes to: its write half and the sealer of what is
/// written on it.
pub(crate) struct ConnWriter {
    half: WriteHalf,
    /// Ends the connection (reader and writer).
    pub(crate) kill: CancellationToken,
    /// Used by whoever holds the outbox's right to write: never contended.
    sealer: Mutex<Sealer>,
    /// Senders may write their batches themselves (busy-poll links).
    inline: bool,
}

impl ConnWriter {
    pub(crate) fn new(
        half: WriteHalf,
        kill: CancellationToken,
        sealer: Sealer,
        inline: bool,
    ) -> Self {
        Self { half, kill, sealer: Mutex::new(sealer), inline }
    }

    /// Seals a batch laid out by a sealing encoder, in place.
    pub(crate) fn seal(&self, batch: &mut [u8]) {
        lock(&self.sealer).seal(batch);
    }

    /// Seals and writes the frames of `enc` (a sealing encoder), then empties it.
    pub(crate) async fn send(&self, enc: &mut FrameEncoder) -> std::io::Result<()> {
        enc.seal(&mut lock(&self.sealer));
        let written = self.write(enc.as_bytes()).await;
        enc.clear();
        written
    }

    /// Writes sealed bytes, unless the connection is killed first: a peer that stops
    /// reading must not hold the writer forever.
    pub(crate) async fn write(&self, bytes: &[u8]) -> std::io::Result<()> {
        tokio::select! {
            written = self.half.write_all_shared(bytes) => written,
            _ = self.kill.cancelled() => Err(std::io::ErrorKind::Interrupted.into()),
        }
    }
}

/// A batch taken for writing, sealed by the one who took it.
pub(crate) struct Job {
    pub(crate) bytes: AlignedVec,
    /// Frames in it (data and control).
    pub(crate) frames: usize,
    /// Its last data frame, or 0 when it holds only control frames.
    last_seq: u64,
    pub(crate) conn: Arc<ConnWriter>,
}

struct State {
    /// Data and control frames waiting to be written, in seals, in push order.
    enc: FrameEncoder,
    /// Bytes of control frames in `enc`.
    control_bytes: usize,
    /// The last data frame queued.
    seq: u64,
    /// The last data frame taken for writing: the most the peer can acknowledge.
    taken: u64,
    /// The last data frame the peer acknowledged.
    acked: u64,
    /// Written, not yet acknowledged, oldest first.
    sent: VecDeque<Sent>,
    sent_bytes: usize,
    /// Emptied buffers of acknowledged batches, for the writer to reuse.
    spares: Vec<AlignedVec>,
    closed: bool,
    /// Someone (the writer task or an inline writer) holds the right to write.
    writing: bool,
    /// The connection written to, while one is installed.
    conn: Option<Arc<ConnWriter>>,
    /// Sealed bytes an inline writer could not write: the writer task writes them
    /// next (the right to write passes to it with them).
    partial: Option<Vec<u8>>,
}

pub(crate) struct Outbox {
    state: Mutex<State>,
    max_frames: usize,
    max_bytes: usize,
    max_payload: u32,
    /// Wakes the writer: frames were queued into an empty batch.
    pub(crate) data: Notify,
    /// Wakes senders waiting for room: the writer took a batch, or an ack freed one.
    pub(crate) room: Notify,
    frames_out: AtomicU64,
    bytes_out: AtomicU64,
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

/// A written batch is copied onto the end of the batch retained before it while both
/// together hold at most this many bytes, and its buffer goes back to the spares at
/// once. Request-reply traffic writes a small batch per message: retained each in
/// its own buffer, thousands of them wait for one acknowledgement, and every message
/// cost an allocation and a free; a copy of a few hundred bytes costs far less.
/// Retained seals stay whole, so a coalesced batch resends like two.
const COALESCE_UP_TO: usize = 4 * 1024;
/// Frames that skip the bound may take the outbox to this many times the byte bound.
const HARD_CEILING: usize = 4;
/// Most bytes of control frames waiting to be written.
const MAX_CONTROL_BYTES: usize = 64 * 1024;

fn is_data(frame: &[u8]) -> bool {
    matches!(
        FrameKind::from_u8(frame[6]),
        Some(FrameKind::Tell | FrameKind::Ask | FrameKind::Reply)
    )
}

fn sequence_of(frame: &[u8]) -> u64 {
    let mut bytes = [0; 8];
    bytes.copy_from_slice(&frame[16..24]);
    u64::from_le_bytes(bytes)
}

impl Outbox {
    pub(crate) fn new(max_frames: usize, max_bytes: usize, max_payload: u32) -> Self {
        Self {
            state: Mutex::new(State {
                enc: FrameEncoder::with_max_payload(max_payload).sealed(),
                control_bytes: 0,
                seq: 0,
                taken: 0,
                acked: 0,
                sent: VecDeque::new(),
                sent_bytes: 0,
                spares: Vec::new(),
                closed: false,
                writing: false,
                conn: None,
                partial: None,
            }),
            max_frames,
            max_bytes,
            max_payload,
            data: Notify::new(),
            room: Notify::new(),
            frames_out: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
        }
    }

    /// A sealing encoder with this outbox's payload limit (for frames written
    /// outside it: a connection's resume and resend).
    pub(crate) fn encoder(&self) -> FrameEncoder {
        FrameEncoder::with_max_payload(self.max_payload).sealed()
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

    /// Writes to `conn` from now on (the writer task calls this once it has written
    /// what it resends, so nothing new overtakes it).
    pub(crate) fn attach(&self, conn: Arc<ConnWriter>) {
        lock(&self.state).conn = Some(conn);
    }

    /// Stops writing to the connection (it ended). Sealed bytes left unwritten are
    /// dropped: their data frames are retained and resent on the next connection.
    pub(crate) fn detach(&self) {
        let mut st = lock(&self.state);
        st.conn = None;
        if st.partial.take().is_some() {
            st.writing = false;
        }
    }

    /// Whether someone holds the right to write (an inline writer, once the writer
    /// task has stopped).
    pub(crate) fn is_writing(&self) -> bool {
        lock(&self.state).writing
    }

    fn full(&self, st: &State) -> bool {
        (st.seq - st.taken) as usize >= self.max_frames
            || st.enc.len() + st.sent_bytes >= self.max_bytes
    }

    /// Queues one data frame built by `push`, numbering it; returns how many data
    /// frames now wait. Fails with `Full` at the bound unless `over_bound` (replies
    /// and node requests, which must not be refused).
    pub(crate) fn push_with(
        &self,
        mut header: FrameHeader,
        over_bound: bool,
        push: impl FnOnce(&mut FrameEncoder, FrameHeader) -> Result<(), WireError>,
    ) -> Result<usize, PushError> {
        let (was_empty, queued) = {
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
            let was_empty = st.enc.is_empty();
            header.sequence = st.seq + 1;
            push(&mut st.enc, header).map_err(PushError::Wire)?;
            st.seq += 1;
            let queued = (st.seq - st.taken) as usize;
            // The `Arc` is cloned only when this sender is to write (nobody else is).
            let inline = st.conn.as_ref().filter(|c| c.inline && !st.writing).cloned();
            if let Some(conn) = inline {
                let job = Self::take_locked(&mut st, conn);
                drop(st);
                self.room.notify_waiters();
                self.write_inline(job);
                return Ok(queued);
            }
            (was_empty, queued)
        };
        if was_empty {
            self.data.notify_one();
        }
        Ok(queued)
    }

    /// Seals and writes a batch from the sender's own thread; what the socket does
    /// not take now is left to the writer task.
    fn write_inline(&self, mut job: Job) {
        job.conn.seal(&mut job.bytes);
        match job.conn.half.write_now(&job.bytes) {
            Ok(n) if n == job.bytes.len() => {
                if self.finish(job) {
                    self.data.notify_one();
                }
            }
            Ok(written) => {
                let rest = job.bytes[written..].to_vec();
                let conn = job.conn.clone();
                let attached = {
                    let mut st = lock(&self.state);
                    let attached = st.conn.as_ref().is_some_and(|c| Arc::ptr_eq(c, &conn));
                    if attached {
                        // The writer task finishes it, holding on to the right to write.
                        st.partial = Some(rest);
                    }
                    attached
                };
                self.count_written(job.frames as u64, job.bytes.len());
                self.retain(job, !attached);
                self.data.notify_one();
            }
            Err(e) => {
                tracing::debug!(error = %e, "inline write failed");
                let conn = job.conn.clone();
                // Kept for the next connection, which resends it.
                self.finish(job);
                conn.kill.cancel();
            }
        }
    }

    /// Queues a data frame with a raw payload (error replies).
    pub(crate) fn push_raw(&self, header: FrameHeader, payload: &[u8]) -> Result<(), PushError> {
        self.push_with(header, true, |enc, h| enc.push_raw(h, payload)).map(|_| ())
    }

    /// Queues a link-control frame (heartbeat, ack, close: not numbered as data; an
    /// ack's `sequence` is what it acknowledges), never refused for room, never
    /// resent.
    pub(crate) fn push_control(&self, header: FrameHeader, payload: &[u8]) {
        let was_empty = {
            let mut st = lock(&self.state);
            if st.control_bytes >= MAX_CONTROL_BYTES {
                // A peer flooding probes while not reading: echoes and acks are best
                // effort (an ack is cumulative, the next one covers this one).
                return;
            }
            let was_empty = st.enc.is_empty();
            let before = st.enc.len();
            // A control payload is at most a few bytes: always under the limit.
            let _ = st.enc.push_raw(header, payload);
            st.control_bytes += st.enc.len() - before;
            was_empty
        };
        if was_empty {
            self.data.notify_one();
        }
    }

    /// Data frames waiting to be written.
    pub(crate) fn queued(&self) -> usize {
        let st = lock(&self.state);
        (st.seq - st.taken) as usize
    }

    /// Takes the whole batch for writing to the attached connection, leaving an
    /// empty buffer (an old one when there is one) in its place, with the right to
    /// write: hand it back with [`finish`](Self::finish). `None` when someone else
    /// is writing, nothing is queued, or no connection is attached.
    pub(crate) fn take(&self) -> Option<Job> {
        let job = {
            let mut st = lock(&self.state);
            if st.writing || st.enc.is_empty() {
                return None;
            }
            let conn = st.conn.clone()?;
            Self::take_locked(&mut st, conn)
        };
        self.room.notify_waiters();
        Some(job)
    }

    fn take_locked(st: &mut State, conn: Arc<ConnWriter>) -> Job {
        st.writing = true;
        let mut bytes = st.spares.pop().unwrap_or_default();
        bytes.clear();
        let frames = st.enc.swap_batch(&mut bytes);
        let last_seq = if st.seq > st.taken { st.seq } else { 0 };
        st.taken = st.seq;
        st.control_bytes = 0;
        Job { bytes, frames, last_seq, conn }
    }

    /// The sealed bytes an inline writer left unwritten, for the writer task (which
    /// then holds the right to write until [`finish_partial`](Self::finish_partial)).
    pub(crate) fn take_partial(&self) -> Option<Vec<u8>> {
        lock(&self.state).partial.take()
    }

    /// The writer task has written (or given up on) what an inline writer left.
    pub(crate) fn finish_partial(&self) {
        lock(&self.state).writing = false;
    }

    /// Ends a write: the batch is retained until acknowledged (even when the write
    /// failed: the next connection resends it, and the peer drops what of it did
    /// arrive), the right to write is released. True if more is queued.
    pub(crate) fn finish(&self, job: Job) -> bool {
        self.count_written(job.frames as u64, job.bytes.len());
        self.retain(job, true)
    }

    fn retain(&self, job: Job, release: bool) -> bool {
        let mut st = lock(&self.state);
        if job.last_seq > st.acked {
            st.sent_bytes += job.bytes.len();
            match st.sent.back_mut() {
                Some(last) if last.bytes.len() + job.bytes.len() <= COALESCE_UP_TO => {
                    last.bytes.extend_from_slice(&job.bytes);
                    last.last_seq = job.last_seq;
                    if st.spares.len() < MAX_SPARES {
                        st.spares.push(job.bytes);
                    }
                }
                _ => st.sent.push_back(Sent { last_seq: job.last_seq, bytes: job.bytes }),
            }
        } else if st.spares.len() < MAX_SPARES {
            // Only control frames, or data the peer has acknowledged meanwhile.
            st.spares.push(job.bytes);
        }
        if release {
            st.writing = false;
        }
        !st.enc.is_empty()
    }

    /// The peer has every data frame up to `seq`: frees the batches it covers. An
    /// acknowledgement of a frame never written is refused; one behind an earlier
    /// one changes nothing (acks of two connections may cross).
    pub(crate) fn ack(&self, seq: u64) -> Result<(), AckError> {
        let freed = {
            let mut st = lock(&self.state);
            if seq > st.taken {
                return Err(AckError::BeyondWritten { acked: seq, written: st.taken });
            }
            if seq <= st.acked {
                return Ok(());
            }
            st.acked = seq;
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
        Ok(())
    }

    /// The peer resumes after data frame `from`: frees what that covers and returns
    /// the data frames to write again, every retained one after `from`, in order, in
    /// a sealing batch (unsealed), with their count.
    pub(crate) fn resume_after(&self, from: u64) -> Result<(AlignedVec, u64), AckError> {
        {
            let st = lock(&self.state);
            if from < st.acked {
                return Err(AckError::BehindAcked { from, acked: st.acked });
            }
        }
        self.ack(from)?;
        let st = lock(&self.state);
        let mut out = self.encoder();
        for sent in &st.sent {
            for frame in seal::frames(&sent.bytes) {
                let frame = &sent.bytes[frame];
                if is_data(frame) && sequence_of(frame) > from {
                    out.push_encoded(frame);
                }
            }
        }
        let mut bytes = AlignedVec::new();
        let frames = out.swap_batch(&mut bytes);
        Ok((bytes, frames as u64))
    }

    /// The peer is a new incarnation that never saw what was written: gives up every
    /// retained frame, and numbers the frames still queued from 1, as the new peer
    /// expects. Returns how many frames were given up.
    pub(crate) fn restart_numbering(&self) -> u64 {
        let dropped = {
            let mut st = lock(&self.state);
            let dropped = st.sent.iter().map(|s| count_data(&s.bytes)).sum();
            st.sent.clear();
            st.sent_bytes = 0;
            st.enc.close_seal();
            let mut seq = 0u64;
            let frames: Vec<_> = seal::frames(st.enc.as_bytes()).collect();
            let batch = st.enc.batch_mut();
            for frame in frames {
                if is_data(&batch[frame.clone()]) {
                    seq += 1;
                    batch[frame.start + 16..frame.start + 24].copy_from_slice(&seq.to_le_bytes());
                }
            }
            (st.seq, st.taken, st.acked) = (seq, 0, 0);
            dropped
        };
        self.room.notify_waiters();
        dropped
    }

    /// Gives up everything, queued and retained, and frees the buffers: the link is
    /// being reclaimed. Returns how many data frames were given up. Later pushes
    /// fail with `Closed`.
    pub(crate) fn release(&self) -> u64 {
        let dropped = {
            let mut st = lock(&self.state);
            st.closed = true;
            let retained: u64 = st.sent.iter().map(|s| count_data(&s.bytes)).sum();
            let dropped = retained + (st.seq - st.taken);
            st.enc = FrameEncoder::with_max_payload(self.max_payload).sealed();
            st.sent = VecDeque::new();
            st.spares = Vec::new();
            st.sent_bytes = 0;
            st.control_bytes = 0;
            st.taken = st.seq;
            dropped
        };
        self.room.notify_waiters();
        dropped
    }

    /// Bytes held: queued and retained.
    pub(crate) fn held_bytes(&self) -> usize {
        let st = lock(&self.state);
        st.enc.len() + st.sent_bytes
    }

    /// Refuses every later data frame; wakes everyone waiting.
    pub(crate) fn close(&self) {
        lock(&self.state).closed = true;
        self.room.notify_waiters();
        self.data.notify_one();
    }

    pub(crate) fn is_closed(&self) -> bool {
        lock(&self.state).closed
    }

    /// Whether nothing is waiting to be written and nobody is writing.
    pub(crate) fn is_drained(&self) -> bool {
        let st = lock(&self.state);
        st.enc.is_empty() && !st.writing
    }
}

/// Data frames in a batch laid out in seals.
fn count_data(bytes: &[u8]) -> u64 {
    seal::frames(bytes).filter(|f| is_data(&bytes[f.clone()])).count() as u64
}
