//! Mycelium's compact binary recording of [`MarketTick`]s.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! header (16 bytes):  magic "MYCTICKS" | version: u16 (2) | flags: u16 (0) | reserved: u32 (0)
//! record*:            len: u32 (1..=MAX_RECORD_LEN) | len bytes of rkyv-archived MarketTick
//! trailer (16 bytes): 0: u32 (no record is empty) | records: u64 | crc32c: u32
//! ```
//!
//! The trailer's checksum is the CRC-32C (Castagnoli, computed by the CPU's `crc32`
//! instruction) of every byte before it: header, records, end marker and count. Its
//! count is the number of records. A recording is complete only with its trailer,
//! and only if nothing follows it: a file cut anywhere (between records too) or
//! altered anywhere is a [`RecordingError`] naming the byte offset, never a shorter
//! replay.
//!
//! The writer serializes each tick into one reused [`AlignedVec`], and writes the
//! trailer in [`RecordingWriter::finish`] (a writer dropped unfinished leaves an
//! incomplete recording, which reads as one). The reader reads through its own
//! 256 KiB buffer, checksumming each block as it is read (a call per record cost
//! more than the rest of the reader), reads each record into a reused aligned buffer,
//! checks the length against [`MAX_RECORD_LEN`] before allocating, validates the
//! bytes with `rkyv::access` (bytecheck) and only then deserializes.

use std::io::{self, BufReader, Read, Write};

use rkyv::rancor;
use rkyv::util::AlignedVec;

use crate::tick::{ArchivedMarketTick, MarketTick};

/// File magic.
pub const MAGIC: [u8; 8] = *b"MYCTICKS";
/// Current format version (2: with the trailer).
pub const VERSION: u16 = 2;
/// Header size in bytes.
pub const HEADER_LEN: usize = 16;
/// Trailer size in bytes, its zero length marker included.
pub const TRAILER_LEN: usize = 16;
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
    /// A record's length exceeds [`MAX_RECORD_LEN`].
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
    /// The file ends without its trailer: it was cut short (or never finished).
    #[error("truncated: the recording ends at byte {offset} after {records} records, without its trailer")]
    MissingTrailer {
        /// Where the file ends.
        offset: u64,
        /// Records read before it.
        records: u64,
    },
    /// The trailer is cut short.
    #[error("truncated: the trailer at byte {offset} has {got} of {TRAILER_LEN} bytes")]
    TruncatedTrailer {
        /// Byte offset of the trailer.
        offset: u64,
        /// Bytes present.
        got: usize,
    },
    /// The trailer counts other records than the file holds.
    #[error("the trailer at byte {offset} counts {expected} records, the file holds {found}")]
    CountMismatch {
        /// Byte offset of the trailer.
        offset: u64,
        /// The trailer's count.
        expected: u64,
        /// Records read.
        found: u64,
    },
    /// The file's checksum is not the trailer's: a byte before it was altered.
    #[error(
        "corrupt: the bytes before the checksum of the trailer at byte {offset} sum to \
         {found:08x}, the trailer says {expected:08x}"
    )]
    ChecksumMismatch {
        /// Byte offset of the trailer.
        offset: u64,
        /// The trailer's checksum.
        expected: u32,
        /// The records' checksum.
        found: u32,
    },
    /// Bytes follow the trailer.
    #[error("bytes follow the trailer, from byte {offset}")]
    TrailingBytes {
        /// Where they start.
        offset: u64,
    },
}

/// Writes a recording (header on creation, one record per tick).
pub struct RecordingWriter<W: Write> {
    out: W,
    buf: AlignedVec,
    records: u64,
    crc: u32,
}

impl<W: Write> RecordingWriter<W> {
    /// Writes the header to `out` (wrap files in a `BufWriter`).
    pub fn new(mut out: W) -> Result<Self, RecordingError> {
        let mut header = [0u8; HEADER_LEN];
        header[..8].copy_from_slice(&MAGIC);
        header[8..10].copy_from_slice(&VERSION.to_le_bytes());
        out.write_all(&header)?;
        let crc = crc32c::crc32c(&header);
        Ok(Self { out, buf: AlignedVec::with_capacity(256), records: 0, crc })
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
        let len = len.to_le_bytes();
        self.crc = crc32c::crc32c_append(self.crc, &len);
        self.crc = crc32c::crc32c_append(self.crc, &self.buf);
        self.out.write_all(&len)?;
        self.out.write_all(&self.buf)?;
        self.records += 1;
        Ok(())
    }

    /// Records written so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Writes the trailer (record count and checksum), flushes and returns the
    /// underlying writer. Without it, the recording reads as truncated.
    pub fn finish(mut self) -> Result<W, RecordingError> {
        let mut trailer = [0u8; TRAILER_LEN];
        trailer[4..12].copy_from_slice(&self.records.to_le_bytes());
        let crc = crc32c::crc32c_append(self.crc, &trailer[..12]);
        trailer[12..16].copy_from_slice(&crc.to_le_bytes());
        self.out.write_all(&trailer)?;
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

/// Streams ticks out of a recording; an iterator that ends at the first error, or
/// after the trailer has been checked.
pub struct RecordingReader<R: Read> {
    input: BufReader<Checksummed<R>>,
    buf: AlignedVec,
    index: u64,
    offset: u64,
    done: bool,
}

/// Read buffer: with 8 KiB, a replay made ~2,900 system calls per 100k ticks instead
/// of ~800, and each costs more than a tick on this guest.
const READ_BUFFER: usize = 256 * 1024;

/// Passes bytes on, checksumming all but the last four it has passed: at the end of a
/// recording, those are the trailer's checksum, and the sum is of every byte before.
struct Checksummed<R> {
    inner: R,
    crc: u32,
    held: [u8; 4],
    held_len: usize,
}

impl<R: Read> Read for Checksummed<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        let new = &out[..n];
        // Of the held bytes then the new ones, in order, all but the last four are
        // summed; those four are held.
        let summed = (self.held_len + n).saturating_sub(4);
        let from_held = summed.min(self.held_len);
        let from_new = summed - from_held;
        self.crc = crc32c::crc32c_append(self.crc, &self.held[..from_held]);
        self.crc = crc32c::crc32c_append(self.crc, &new[..from_new]);
        let mut held = [0u8; 4];
        let kept = self.held[from_held..self.held_len].iter().chain(&new[from_new..]);
        let mut len = 0;
        for (slot, byte) in held.iter_mut().zip(kept) {
            *slot = *byte;
            len += 1;
        }
        (self.held, self.held_len) = (held, len);
        Ok(n)
    }
}

impl<R: Read> RecordingReader<R> {
    /// Reads and checks the header (the reader buffers: pass a file as it is).
    pub fn new(input: R) -> Result<Self, RecordingError> {
        let checksummed = Checksummed { inner: input, crc: 0, held: [0; 4], held_len: 0 };
        let mut input = BufReader::with_capacity(READ_BUFFER, checksummed);
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

    /// Reads the next tick; `Ok(None)` after the trailer, once it has been checked.
    pub fn read_tick(&mut self) -> Result<Option<MarketTick>, RecordingError> {
        let (index, offset) = (self.index, self.offset);
        let mut len_bytes = [0u8; 4];
        let got = read_full(&mut self.input, &mut len_bytes)?;
        if got == 0 {
            return Err(RecordingError::MissingTrailer { offset, records: index });
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
        if len == 0 {
            self.check_trailer()?;
            return Ok(None);
        }
        if len > MAX_RECORD_LEN {
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

    /// Checks the trailer (its zero length marker just read) against what was read,
    /// and that nothing follows it.
    fn check_trailer(&mut self) -> Result<(), RecordingError> {
        let offset = self.offset;
        let mut rest = [0u8; TRAILER_LEN - 4];
        let got = read_full(&mut self.input, &mut rest)?;
        if got < rest.len() {
            return Err(RecordingError::TruncatedTrailer { offset, got: got + 4 });
        }
        let mut count = [0u8; 8];
        count.copy_from_slice(&rest[..8]);
        let (expected, found) = (u64::from_le_bytes(count), self.index);
        if expected != found {
            return Err(RecordingError::CountMismatch { offset, expected, found });
        }
        // Read to the end, so that every byte before the checksum has been summed.
        if read_full(&mut self.input, &mut [0u8; 1])? > 0 {
            return Err(RecordingError::TrailingBytes { offset: offset + TRAILER_LEN as u64 });
        }
        let expected = u32::from_le_bytes([rest[8], rest[9], rest[10], rest[11]]);
        let found = self.input.get_ref().crc;
        if expected != found {
            return Err(RecordingError::ChecksumMismatch { offset, expected, found });
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `data` through `Checksummed` in reads of at most `chunk` bytes.
    fn sum_in_chunks(data: &[u8], chunk: usize) -> u32 {
        let mut reader = Checksummed { inner: data, crc: 0, held: [0; 4], held_len: 0 };
        let mut buf = vec![0u8; chunk];
        while reader.read(&mut buf).expect("a slice reads") > 0 {}
        reader.crc
    }

    #[test]
    fn the_checksum_is_of_every_byte_but_the_last_four_however_it_is_read() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        let expected = crc32c::crc32c(&data[..996]);
        for chunk in [1, 2, 3, 4, 5, 7, 64, 999, 1000, 4096] {
            assert_eq!(sum_in_chunks(&data, chunk), expected, "reads of {chunk}");
        }
        assert_eq!(sum_in_chunks(&data[..3], 2), crc32c::crc32c(&[]), "under four bytes");
    }
}
