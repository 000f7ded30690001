//! [`FrameDecoder`]: frames read from a byte stream into one reused, 16-byte aligned
//! buffer, payloads handed out in place; after the handshake, each seal checked
//! before any frame inside it is handed out.

use rkyv::util::AlignedVec;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::frame::{
    FrameError, FrameHeader, FrameKind, DEFAULT_MAX_PAYLOAD, FRAME_ALIGN, HEADER_LEN,
};
use super::seal::{check_seal_header, max_seal_len, Opener, SealError};

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
///
/// With an [`Opener`] ([`with_opener`](Self::with_opener)) it reads what follows a
/// handshake: nothing but seals. Each seal is read whole and its number and tag
/// checked before the frames inside it are handed out one by one; anything else is
/// [`FrameError::Seal`]. The buffer then holds at most one seal (its size checked
/// from its header): `48 + 64 KiB + 48 + max_payload + 15 + 16` bytes.
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
    /// After the handshake: the opener, and the seal being read.
    sealed: Option<Sealed>,
}

#[derive(Debug)]
struct Sealed {
    opener: Opener,
    max_len: usize,
    /// Inside a checked seal: where its frames end and where the seal ends.
    inside: Option<(usize, usize)>,
}

impl<R: AsyncRead + Unpin> FrameDecoder<R> {
    /// A decoder with the default payload limit ([`DEFAULT_MAX_PAYLOAD`], 1 MiB).
    pub fn new(reader: R) -> Self {
        Self::with_max_payload(reader, DEFAULT_MAX_PAYLOAD)
    }

    /// A decoder refusing frames whose payload is over `max_payload` bytes.
    pub fn with_max_payload(reader: R, max_payload: u32) -> Self {
        Self {
            reader,
            buf: AlignedVec::new(),
            start: 0,
            end: 0,
            consumed: 0,
            max_payload,
            sealed: None,
        }
    }

    /// This decoder reading only seals, checked with `opener` (see the type's docs).
    pub fn with_opener(mut self, opener: Opener) -> Self {
        let max_len = max_seal_len(self.max_payload);
        self.sealed = Some(Sealed { opener, max_len, inside: None });
        self
    }

    /// The next frame: its header and its payload, borrowed from the decoder's buffer
    /// until the next call. `Ok(None)` when the stream ends cleanly between frames;
    /// [`FrameError::Truncated`] when it ends inside one.
    pub async fn next_frame(&mut self) -> Result<Option<(FrameHeader, &[u8])>, FrameError> {
        self.start += std::mem::take(&mut self.consumed);
        if let Some(sealed) = self.sealed.as_mut() {
            if let Some((frames_end, seal_end)) = sealed.inside {
                if self.start >= frames_end {
                    self.start = seal_end;
                    sealed.inside = None;
                }
            }
        }
        let inside = self.sealed.as_ref().and_then(|s| s.inside);
        if inside.is_none() && self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        let frames_end = match inside {
            Some((frames_end, _)) => frames_end,
            None => {
                if !self.fill(HEADER_LEN).await? {
                    return Ok(None);
                }
                let header = FrameHeader::decode(&self.buf[self.start..self.end])?;
                if self.sealed.is_none() {
                    return self.plain_frame(header).await.map(Some);
                }
                self.open_seal(header).await?
            }
        };
        // A frame inside a checked seal: it must lie whole within it.
        let malformed = |why| FrameError::Seal(SealError::Malformed(why));
        let header = FrameHeader::decode(&self.buf[self.start..frames_end])
            .map_err(|_| malformed("a seal's frames do not parse"))?;
        if matches!(header.kind, FrameKind::Seal | FrameKind::Hello | FrameKind::Response) {
            return Err(malformed("a seal or handshake frame inside a seal"));
        }
        header.check_len(self.max_payload)?;
        let total = header.wire_len();
        if self.start + total > frames_end {
            return Err(malformed("a frame runs past its seal's end"));
        }
        Ok(Some(self.hand_out(header)))
    }

    /// A frame outside seals (a decoder without an opener).
    async fn plain_frame(
        &mut self,
        header: FrameHeader,
    ) -> Result<(FrameHeader, &[u8]), FrameError> {
        header.check_len(self.max_payload)?;
        if !self.fill(header.wire_len()).await? {
            return Err(FrameError::Truncated);
        }
        Ok(self.hand_out(header))
    }

    /// Reads the whole seal whose header is at `start` and checks it; returns where
    /// its frames end, with `start` at its first frame.
    async fn open_seal(&mut self, header: FrameHeader) -> Result<usize, FrameError> {
        let max_len = self.sealed.as_ref().map_or(0, |s| s.max_len);
        check_seal_header(&header, max_len)?;
        let total = header.wire_len();
        if !self.fill(total).await? {
            return Err(FrameError::Truncated);
        }
        let Some(sealed) = self.sealed.as_mut() else {
            return Err(FrameError::Truncated);
        };
        let seal = &self.buf[self.start..self.start + total];
        let frames = sealed.opener.open(&header, seal)?;
        let frames_end = self.start + frames.end;
        sealed.inside = Some((frames_end, self.start + total));
        self.start += frames.start;
        Ok(frames_end)
    }

    /// Hands out the frame at `start`, whole in the buffer; consumed at the next call.
    fn hand_out(&mut self, header: FrameHeader) -> (FrameHeader, &[u8]) {
        let payload = self.start + HEADER_LEN;
        self.consumed = header.wire_len();
        (header, &self.buf[payload..payload + header.payload_len as usize])
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
        let next = self.start + self.consumed;
        // Past a seal's last frame, its tag is not a frame still to come.
        let next = match self.sealed.as_ref().and_then(|s| s.inside) {
            Some((frames_end, seal_end)) if next >= frames_end => seal_end,
            _ => next,
        };
        self.end.saturating_sub(next)
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
