//! A link's outbound queue: frames serialized straight into one shared batch buffer,
//! bounded in frames and bytes, taken whole by the link's writer.
//!
//! Senders lock the outbox for as long as one rkyv serialization takes (nanoseconds),
//! push their frame, and wake the writer only when the batch was empty: the writer
//! always takes everything there is, so one wake-up per batch is enough. The writer
//! swaps the batch with its spare buffer and writes it with one `write_all`, so a
//! burst of sends becomes one syscall and a warm link allocates nothing.

use std::sync::Mutex;

use rkyv::util::AlignedVec;
use tokio::sync::Notify;

use super::encoder::FrameEncoder;
use super::frame::FrameHeader;
use super::wire::{RemoteMessage, WireError};
use crate::cell::lock;

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

struct State {
    enc: FrameEncoder,
    /// The sequence number of the last frame queued (per link and direction).
    seq: u64,
    closed: bool,
}

pub(crate) struct Outbox {
    state: Mutex<State>,
    max_frames: usize,
    max_bytes: usize,
    /// Wakes the writer: data was queued into an empty batch.
    pub(crate) data: Notify,
    /// Wakes senders waiting for room: the writer took a batch.
    pub(crate) room: Notify,
}

/// A typed frame pusher, monomorphized where the message type is known to be a
/// [`RemoteMessage`] and stored as a plain function pointer where it is not.
pub(crate) type PushFn<M> = fn(&mut FrameEncoder, FrameHeader, &M) -> Result<(), WireError>;

/// The pusher for a remote message type.
pub(crate) fn push_fn<M: RemoteMessage>() -> PushFn<M> {
    |enc, header, value| enc.push(header, value)
}

impl Outbox {
    pub(crate) fn new(max_frames: usize, max_bytes: usize, max_payload: u32) -> Self {
        Self {
            state: Mutex::new(State {
                enc: FrameEncoder::with_max_payload(max_payload),
                seq: 0,
                closed: false,
            }),
            max_frames,
            max_bytes,
            data: Notify::new(),
            room: Notify::new(),
        }
    }

    /// Queues one frame built by `push`, numbering it. Fails with `Full` at the bound
    /// unless `over_bound` (replies and link frames, which must not be refused).
    pub(crate) fn push_with(
        &self,
        mut header: FrameHeader,
        over_bound: bool,
        push: impl FnOnce(&mut FrameEncoder, FrameHeader) -> Result<(), WireError>,
    ) -> Result<(), PushError> {
        let was_empty = {
            let mut st = lock(&self.state);
            if st.closed {
                return Err(PushError::Closed);
            }
            if !over_bound && (st.enc.frames() >= self.max_frames || st.enc.len() >= self.max_bytes)
            {
                return Err(PushError::Full);
            }
            let was_empty = st.enc.is_empty();
            header.sequence = st.seq + 1;
            push(&mut st.enc, header).map_err(PushError::Wire)?;
            st.seq += 1;
            was_empty
        };
        if was_empty {
            self.data.notify_one();
        }
        Ok(())
    }

    /// Queues a frame with a raw payload (heartbeats, errors, link requests).
    pub(crate) fn push_raw(&self, header: FrameHeader, payload: &[u8]) -> Result<(), PushError> {
        self.push_with(header, true, |enc, h| enc.push_raw(h, payload))
    }

    /// Whether a frame fits under the bound now.
    pub(crate) fn has_room(&self) -> bool {
        let st = lock(&self.state);
        st.enc.frames() < self.max_frames && st.enc.len() < self.max_bytes
    }

    /// Frames waiting to be written.
    pub(crate) fn queued(&self) -> usize {
        lock(&self.state).enc.frames()
    }

    /// Takes the whole batch, leaving `spare` (emptied) in its place, and wakes the
    /// senders waiting for room. Returns the number of frames taken.
    pub(crate) fn take(&self, spare: &mut AlignedVec) -> usize {
        spare.clear();
        let frames = {
            let mut st = lock(&self.state);
            st.enc.swap_batch(spare)
        };
        if frames > 0 {
            self.room.notify_waiters();
        }
        frames
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
}
