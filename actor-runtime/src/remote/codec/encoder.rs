//! [`FrameEncoder`]: frames serialized straight into one reused, aligned batch
//! buffer, written with one `write_all`; in sealing mode, laid out in seals ready
//! to be authenticated in place.

use rkyv::util::AlignedVec;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::frame::{padded, FrameHeader, FrameKind, DEFAULT_MAX_PAYLOAD, FRAME_ALIGN, HEADER_LEN};
use super::payload::{append_payload, RemoteMessage, WireError};
use super::seal::{Sealer, TAG_LEN, UNIT_TARGET};

/// Builds a batch of frames in one reused buffer and writes it with one `write_all`.
///
/// Each [`push`](Self::push) reserves the header, serializes the value with rkyv in
/// place right behind it (no intermediate buffer, no copy), fills in the header with
/// the payload length and pads to [`FRAME_ALIGN`]. [`flush`](Self::flush) writes the
/// whole batch at once and keeps the buffer's capacity for the next batch, so a warm
/// encoder does not allocate.
///
/// A [`sealed`](Self::sealed) encoder lays the batch out as it goes on the wire
/// after the handshake: runs of frames inside `Seal` frames, each with room for its
/// tag, so that [`seal`](Self::seal) authenticates the batch in place, with no copy.
#[derive(Debug)]
pub struct FrameEncoder {
    batch: AlignedVec,
    frames: usize,
    max_payload: u32,
    /// In sealing mode: where the open seal starts (`None` when no seal is open).
    seal: Option<Option<usize>>,
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
        Self { batch: AlignedVec::new(), frames: 0, max_payload, seal: None }
    }

    /// This encoder in sealing mode: frames go inside seals of about
    /// [`UNIT_TARGET`] bytes, to be authenticated with [`seal`](Self::seal) before
    /// the batch is written.
    pub fn sealed(mut self) -> Self {
        self.seal = Some(None);
        self
    }

    /// Closes the open seal and seals every seal of the batch with `sealer`: the
    /// batch is then ready to be written. Does nothing on an encoder not in sealing
    /// mode.
    pub fn seal(&mut self, sealer: &mut Sealer) {
        if self.seal.is_some() {
            self.close_seal();
            sealer.seal(&mut self.batch);
        }
    }

    /// Where the next frame starts: in sealing mode, opens a seal for it first if
    /// none is open or the open one is full. Returns the frame's start and what to
    /// restore if the frame is not pushed after all.
    fn begin_frame(&mut self) -> (usize, Undo) {
        let undo = Undo { len: self.batch.len(), seal: self.seal };
        if let Some(open) = self.seal {
            let full = open.is_some_and(|at| self.batch.len() - at - HEADER_LEN >= UNIT_TARGET);
            if open.is_none() || full {
                self.close_seal();
                self.seal = Some(Some(self.batch.len()));
                self.batch.extend_from_slice(&[0; HEADER_LEN]);
            }
        }
        (self.batch.len(), undo)
    }

    fn undo(&mut self, undo: Undo) {
        self.batch.resize(undo.len, 0);
        self.seal = undo.seal;
    }

    /// Ends the open seal: room for its tag, and its length in its header (the rest
    /// of the header is written when it is sealed). The next frame opens a new one.
    pub(crate) fn close_seal(&mut self) {
        if let Some(Some(at)) = self.seal {
            self.batch.extend_from_slice(&[0; TAG_LEN]);
            let len = (self.batch.len() - at - HEADER_LEN) as u32;
            let header = FrameHeader { payload_len: len, ..FrameHeader::new(FrameKind::Seal) };
            let mut bytes = [0; HEADER_LEN];
            header.encode(&mut bytes);
            self.batch[at..at + HEADER_LEN].copy_from_slice(&bytes);
            self.seal = Some(None);
        }
    }

    /// Appends a frame carrying `value`. `header.payload_len` is ignored and set from
    /// the encoded value. On error the batch is left as it was.
    pub fn push<T: RemoteMessage>(
        &mut self,
        mut header: FrameHeader,
        value: &T,
    ) -> Result<(), WireError> {
        let (frame_start, undo) = self.begin_frame();
        self.batch.extend_from_slice(&[0; HEADER_LEN]);
        if let Err(e) = append_payload(value, &mut self.batch) {
            self.undo(undo);
            return Err(e);
        }
        let len = self.batch.len() - frame_start - HEADER_LEN;
        match u32::try_from(len) {
            Ok(len) if len <= self.max_payload => header.payload_len = len,
            _ => {
                self.undo(undo);
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
        let (frame_start, _) = self.begin_frame();
        self.batch.extend_from_slice(&[0; HEADER_LEN]);
        self.batch.extend_from_slice(payload);
        self.finish_frame(frame_start, &header);
        Ok(())
    }

    /// Appends a whole frame already encoded (header, payload, padding), as is:
    /// frames kept from an earlier batch, written again.
    pub(crate) fn push_encoded(&mut self, frame: &[u8]) {
        debug_assert_eq!(frame.len() % FRAME_ALIGN, 0);
        self.begin_frame();
        self.batch.extend_from_slice(frame);
        self.frames += 1;
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
    /// batch (keeping its capacity). Does nothing when the batch is empty. A sealing
    /// encoder must be [`seal`](Self::seal)ed first.
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
    /// In sealing mode the open seal is closed first (the batch still needs sealing).
    pub(crate) fn swap_batch(&mut self, other: &mut AlignedVec) -> usize {
        debug_assert!(other.is_empty());
        self.close_seal();
        std::mem::swap(&mut self.batch, other);
        std::mem::take(&mut self.frames)
    }

    /// The batch's bytes, to change the frames in place (their headers only: the
    /// layout must stay as it is).
    pub(crate) fn batch_mut(&mut self) -> &mut [u8] {
        &mut self.batch
    }

    /// Drops the batched frames, keeping the buffer's capacity.
    pub fn clear(&mut self) {
        self.batch.clear();
        self.frames = 0;
        if let Some(open) = self.seal.as_mut() {
            *open = None;
        }
    }

    /// The payload limit in force.
    pub fn max_payload(&self) -> u32 {
        self.max_payload
    }
}

/// What [`FrameEncoder::begin_frame`] changed, to take back.
#[derive(Clone, Copy)]
struct Undo {
    len: usize,
    seal: Option<Option<usize>>,
}
