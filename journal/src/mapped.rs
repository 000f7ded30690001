//! `process` mode's writer: the tail segment is mapped shared into memory and a commit
//! copies the batch into the mapping. A store into a shared file mapping is in the
//! kernel's page cache the moment it is made, so a committed record survives `kill -9`
//! of the process exactly as if `write(2)` had put it there, without the syscall
//! (1-1.5 µs here) on every commit.
//!
//! A segment is created at its full size with its blocks reserved (`fallocate`), so a
//! full disk is an error at creation instead of a `SIGBUS` on a later store. Its
//! unused end reads as zeros; the scan treats an all-zero end as unused space, and a
//! segment is cut to its last record when it is closed or rolled over.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use memmap2::MmapMut;

use crate::error::JournalError;
use crate::format::{FileHeader, FileKind, FILE_HEADER_LEN};
use crate::segment::segment_path;

/// The mapped tail segment.
pub(crate) struct MappedWriter {
    dir: PathBuf,
    file: File,
    path: PathBuf,
    map: MmapMut,
    /// Where the next batch goes: the end of the last committed record.
    pos: usize,
    segment_bytes: u64,
}

impl MappedWriter {
    /// A new segment whose first record will be `base_seq`, room for at least `need`
    /// bytes of records.
    pub(crate) fn create(
        dir: &Path,
        base_seq: u64,
        segment_bytes: u64,
        need: usize,
    ) -> Result<Self, JournalError> {
        let path = segment_path(dir, base_seq);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| JournalError::io(&path, e))?;
        let size = segment_bytes.max((FILE_HEADER_LEN + need) as u64);
        let mut w = MappedWriter::map(dir, file, path, size, 0, segment_bytes)?;
        let header = FileHeader { kind: FileKind::Segment, base_seq }.encode();
        w.map[..FILE_HEADER_LEN].copy_from_slice(&header);
        w.pos = FILE_HEADER_LEN;
        Ok(w)
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
        let size = segment_bytes.max(valid_end);
        MappedWriter::map(dir, file, path, size, valid_end as usize, segment_bytes)
    }

    fn map(
        dir: &Path,
        file: File,
        path: PathBuf,
        size: u64,
        pos: usize,
        segment_bytes: u64,
    ) -> Result<Self, JournalError> {
        let map = map_whole(&file, &path, size)?;
        Ok(MappedWriter { dir: dir.to_owned(), file, path, map, pos, segment_bytes })
    }

    /// Copies one batch whose first record is `first_seq` into the mapping, after
    /// making room if it does not fit. A batch never spans two segments.
    #[inline]
    pub(crate) fn write(&mut self, batch: &[u8], first_seq: u64) -> Result<(), JournalError> {
        if self.pos + batch.len() > self.map.len() {
            self.make_room(batch.len(), first_seq)?;
        }
        self.map[self.pos..self.pos + batch.len()].copy_from_slice(batch);
        self.pos += batch.len();
        Ok(())
    }

    /// Rolls over to a new segment for a batch that does not fit, or, when this one
    /// holds no record yet (a batch larger than a whole segment), grows it.
    #[cold]
    fn make_room(&mut self, need: usize, first_seq: u64) -> Result<(), JournalError> {
        if self.pos == FILE_HEADER_LEN {
            self.map = map_whole(&self.file, &self.path, (FILE_HEADER_LEN + need) as u64)?;
            return Ok(());
        }
        let next = MappedWriter::create(&self.dir, first_seq, self.segment_bytes, need)?;
        std::mem::replace(self, next).finish()
    }

    /// Unmaps the segment and cuts its unused end.
    fn finish(self) -> Result<(), JournalError> {
        let MappedWriter { file, path, map, pos, .. } = self;
        drop(map);
        file.set_len(pos as u64).map_err(|e| JournalError::io(&path, e))
    }

    /// Closes the segment, cut to its last record.
    pub(crate) fn close(self) -> Result<(), JournalError> {
        self.finish()
    }
}

/// Reserves `size` bytes for `file` and maps all of it.
fn map_whole(file: &File, path: &Path, size: u64) -> Result<MmapMut, JournalError> {
    reserve(file, size).map_err(|e| JournalError::io(path, e))?;
    // SAFETY: the mapping is only sound while nothing else truncates or writes the
    // file. The journal directory's lock keeps other writers out; readers (the tools)
    // only read; and this writer shrinks the file only after dropping the mapping
    // (`finish`; growing it leaves a mapping valid). The mapping lives beside the file
    // in the writer.
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
