//! The bytes on disk: the file header shared by segments and snapshots, and the record
//! frame. `docs/JOURNAL.md` describes the same layout byte by byte; the two must agree.
//!
//! Every file starts with a 32-byte header; records follow, each a 16-byte header
//! (checksum, length, sequence), the payload, and zero padding to the next multiple of
//! 16. The checksum comes first so that what it covers (length, sequence, payload) is
//! contiguous: one CRC pass per record. The padding keeps every payload
//! 16-byte aligned in the file, so a file read into a 16-aligned buffer hands rkyv
//! payloads that can be accessed in place.

use std::path::Path;

use crate::error::JournalError;

/// The first eight bytes of every journal file.
pub(crate) const MAGIC: [u8; 8] = *b"MYCJRNL\0";
/// The format version this build writes and the only one it reads.
pub const FORMAT_VERSION: u16 = 1;
/// Bytes of the file header.
pub(crate) const FILE_HEADER_LEN: usize = 32;
/// Bytes of a record header.
pub(crate) const RECORD_HEADER_LEN: usize = 16;
/// Records (and so payloads) start at multiples of this offset.
pub(crate) const ALIGN: usize = 16;

/// What a journal file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// Log records, the first with the header's base sequence.
    Segment = 1,
    /// One record holding a snapshot of the state through the header's sequence.
    Snapshot = 2,
}

/// The header of a segment or snapshot file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileHeader {
    pub(crate) kind: FileKind,
    /// A segment's first sequence; the sequence a snapshot covers.
    pub(crate) base_seq: u64,
}

impl FileHeader {
    /// The header's 32 bytes.
    pub(crate) fn encode(&self) -> [u8; FILE_HEADER_LEN] {
        let mut h = [0u8; FILE_HEADER_LEN];
        h[0..8].copy_from_slice(&MAGIC);
        h[8..10].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        h[10..12].copy_from_slice(&(self.kind as u16).to_le_bytes());
        h[16..24].copy_from_slice(&self.base_seq.to_le_bytes());
        let crc = crc32c::crc32c(&h[0..28]);
        h[28..32].copy_from_slice(&crc.to_le_bytes());
        h
    }

    /// Reads and checks a header of `kind`. The version is checked before the
    /// checksum: another version may lay its header out differently, and "unsupported
    /// version" is the error that tells the operator what to do.
    pub(crate) fn decode(bytes: &[u8], kind: FileKind, path: &Path) -> Result<Self, JournalError> {
        let bad = |reason: &'static str| JournalError::BadHeader { path: path.to_owned(), reason };
        if bytes.len() < FILE_HEADER_LEN {
            return Err(bad("shorter than the 32-byte header"));
        }
        if bytes[0..8] != MAGIC {
            return Err(bad("bad magic: not a Mycelium journal file"));
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if version != FORMAT_VERSION {
            return Err(JournalError::UnsupportedVersion {
                path: path.to_owned(),
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        if crc32c::crc32c(&bytes[0..28]) != read_u32(bytes, 28) {
            return Err(bad("header checksum mismatch"));
        }
        let found = match u16::from_le_bytes([bytes[10], bytes[11]]) {
            1 => FileKind::Segment,
            2 => FileKind::Snapshot,
            _ => return Err(bad("unknown file kind")),
        };
        if found != kind {
            return Err(bad("a snapshot where a segment was expected, or the reverse"));
        }
        Ok(FileHeader { kind, base_seq: read_u64(bytes, 16) })
    }
}

/// Bytes a record of `payload_len` bytes takes on disk, header and padding included.
pub(crate) fn framed_len(payload_len: usize) -> usize {
    (RECORD_HEADER_LEN + payload_len).next_multiple_of(ALIGN)
}

/// Starts a record at the end of `out`: reserves its header and returns where it starts.
/// The caller then appends the payload and calls [`seal_record`].
#[inline]
pub(crate) fn begin_record(out: &mut Vec<u8>) -> usize {
    let start = out.len();
    out.extend_from_slice(&[0u8; RECORD_HEADER_LEN]);
    start
}

/// Completes the record begun at `start`: writes its length, sequence and checksum and
/// pads it. On error `out` is left as it was before [`begin_record`].
#[inline]
pub(crate) fn seal_record(
    out: &mut Vec<u8>,
    start: usize,
    seq: u64,
    max_len: u32,
) -> Result<(), JournalError> {
    let len = out.len() - start - RECORD_HEADER_LEN;
    if len > max_len as usize {
        out.truncate(start);
        return Err(JournalError::TooLarge { len, max: max_len });
    }
    let header = &mut out[start..start + RECORD_HEADER_LEN];
    header[4..8].copy_from_slice(&(len as u32).to_le_bytes());
    header[8..16].copy_from_slice(&seq.to_le_bytes());
    let crc = crc32c::crc32c(&out[start + 4..]);
    out[start..start + 4].copy_from_slice(&crc.to_le_bytes());
    out.resize(start + framed_len(len), 0);
    Ok(())
}

/// What lies at an offset of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A whole record whose checksum and padding are right.
    Valid {
        /// Its sequence number.
        seq: u64,
        /// Its payload's length.
        len: usize,
        /// Where the next record starts.
        next: usize,
    },
    /// Not a valid record, for this reason.
    Invalid(&'static str),
}

/// Checks the record at `at` of `buf` (header, checksum, padding).
#[inline]
pub(crate) fn check_record(buf: &[u8], at: usize, max_len: u32) -> Frame {
    let Some(header) = buf.get(at..at + RECORD_HEADER_LEN) else {
        return Frame::Invalid("incomplete record header");
    };
    let len = read_u32(header, 4);
    if len > max_len {
        return Frame::Invalid("length over the record limit");
    }
    let len = len as usize;
    let next = at + framed_len(len);
    let Some(frame) = buf.get(at..next) else {
        return Frame::Invalid("incomplete record");
    };
    // The checksum covers the rest of the header (length, sequence) and the payload,
    // which lie back to back after it: one pass.
    if crc32c::crc32c(&frame[4..RECORD_HEADER_LEN + len]) != read_u32(header, 0) {
        return Frame::Invalid("checksum mismatch");
    }
    if frame[RECORD_HEADER_LEN + len..].iter().any(|&b| b != 0) {
        return Frame::Invalid("nonzero padding");
    }
    Frame::Valid { seq: read_u64(header, 8), len, next }
}

/// The payload of the record at `at`, already checked by [`check_record`].
#[inline]
pub(crate) fn payload_at(buf: &[u8], at: usize) -> (u64, &[u8], usize) {
    let len = read_u32(buf, at + 4) as usize;
    let seq = read_u64(buf, at + 8);
    let start = at + RECORD_HEADER_LEN;
    (seq, &buf[start..start + len], at + framed_len(len))
}

fn read_u32(b: &[u8], at: usize) -> u32 {
    let mut x = [0u8; 4];
    x.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(x)
}

fn read_u64(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_record_checks_valid_and_pads_to_sixteen() {
        let mut buf = vec![0u8; FILE_HEADER_LEN];
        let start = begin_record(&mut buf);
        buf.extend_from_slice(b"hello");
        seal_record(&mut buf, start, 7, 1024).expect("seal");
        assert_eq!(buf.len(), FILE_HEADER_LEN + 32);
        assert_eq!(
            check_record(&buf, start, 1024),
            Frame::Valid { seq: 7, len: 5, next: buf.len() }
        );
        let (seq, payload, next) = payload_at(&buf, start);
        assert_eq!((seq, payload, next), (7, &b"hello"[..], buf.len()));
    }

    #[test]
    fn a_record_over_the_limit_is_refused_and_leaves_the_buffer_as_it_was() {
        let mut buf = Vec::new();
        let start = begin_record(&mut buf);
        buf.extend_from_slice(&[1u8; 65]);
        assert!(matches!(
            seal_record(&mut buf, start, 1, 64),
            Err(JournalError::TooLarge { len: 65, max: 64 })
        ));
        assert!(buf.is_empty());
    }

    #[test]
    fn every_flipped_bit_of_a_record_is_detected() {
        let mut buf = Vec::new();
        let start = begin_record(&mut buf);
        buf.extend_from_slice(b"0123456789");
        seal_record(&mut buf, start, 42, 1024).expect("seal");
        for byte in 0..buf.len() {
            for bit in 0..8 {
                let mut b = buf.clone();
                b[byte] ^= 1 << bit;
                assert!(
                    matches!(check_record(&b, 0, 1024), Frame::Invalid(_)),
                    "flip of bit {bit} of byte {byte} went unseen"
                );
            }
        }
    }

    #[test]
    fn a_header_round_trips_and_refuses_another_kind() {
        let h = FileHeader { kind: FileKind::Segment, base_seq: 99 };
        let bytes = h.encode();
        let p = Path::new("x");
        assert_eq!(FileHeader::decode(&bytes, FileKind::Segment, p).expect("decode"), h);
        assert!(matches!(
            FileHeader::decode(&bytes, FileKind::Snapshot, p),
            Err(JournalError::BadHeader { .. })
        ));
    }
}
