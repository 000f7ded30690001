//! Mycelium's compact binary recording of [`MarketTick`]s.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! header (16 bytes): magic "MYCTICKS" | version: u16 | flags: u16 (0) | reserved: u32 (0)
//! record*:           len: u32 | len bytes of rkyv-archived MarketTick
//! ```
//!
//! The writer serializes each tick into one reused [`AlignedVec`]. The reader reads each
//! record into a reused aligned buffer, checks the length against
//! [`MAX_RECORD_LEN`] before allocating, validates the bytes with `rkyv::access`
//! (bytecheck) and only then deserializes. A clean end of file is only allowed between
//! records; anything else is a typed [`RecordingError`].

use std::io::{self, Read, Write};

use rkyv::rancor;
use rkyv::util::AlignedVec;

use crate::tick::{ArchivedMarketTick, MarketTick};

/// File magic.
pub const MAGIC: [u8; 8] = *b"MYCTICKS";
/// Current format version.
pub const VERSION: u16 = 1;
/// Header size in bytes.
pub const HEADER_LEN: usize = 16;
/// Largest accepted record (a depth snapshot of ~40k levels); longer lengths are
/// rejected before any allocation.
pub const MAX_RECORD_LEN: u32 = 1 << 20;

/// An error writing or reading a recording.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// Underlying I/O failure.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// The file does not start with [`MAGIC`].
    #[error("not a Mycelium tick recording (bad magic {found:02x?})")]
    BadMagic {
        /// The first 8 bytes found.
        found: [u8; 8],
    },
    /// Unsupported version.
    #[error("unsupported recording version {found} (this build reads version {VERSION})")]
    UnsupportedVersion {
        /// Version in the file.
        found: u16,
    },
    /// The header is cut short.
    #[error("truncated header: {got} of {HEADER_LEN} bytes")]
    TruncatedHeader {
        /// Bytes present.
        got: usize,
    },
    /// A record's length prefix or body is cut short.
    #[error("record {index} at byte {offset} is truncated: {got} of {expected} bytes")]
    TruncatedRecord {
        /// 0-based record index.
        index: u64,
        /// Byte offset of the record's length prefix.
        offset: u64,
        /// Bytes expected.
        expected: u64,
        /// Bytes present.
        got: u64,
    },
    /// A record's length exceeds [`MAX_RECORD_LEN`] (or is zero).
    #[error("record {index} at byte {offset} has invalid length {len} (max {MAX_RECORD_LEN})")]
    BadRecordLength {
        /// 0-based record index.
        index: u64,
        /// Byte offset of the record's length prefix.
        offset: u64,
        /// The length found.
        len: u32,
    },
    /// A record failed validation or (de)serialization.
    #[error("record {index} at byte {offset} is invalid: {reason}")]
    InvalidRecord {
        /// 0-based record index.
        index: u64,
        /// Byte offset of the record's length prefix.
        offset: u64,
        /// Validator's message.
        reason: String,
    },
    /// A tick too large to record.
    #[error("tick serializes to {0} bytes, over the {MAX_RECORD_LEN}-byte record limit")]
    TickTooLarge(usize),
}

/// Writes a recording (header on creation, one record per tick).
pub struct RecordingWriter<W: Write> {
    out: W,
    buf: AlignedVec,
    records: u64,
}

impl<W: Write> RecordingWriter<W> {
    /// Writes the header to `out` (wrap files in a `BufWriter`).
    pub fn new(mut out: W) -> Result<Self, RecordingError> {
        let mut header = [0u8; HEADER_LEN];
        header[..8].copy_from_slice(&MAGIC);
        header[8..10].copy_from_slice(&VERSION.to_le_bytes());
        out.write_all(&header)?;
        Ok(Self { out, buf: AlignedVec::with_capacity(256), records: 0 })
    }

    /// Appends one tick.
    pub fn write(&mut self, tick: &MarketTick) -> Result<(), RecordingError> {
        self.buf.clear();
        rkyv::api::high::to_bytes_in::<_, rancor::Error>(tick, &mut self.buf).map_err(|e| {
            RecordingError::InvalidRecord { index: self.records, offset: 0, reason: e.to_string() }
        })?;
        let len = u32::try_from(self.buf.len())
            .ok()
            .filter(|l| *l <= MAX_RECORD_LEN)
            .ok_or(RecordingError::TickTooLarge(self.buf.len()))?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(&self.buf)?;
        self.records += 1;
        Ok(())
    }

    /// Records written so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> Result<W, RecordingError> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Reads as many bytes as available into `buf`, stopping only at EOF; returns the count.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Streams ticks out of a recording; an iterator that ends at the first error.
pub struct RecordingReader<R: Read> {
    input: R,
    buf: AlignedVec,
    index: u64,
    offset: u64,
    done: bool,
}

impl<R: Read> RecordingReader<R> {
    /// Reads and checks the header (wrap files in a `BufReader`).
    pub fn new(mut input: R) -> Result<Self, RecordingError> {
        let mut header = [0u8; HEADER_LEN];
        let got = read_full(&mut input, &mut header)?;
        let mut magic = [0u8; 8];
        magic.copy_from_slice(&header[..8]);
        if got >= 8 && magic != MAGIC {
            return Err(RecordingError::BadMagic { found: magic });
        }
        if got < HEADER_LEN {
            return Err(RecordingError::TruncatedHeader { got });
        }
        let version = u16::from_le_bytes([header[8], header[9]]);
        if version != VERSION {
            return Err(RecordingError::UnsupportedVersion { found: version });
        }
        Ok(Self {
            input,
            buf: AlignedVec::with_capacity(256),
            index: 0,
            offset: HEADER_LEN as u64,
            done: false,
        })
    }

    /// Reads the next tick; `Ok(None)` at a clean end of file.
    pub fn read_tick(&mut self) -> Result<Option<MarketTick>, RecordingError> {
        let (index, offset) = (self.index, self.offset);
        let mut len_bytes = [0u8; 4];
        let got = read_full(&mut self.input, &mut len_bytes)?;
        if got == 0 {
            return Ok(None);
        }
        let truncated = |expected: u64, got: u64| RecordingError::TruncatedRecord {
            index,
            offset,
            expected,
            got,
        };
        if got < 4 {
            return Err(truncated(4, got as u64));
        }
        let len = u32::from_le_bytes(len_bytes);
        if len == 0 || len > MAX_RECORD_LEN {
            return Err(RecordingError::BadRecordLength { index, offset, len });
        }
        // The buffer only grows: zero-filling it for every record cost more than the
        // read. Bytes past `len` are left from earlier records and never looked at.
        let len_usize = len as usize;
        if self.buf.len() < len_usize {
            self.buf.resize(len_usize, 0);
        }
        let record = &mut self.buf[..len_usize];
        let got = read_full(&mut self.input, record)?;
        if got < len_usize {
            return Err(truncated(u64::from(len), got as u64));
        }
        let invalid = |e: rancor::Error| RecordingError::InvalidRecord {
            index,
            offset,
            reason: e.to_string(),
        };
        let archived = rkyv::access::<ArchivedMarketTick, rancor::Error>(&self.buf[..len_usize])
            .map_err(invalid)?;
        let tick = rkyv::deserialize::<MarketTick, rancor::Error>(archived).map_err(invalid)?;
        self.index += 1;
        self.offset += 4 + u64::from(len);
        Ok(Some(tick))
    }

    /// Records read so far.
    pub fn records(&self) -> u64 {
        self.index
    }
}

impl<R: Read> Iterator for RecordingReader<R> {
    type Item = Result<MarketTick, RecordingError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_tick() {
            Ok(Some(t)) => Some(Ok(t)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
