//! `process` mode's writer: the tail segment is mapped shared into memory and a commit
//! copies the batch into the mapping. A store into a shared file mapping is in the
//! kernel's page cache the moment it is made, so a committed record survives `kill -9`
//! of the process exactly as if `write(2)` had put it there, without the syscall
//! (1-1.5 µs here) on every commit.
//!
//! A segment is created at its full size with its blocks reserved (`fallocate`), so a
//! full disk is an error at creation instead of a `SIGBUS` on a later store, and with
//! its page tables populated (see `spare`). Its unused end reads as zeros; the scan
//! treats an all-zero end as unused space, and a segment is cut to its last record when
//! it is rolled over or closed.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{compiler_fence, Ordering};

use memmap2::MmapMut;

use crate::error::JournalError;
use crate::format::{FileHeader, FileKind, FILE_HEADER_LEN};
use crate::segment::segment_path;
use crate::spare::{self, Spare, SpareMaker};

/// One mapped segment file.
struct Segment {
    file: File,
    path: PathBuf,
    map: MmapMut,
}

impl Segment {
    /// A new segment of `size` bytes whose first record will be `base_seq`, made on
    /// this thread (at open, or when no spare is ready), the same way as a spare.
    fn create(dir: &Path, base_seq: u64, size: u64) -> Result<Self, JournalError> {
        let spare = Spare::make(dir.join(format!("{base_seq:020}.log.tmp")), size)?;
        Segment::from_spare(dir, spare, base_seq)
    }

    /// A spare made ready in the background becomes the segment starting at `base_seq`:
    /// the header first, then the name, so a crash leaves either a temp file or a valid
    /// empty segment.
    fn from_spare(dir: &Path, spare: Spare, base_seq: u64) -> Result<Self, JournalError> {
        let Spare { file, path: tmp, map } = spare;
        let seg = Segment { file, path: segment_path(dir, base_seq), map }.with_header(base_seq);
        std::fs::rename(&tmp, &seg.path).map_err(|e| JournalError::io(&seg.path, e))?;
        Ok(seg)
    }

    fn with_header(mut self, base_seq: u64) -> Self {
        let header = FileHeader { kind: FileKind::Segment, base_seq }.encode();
        self.map[..FILE_HEADER_LEN].copy_from_slice(&header);
        self
    }

    /// Unmaps the segment and cuts it at `end`.
    fn finish(self, end: usize) -> Result<(), JournalError> {
        let Segment { file, path, map } = self;
        drop(map);
        file.set_len(end as u64).map_err(|e| JournalError::io(&path, e))
    }
}

/// The mapped tail segment, and the next one being made ready.
pub(crate) struct MappedWriter {
    dir: PathBuf,
    seg: Segment,
    /// Where the next batch goes: the end of the last committed record.
    pos: usize,
    segment_bytes: u64,
    spares: SpareMaker,
    /// A spare has been asked for since the tail segment started.
    spare_asked: bool,
}

impl MappedWriter {
    /// A new segment whose first record will be `base_seq`.
    pub(crate) fn create(
        dir: &Path,
        base_seq: u64,
        segment_bytes: u64,
    ) -> Result<Self, JournalError> {
        let seg = Segment::create(dir, base_seq, segment_bytes)?;
        MappedWriter::start(dir, seg, FILE_HEADER_LEN, segment_bytes)
    }

    /// An existing segment whose records end at `valid_end` (recovery has cut the
    /// file there), mapped at its full size again.
    pub(crate) fn reopen(
        dir: &Path,
        path: PathBuf,
        valid_end: u64,
        segment_bytes: u64,
    ) -> Result<Self, JournalError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| JournalError::io(&path, e))?;
        let map = map_whole(&file, &path, segment_bytes.max(valid_end))?;
        let pos = valid_end as usize;
        spare::populate(&map, pos);
        MappedWriter::start(dir, Segment { file, path, map }, pos, segment_bytes)
    }

    fn start(
        dir: &Path,
        seg: Segment,
        pos: usize,
        segment_bytes: u64,
    ) -> Result<Self, JournalError> {
        let spares = SpareMaker::start(dir, segment_bytes)?;
        Ok(MappedWriter {
            dir: dir.to_owned(),
            seg,
            pos,
            segment_bytes,
            spares,
            spare_asked: false,
        })
    }

    /// Copies one batch whose first record is `first_seq` into the mapping, after
    /// making room if it does not fit. A batch never spans two segments.
    #[inline]
    pub(crate) fn write(&mut self, batch: &[u8], first_seq: u64) -> Result<(), JournalError> {
        if self.pos + batch.len() > self.seg.map.len() {
            self.make_room(batch.len(), first_seq)?;
        }
        copy_in_order(&mut self.seg.map[self.pos..self.pos + batch.len()], batch);
        self.pos += batch.len();
        if !self.spare_asked && self.pos > self.seg.map.len() / 2 {
            self.spare_asked = true;
            self.spares.request();
        }
        Ok(())
    }

    /// Rolls over to the next segment for a batch that does not fit, or, when this
    /// one holds no record yet (a batch larger than a whole segment), grows it.
    #[cold]
    fn make_room(&mut self, need: usize, first_seq: u64) -> Result<(), JournalError> {
        let size = (FILE_HEADER_LEN + need) as u64;
        if self.pos == FILE_HEADER_LEN {
            self.seg.map = map_whole(&self.seg.file, &self.seg.path, size)?;
            return Ok(());
        }
        let next = match self.spares.take() {
            Some(s) if s.map.len() as u64 >= size => Segment::from_spare(&self.dir, s, first_seq)?,
            other => {
                if let Some(_other) = other {
                    Spare::discard(_other)
                }
                Segment::create(&self.dir, first_seq, self.segment_bytes.max(size))?
            }
        };
        self.spare_asked = false;
        let full = std::mem::replace(&mut self.seg, next);
        full.finish(std::mem::replace(&mut self.pos, FILE_HEADER_LEN))
    }

    /// Closes the segment, cut to its last record.
    pub(crate) fn close(self) -> Result<(), JournalError> {
        self.seg.finish(self.pos)
    }
}

/// Copies a batch (a multiple of 16 bytes) front to back, 16 bytes at a time, in an
/// order the compiler may not change. A kill in the middle of it then leaves a prefix
/// of the batch and at most one partly written 16-byte unit: the records before it
/// whole, the one it falls in invalid (torn), nothing after it. `memcpy` promises no
/// order (glibc stores a copy's last bytes before its middle), and a kill -9 test
/// caught exactly that: a later record whole behind a torn one, read as damage.
#[inline]
fn copy_in_order(dst: &mut [u8], src: &[u8]) {
    debug_assert_eq!(dst.len(), src.len());
    let (dst, _) = dst.as_chunks_mut::<16>();
    let (src, _) = src.as_chunks::<16>();
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
        compiler_fence(Ordering::Release);
    }
}

/// Reserves `size` bytes for `file` and maps all of it.
pub(crate) fn map_whole(file: &File, path: &Path, size: u64) -> Result<MmapMut, JournalError> {
    reserve(file, size).map_err(|e| JournalError::io(path, e))?;
    // SAFETY: the mapping is only sound while nothing else truncates or writes the
    // file. The journal directory's lock keeps other writers out; readers (the tools)
    // only read; and this writer shrinks the file only after dropping the mapping
    // (`Segment::finish`; growing it leaves a mapping valid). The mapping lives beside
    // the file in one value.
    unsafe { MmapMut::map_mut(file) }.map_err(|e| JournalError::io(path, e))
}

/// Gives `file` `size` bytes with their blocks allocated. Where the file system cannot
/// reserve blocks, the file is extended sparse (a full disk could then fault a store).
fn reserve(file: &File, size: u64) -> std::io::Result<()> {
    let len = file.metadata()?.len();
    if len >= size {
        return Ok(());
    }
    match rustix::fs::fallocate(file, rustix::fs::FallocateFlags::empty(), 0, size) {
        Ok(()) => Ok(()),
        Err(rustix::io::Errno::OPNOTSUPP) => {
            tracing::warn!(
                "the file system cannot reserve journal blocks; extending the segment sparse"
            );
            file.set_len(size)
        }
        Err(e) => Err(e.into()),
    }
}
