//! `fsync` mode's writer (on the group-commit thread): `write(2)` of each batch to the
//! tail segment, a new segment when it is full, and the syncs.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::durability::SyncHook;
use crate::error::JournalError;
use crate::format::{FileHeader, FileKind, FILE_HEADER_LEN};
use crate::segment::segment_path;

/// The open tail segment.
pub(crate) struct SegmentWriter {
    dir: PathBuf,
    file: File,
    path: PathBuf,
    len: u64,
    segment_bytes: u64,
    /// A segment was created since the last sync: its directory entry needs one too.
    dir_dirty: bool,
}

impl SegmentWriter {
    /// A new, empty segment whose first record will be `base_seq`.
    pub(crate) fn create(
        dir: &Path,
        base_seq: u64,
        segment_bytes: u64,
    ) -> Result<Self, JournalError> {
        let path = segment_path(dir, base_seq);
        let mut file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| JournalError::io(&path, e))?;
        let header = FileHeader { kind: FileKind::Segment, base_seq }.encode();
        file.write_all(&header).map_err(|e| JournalError::io(&path, e))?;
        Ok(SegmentWriter {
            dir: dir.to_owned(),
            file,
            path,
            len: FILE_HEADER_LEN as u64,
            segment_bytes,
            dir_dirty: true,
        })
    }

    /// An existing segment of `len` valid bytes (recovery has cut anything after them).
    pub(crate) fn reopen(
        dir: &Path,
        path: PathBuf,
        len: u64,
        segment_bytes: u64,
    ) -> Result<Self, JournalError> {
        let file =
            OpenOptions::new().append(true).open(&path).map_err(|e| JournalError::io(&path, e))?;
        Ok(SegmentWriter { dir: dir.to_owned(), file, path, len, segment_bytes, dir_dirty: false })
    }

    /// Writes one batch whose first record is `first_seq`, after starting a new segment
    /// if this one is full. A batch never spans two segments.
    pub(crate) fn write(&mut self, batch: &[u8], first_seq: u64) -> Result<(), JournalError> {
        if self.len >= self.segment_bytes && self.len > FILE_HEADER_LEN as u64 {
            let next = SegmentWriter::create(&self.dir, first_seq, self.segment_bytes)?;
            *self = next;
        }
        self.file.write_all(batch).map_err(|e| JournalError::io(&self.path, e))?;
        self.len += batch.len() as u64;
        Ok(())
    }

    /// Makes everything written durable: the data through `hook`, then the directory
    /// entry of a segment created since the last sync.
    pub(crate) fn sync(&mut self, hook: &dyn SyncHook) -> Result<(), JournalError> {
        hook.sync(&self.file).map_err(|e| JournalError::io(&self.path, e))?;
        if self.dir_dirty {
            sync_dir(&self.dir)?;
            self.dir_dirty = false;
        }
        Ok(())
    }
}

/// `fsync` of a directory, so that files created or renamed in it stay after a power loss.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), JournalError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| JournalError::io(dir, e))
}
