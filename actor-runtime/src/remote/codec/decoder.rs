//! [`FrameDecoder`]: frames read from a byte stream into one reused, 16-byte aligned
//! buffer, payloads handed out in place.

use rkyv::util::AlignedVec;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::frame::{FrameError, FrameHeader, DEFAULT_MAX_PAYLOAD, FRAME_ALIGN, HEADER_LEN};

/// Bytes asked of the reader at a time (the buffer's size until a larger frame comes).
const READ_CHUNK: usize = 64 * 1024;

/// Reads frames from an [`AsyncRead`].
///
/// The decoder buffers what it reads (one `read` usually brings many coalesced frames)
/// in a reused [`AlignedVec`] (16-byte aligned). Frames on the wire are padded to
/// [`FRAME_ALIGN`], and the buffer is only ever compacted to a frame boundary, so every
/// payload it returns starts 16-byte aligned and can be given straight to
/// `rkyv::access` (see [`access_payload`](super::payload::access_payload)), with no copy.
///
/// The payload limit is checked from the header, before the buffer grows for the
/// frame: a peer announcing 4 GiB costs nothing. The buffer holds at most
/// `max(64 KiB, 48 + max_payload + 15)` bytes.
///
/// [`next_frame`](Self::next_frame) is cancel-safe (it may sit in a `select!`). After
/// an error the stream is out of sync: drop the connection (calling again returns the
/// same error). A peer that stops mid-frame stalls it: bound it with a timeout or a
/// heartbeat.
#[derive(Debug)]
pub struct FrameDecoder<R> {
    reader: R,
    buf: AlignedVec,
    /// Start of the first unconsumed frame (always a multiple of [`FRAME_ALIGN`]).
    start: usize,
    /// End of the bytes read so far.
    end: usize,
    /// Bytes of the frame last handed out, consumed at the next call.
    consumed: usize,
    max_payload: u32,
}

impl<R: AsyncRead + Unpin> FrameDecoder<R> {
    /// A decoder with the default payload limit ([`DEFAULT_MAX_PAYLOAD`], 1 MiB).
    pub fn new(reader: R) -> Self {
        Self::with_max_payload(reader, DEFAULT_MAX_PAYLOAD)
    }

    /// A decoder refusing frames whose payload is over `max_payload` bytes.
    pub fn with_max_payload(reader: R, max_payload: u32) -> Self {
        Self { reader, buf: AlignedVec::new(), start: 0, end: 0, consumed: 0, max_payload }
    }

    /// The next frame: its header and its payload, borrowed from the decoder's buffer
    /// until the next call. `Ok(None)` when the stream ends cleanly between frames;
    /// [`FrameError::Truncated`] when it ends inside one.
    pub async fn next_frame(&mut self) -> Result<Option<(FrameHeader, &[u8])>, FrameError> {
        self.start += std::mem::take(&mut self.consumed);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if !self.fill(HEADER_LEN).await? {
            return Ok(None);
        }
        let header = FrameHeader::decode(&self.buf[self.start..self.end])?;
        header.check_len(self.max_payload)?;
        let total = header.wire_len();
        if !self.fill(total).await? {
            return Err(FrameError::Truncated);
        }
        let payload = self.start + HEADER_LEN;
        self.consumed = total;
        Ok(Some((header, &self.buf[payload..payload + header.payload_len as usize])))
    }

    /// Reads until `need` bytes are buffered from `start`. `Ok(false)` on a clean end
    /// of stream (nothing buffered); `Truncated` on an end inside a frame.
    async fn fill(&mut self, need: usize) -> Result<bool, FrameError> {
        while self.end - self.start < need {
            if self.start + need > self.buf.len() {
                self.make_room(need);
            }
            let n = self.reader.read(&mut self.buf[self.end..]).await?;
            if n == 0 {
                return if self.end == self.start { Ok(false) } else { Err(FrameError::Truncated) };
            }
            self.end += n;
        }
        Ok(true)
    }

    /// Moves the unconsumed bytes to the front and grows the buffer to hold `need`
    /// bytes from there. `start` is a frame boundary, so alignment is kept.
    fn make_room(&mut self, need: usize) {
        debug_assert_eq!(self.start % FRAME_ALIGN, 0);
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if need > self.buf.len() {
            self.buf.resize(need.max(READ_CHUNK), 0);
        }
    }

    /// The payload limit in force.
    pub fn max_payload(&self) -> u32 {
        self.max_payload
    }

    /// Bytes the buffer currently holds room for (for tests and metrics).
    pub fn buffer_len(&self) -> usize {
        self.buf.len()
    }

    /// Bytes read but not yet handed out as frames.
    pub fn buffered(&self) -> usize {
        self.end - self.start - self.consumed
    }

    /// The underlying reader.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// The underlying reader; buffered bytes not yet decoded are lost.
    pub fn into_inner(self) -> R {
        self.reader
    }
}
