//! A reader's byte input: opening a file (gzip detected by its magic bytes, decoded as
//! a stream) and reading it line by line into one reused buffer ([`Lines`]).
//!
//! A gzip stream is decompressed on a helper thread (one per open reader, named
//! `md-gunzip`), which hands fixed-size blocks over a small bounded channel, so that
//! decompression overlaps parsing; the thread ends when the reader is dropped or the
//! stream ends.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;

use flate2::bufread::MultiGzDecoder;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const BUF_SIZE: usize = 256 * 1024;

/// A boxed buffered byte stream, and whether it is being gunzipped.
pub(crate) struct Input {
    reader: Box<dyn BufRead + Send>,
    gzip: bool,
}

/// Opens `path`, transparently gunzipping it when it starts with the gzip magic bytes;
/// the bytes read from the file are added to `counter`, if any.
pub(crate) fn open_path(
    path: &Path,
    background: bool,
    counter: Option<Arc<AtomicU64>>,
) -> io::Result<Input> {
    let file = File::open(path)?;
    match counter {
        Some(counter) => wrap(Counted { inner: file, counter }, background),
        None => wrap(file, background),
    }
}

/// A reader that adds the bytes it reads to a shared counter (one add per read call,
/// a large block each).
pub(crate) struct Counted<R> {
    pub(crate) inner: R,
    pub(crate) counter: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Wraps any reader, transparently gunzipping it when it starts with the gzip magic
/// (on a helper thread when `background`).
pub(crate) fn wrap<R: Read + Send + 'static>(reader: R, background: bool) -> io::Result<Input> {
    let mut raw = BufReader::with_capacity(BUF_SIZE, reader);
    let head = raw.fill_buf()?;
    if head.len() >= 2 && head[..2] == GZIP_MAGIC {
        let decoder = MultiGzDecoder::new(raw);
        let reader: Box<dyn BufRead + Send> = if background {
            Box::new(ThreadedReader::spawn(decoder)?)
        } else {
            Box::new(BufReader::with_capacity(BUF_SIZE, decoder))
        };
        Ok(Input { reader, gzip: true })
    } else {
        Ok(Input { reader: Box::new(raw), gzip: false })
    }
}

const BLOCK: usize = 256 * 1024;
const BLOCKS_IN_FLIGHT: usize = 4;

/// A `BufRead` fed with blocks read by a helper thread from an inner reader.
struct ThreadedReader {
    blocks: Receiver<io::Result<Vec<u8>>>,
    recycle: SyncSender<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
    done: bool,
}

impl ThreadedReader {
    /// Starts the helper thread.
    fn spawn<R: Read + Send + 'static>(inner: R) -> io::Result<Self> {
        let (tx, blocks) = mpsc::sync_channel(BLOCKS_IN_FLIGHT);
        let (recycle, spare) = mpsc::sync_channel(BLOCKS_IN_FLIGHT + 2);
        std::thread::Builder::new()
            .name("md-gunzip".into())
            .spawn(move || pump(inner, &tx, &spare))?;
        Ok(Self { blocks, recycle, cur: Vec::new(), pos: 0, done: false })
    }
}

/// The helper thread's loop: fill blocks and send them until EOF, an error, or the
/// receiver going away.
fn pump<R: Read>(mut inner: R, tx: &SyncSender<io::Result<Vec<u8>>>, spare: &Receiver<Vec<u8>>) {
    loop {
        let mut buf = spare.try_recv().unwrap_or_default();
        buf.resize(BLOCK, 0);
        let mut filled = 0;
        let mut error = None;
        while filled < BLOCK {
            match inner.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        buf.truncate(filled);
        let eof = filled == 0;
        if filled > 0 && tx.send(Ok(buf)).is_err() {
            return;
        }
        if let Some(e) = error {
            let _ = tx.send(Err(e));
            return;
        }
        if eof {
            return;
        }
    }
}

impl Read for ThreadedReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ThreadedReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.cur.len() && !self.done {
            match self.blocks.recv() {
                Ok(Ok(block)) => {
                    let old = std::mem::replace(&mut self.cur, block);
                    let _ = self.recycle.try_send(old);
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => self.done = true,
            }
        }
        Ok(&self.cur[self.pos.min(self.cur.len())..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.cur.len());
    }
}

/// Reads lines into a reused buffer, counting them (1-based).
pub(crate) struct Lines {
    input: Box<dyn BufRead + Send>,
    gzip: bool,
    buf: Vec<u8>,
    line: u64,
    replay: bool,
}

impl Lines {
    pub(crate) fn new(input: Input) -> Self {
        Self {
            input: input.reader,
            gzip: input.gzip,
            buf: Vec::with_capacity(64 * 1024),
            line: 0,
            replay: false,
        }
    }

    /// Number of the last line returned (0 before the first).
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// `true` when the input is gzip-compressed.
    pub(crate) fn is_gzip(&self) -> bool {
        self.gzip
    }

    /// Makes the next [`Self::next_line`] return the current line again (used after
    /// peeking at the first line for format detection).
    pub(crate) fn unread(&mut self) {
        self.replay = true;
    }

    /// The next line's 1-based number and text without its line terminator, or `None`
    /// at the end of input. On error, [`Self::line`] + 1 is the line that could not be
    /// read.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<(u64, &[u8])>> {
        if self.replay {
            self.replay = false;
            return Ok(Some((self.line, trim_eol(&self.buf))));
        }
        self.buf.clear();
        if self.input.read_until(b'\n', &mut self.buf)? == 0 {
            return Ok(None);
        }
        self.line += 1;
        Ok(Some((self.line, trim_eol(&self.buf))))
    }
}

fn trim_eol(mut line: &[u8]) -> &[u8] {
    if let [rest @ .., b'\n'] = line {
        line = rest;
    }
    if let [rest @ .., b'\r'] = line {
        line = rest;
    }
    line
}
