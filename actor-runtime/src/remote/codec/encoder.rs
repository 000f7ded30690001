//! [`FrameEncoder`]: frames serialized straight into one reused, aligned batch
//! buffer, written with one `write_all`.

use rkyv::util::AlignedVec;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::frame::{padded, FrameHeader, DEFAULT_MAX_PAYLOAD, FRAME_ALIGN, HEADER_LEN};
use super::payload::{append_payload, RemoteMessage, WireError};

/// Builds a batch of frames in one reused buffer and writes it with one `write_all`.
///
/// Each [`push`](Self::push) reserves the header, serializes the value with rkyv in
/// place right behind it (no intermediate buffer, no copy), fills in the header with
/// the payload length and pads to [`FRAME_ALIGN`]. [`flush`](Self::flush) writes the
/// whole batch at once and keeps the buffer's capacity for the next batch, so a warm
/// encoder does not allocate.
#[derive(Debug)]
pub struct FrameEncoder {
    batch: AlignedVec,
    frames: usize,
    max_payload: u32,
}

impl Default for FrameEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameEncoder {
    /// An empty encoder with the default payload limit ([`DEFAULT_MAX_PAYLOAD`]).
    pub fn new() -> Self {
        Self::with_max_payload(DEFAULT_MAX_PAYLOAD)
    }

    /// An empty encoder refusing payloads over `max_payload` bytes (use the peer's
    /// decoder limit, so that nothing is sent that the peer would reject).
    pub fn with_max_payload(max_payload: u32) -> Self {
        Self { batch: AlignedVec::new(), frames: 0, max_payload }
    }

    /// Appends a frame carrying `value`. `header.payload_len` is ignored and set from
    /// the encoded value. On error the batch is left as it was.
    pub fn push<T: RemoteMessage>(
        &mut self,
        mut header: FrameHeader,
        value: &T,
    ) -> Result<(), WireError> {
        let frame_start = self.batch.len();
        self.batch.extend_from_slice(&[0; HEADER_LEN]);
        if let Err(e) = append_payload(value, &mut self.batch) {
            self.batch.resize(frame_start, 0);
            return Err(e);
        }
        let len = self.batch.len() - frame_start - HEADER_LEN;
        match u32::try_from(len) {
            Ok(len) if len <= self.max_payload => header.payload_len = len,
            _ => {
                self.batch.resize(frame_start, 0);
                return Err(WireError::Oversized { len: len as u64, max: self.max_payload });
            }
        }
        self.finish_frame(frame_start, &header);
        Ok(())
    }

    /// Appends a frame whose payload is `payload` as is (handshake, heartbeat, close,
    /// or bytes already encoded). `header.payload_len` is set from `payload`.
    pub fn push_raw(&mut self, mut header: FrameHeader, payload: &[u8]) -> Result<(), WireError> {
        header.payload_len = match u32::try_from(payload.len()) {
            Ok(len) if len <= self.max_payload => len,
            _ => {
                let len = payload.len() as u64;
                return Err(WireError::Oversized { len, max: self.max_payload });
            }
        };
        let frame_start = self.batch.len();
        self.batch.extend_from_slice(&[0; HEADER_LEN]);
        self.batch.extend_from_slice(payload);
        self.finish_frame(frame_start, &header);
        Ok(())
    }

    fn finish_frame(&mut self, frame_start: usize, header: &FrameHeader) {
        let mut bytes = [0; HEADER_LEN];
        header.encode(&mut bytes);
        self.batch[frame_start..frame_start + HEADER_LEN].copy_from_slice(&bytes);
        let end = padded(self.batch.len());
        self.batch.resize(end, 0);
        debug_assert_eq!(self.batch.len() % FRAME_ALIGN, 0);
        self.frames += 1;
    }

    /// Writes the whole batch with one `write_all`, flushes `writer`, and empties the
    /// batch (keeping its capacity). Does nothing when the batch is empty.
    ///
    /// Not cancel-safe: if the future is dropped midway, part of the batch may have
    /// been written and the stream is out of sync; close it.
    pub async fn flush<W: AsyncWrite + Unpin + ?Sized>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        writer.write_all(&self.batch).await?;
        writer.flush().await?;
        self.clear();
        Ok(())
    }

    /// The batch as it would be written.
    pub fn as_bytes(&self) -> &[u8] {
        &self.batch
    }

    /// Bytes in the batch.
    pub fn len(&self) -> usize {
        self.batch.len()
    }

    /// True if no frame is batched.
    pub fn is_empty(&self) -> bool {
        self.batch.is_empty()
    }

    /// Frames in the batch.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Swaps the batch with `other` (which must be empty, e.g. the last written batch
    /// after `clear`) and returns how many frames the batch held. Lets a writer take a
    /// batch out from under a lock and write it while senders fill the other buffer.
    pub(crate) fn swap_batch(&mut self, other: &mut AlignedVec) -> usize {
        debug_assert!(other.is_empty());
        std::mem::swap(&mut self.batch, other);
        std::mem::take(&mut self.frames)
    }

    /// Drops the batched frames, keeping the buffer's capacity.
    pub fn clear(&mut self) {
        self.batch.clear();
        self.frames = 0;
    }

    /// The payload limit in force.
    pub fn max_payload(&self) -> u32 {
        self.max_payload
    }
}
