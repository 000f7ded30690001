//! Streaming readers of recorded market data.
//!
//! [`MarketDataReader`] opens a file (plain or gzip, detected from its first bytes and
//! decoded as a stream), detects its [`Format`] from the first line (or takes a forced
//! one), and yields one `Result<RecordedEvent, ReadError>` per event, reading one line
//! at a time into a reused buffer. Supported: Binance combined-stream captures
//! ([`binance`]), Tardis.dev CSV ([`tardis`]) and `timestamp,bid,ask` quote CSV
//! ([`quotes_csv`]).
//!
//! A line that cannot be parsed, or whose prices or sizes cannot be real (a negative or
//! zero trade size, say: [`TickEvent::check`](crate::TickEvent::check)), is a
//! [`ReadError::BadLine`] with the file and 1-based line number. With
//! [`BadLinePolicy::Skip`] it is counted ([`MarketDataReader::skipped_lines`]) and
//! reading goes on; at the end of the file the reader logs one warning with the count,
//! the first few line numbers and the first reason, so a lenient read never drops
//! lines silently. With [`BadLinePolicy::Fail`] the error is yielded and the iterator
//! ends. I/O errors (including a truncated gzip stream) always end it.

pub mod binance;
mod csv_row;
mod format;
mod input;
mod num;
pub mod quotes_csv;
pub mod tardis;
mod timefmt;

use std::collections::VecDeque;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

pub use format::{Format, UnknownFormatName};

use crate::tick::{Symbol, TickEvent};
pub(crate) use input::Counted;
use input::Lines;

/// One event parsed from a recorded file.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    /// 1-based line number in the (decompressed) file.
    pub line: u64,
    /// Instrument.
    pub symbol: Symbol,
    /// Exchange time, ns since the Unix epoch.
    pub exchange_ts_ns: i64,
    /// Local receive time, ns since the Unix epoch (recorder clock).
    pub local_ts_ns: i64,
    /// Feed latency, `local_ts_ns - exchange_ts_ns`, where the source carries both
    /// clocks for this very event (Binance events with an event or transaction time,
    /// every Tardis row); `None` where it has one clock (quote CSV) or the exchange time
    /// was inferred from the receive time (a Binance event without one). Negative when
    /// the recorder's clock runs behind the venue's: see [`crate::feed_latency`].
    pub feed_latency_ns: Option<i64>,
    /// The venue's id for the event when it has a numeric one: Binance trade id `t`
    /// (aggTrade `a`), bookTicker update id `u`, depth final update id `u`, snapshot
    /// `lastUpdateId`.
    pub venue_id: Option<u64>,
    /// What happened (quotes from the venue have `from_book == false`).
    pub event: TickEvent,
}

/// What to do with a line that cannot be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BadLinePolicy {
    /// Count it and go on.
    Skip,
    /// Yield the error and stop.
    #[default]
    Fail,
}

/// Options of a [`MarketDataReader`].
#[derive(Debug, Clone)]
pub struct ReaderOptions {
    /// Forced format, or [`Format::Auto`].
    pub format: Format,
    /// Bad-line handling.
    pub policy: BadLinePolicy,
    /// Symbol for formats that carry none (quote CSV without a `symbol` column). When
    /// unset, it is guessed from the file name (the first all-capitals token, e.g.
    /// `USDJPY` in `truefx_USDJPY_ticks_20130101.csv`), else `UNKNOWN`.
    pub symbol: Option<Symbol>,
    /// Read on helper threads (default `true`): gzip input is decompressed on one,
    /// overlapping parsing, and [`open_source`](crate::open_source) reads the whole
    /// file ahead on another ([`prefetch`](crate::prefetch())).
    pub background_decompression: bool,
    /// A counter the file's bytes read are added to (compressed bytes, for gzip), for
    /// a progress bar against the file's size.
    pub bytes_read: Option<Arc<AtomicU64>>,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        Self {
            format: Format::Auto,
            policy: BadLinePolicy::default(),
            symbol: None,
            background_decompression: true,
            bytes_read: None,
        }
    }
}

/// An error reading recorded data.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened.
    #[error("cannot open {}: {source}", path.display())]
    Open {
        /// File.
        path: PathBuf,
        /// Cause.
        source: io::Error,
    },
    /// The format could not be detected or the header is not supported.
    #[error("{}: {reason}", path.display())]
    UnknownFormat {
        /// File.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A line could not be parsed.
    #[error("{}:{line}: {reason}", path.display())]
    BadLine {
        /// File.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// Why.
        reason: String,
    },
    /// The gzip stream ends early or is corrupt.
    #[error(
        "{}:{line}: truncated or corrupt gzip stream while reading line {line} ({source})",
        path.display()
    )]
    TruncatedGzip {
        /// File.
        path: PathBuf,
        /// 1-based number of the line being read.
        line: u64,
        /// Cause.
        source: io::Error,
    },
    /// Another I/O error.
    #[error("{}:{line}: I/O error while reading line {line}: {source}", path.display())]
    Io {
        /// File.
        path: PathBuf,
        /// 1-based number of the line being read.
        line: u64,
        /// Cause.
        source: io::Error,
    },
}

impl ReadError {
    /// The 1-based line number the error refers to, if any.
    pub fn line(&self) -> Option<u64> {
        match self {
            Self::BadLine { line, .. }
            | Self::TruncatedGzip { line, .. }
            | Self::Io { line, .. } => Some(*line),
            Self::Open { .. } | Self::UnknownFormat { .. } => None,
        }
    }
}

enum Parser {
    Binance(binance::BinanceParser),
    Tardis(tardis::TardisParser),
    Quotes(quotes_csv::QuotesParser),
}

impl Parser {
    fn parse(
        &mut self,
        line: &[u8],
        line_no: u64,
        out: &mut VecDeque<RecordedEvent>,
    ) -> Result<(), String> {
        match self {
            Self::Binance(p) => p.parse_line(line, line_no, out),
            Self::Tardis(p) => p.parse_line(line, line_no, out),
            Self::Quotes(p) => p.parse_line(line, line_no, out),
        }
    }

    fn finish(&mut self, out: &mut VecDeque<RecordedEvent>) {
        match self {
            Self::Binance(p) => p.finish(out),
            Self::Tardis(p) => p.finish(out),
            Self::Quotes(_) => {}
        }
    }

    fn ignored(&self) -> u64 {
        match self {
            Self::Binance(p) => p.ignored(),
            Self::Tardis(_) | Self::Quotes(_) => 0,
        }
    }
}

/// How many skipped lines the end-of-file warning lists by number.
const SKIPPED_LISTED: usize = 5;

/// Streaming reader of one recorded file; an iterator of events.
pub struct MarketDataReader {
    path: PathBuf,
    src: Lines,
    parser: Parser,
    format: Format,
    policy: BadLinePolicy,
    out: VecDeque<RecordedEvent>,
    error: Option<ReadError>,
    skipped: u64,
    /// The first skipped lines' numbers, and the first one's reason.
    skipped_at: Vec<u64>,
    first_skip_reason: Option<String>,
    done: bool,
    reported: bool,
}

impl MarketDataReader {
    /// Opens `path` with the given options.
    pub fn open(path: impl AsRef<Path>, options: ReaderOptions) -> Result<Self, ReadError> {
        let path = path.as_ref().to_path_buf();
        let input =
            input::open_path(&path, options.background_decompression, options.bytes_read.clone())
                .map_err(|source| ReadError::Open { path: path.clone(), source })?;
        Self::build(path, Lines::new(input), options)
    }

    /// Reads from any byte stream (gzip detected); `name` is used in errors and to guess
    /// a symbol.
    pub fn from_reader<R: Read + Send + 'static>(
        name: impl Into<PathBuf>,
        reader: R,
        options: ReaderOptions,
    ) -> Result<Self, ReadError> {
        let path = name.into();
        let input = input::wrap(reader, options.background_decompression)
            .map_err(|source| ReadError::Open { path: path.clone(), source })?;
        Self::build(path, Lines::new(input), options)
    }

    fn build(path: PathBuf, mut src: Lines, options: ReaderOptions) -> Result<Self, ReadError> {
        let unknown = |path: &Path, reason: String| ReadError::UnknownFormat {
            path: path.to_path_buf(),
            reason,
        };
        let first = match src.next_line() {
            Ok(Some((_, line))) => line.to_vec(),
            Ok(None) => return Err(unknown(&path, "file is empty".into())),
            Err(source) => return Err(io_error(&path, 1, src.is_gzip(), source)),
        };
        let format = match options.format {
            Format::Auto => Format::detect(&first).ok_or_else(|| {
                let shown = String::from_utf8_lossy(&first[..first.len().min(80)]).into_owned();
                unknown(&path, format!("unrecognized first line {shown:?} (use --format)"))
            })?,
            f => f,
        };
        let parser = match format {
            Format::BinanceJsonl | Format::Auto => {
                src.unread();
                Parser::Binance(binance::BinanceParser::new())
            }
            Format::Tardis => Parser::Tardis(
                tardis::TardisParser::from_header(&first).map_err(|r| unknown(&path, r))?,
            ),
            Format::QuotesCsv => {
                let symbol = options.symbol.unwrap_or_else(|| guess_symbol(&path));
                Parser::Quotes(
                    quotes_csv::QuotesParser::from_header(&first, symbol)
                        .map_err(|r| unknown(&path, r))?,
                )
            }
        };
        Ok(Self {
            path,
            src,
            parser,
            format,
            policy: options.policy,
            out: VecDeque::new(),
            error: None,
            skipped: 0,
            skipped_at: Vec::new(),
            first_skip_reason: None,
            done: false,
            reported: false,
        })
    }

    /// The format in use (detected or forced).
    pub fn format(&self) -> Format {
        self.format
    }

    /// Bad lines skipped so far under [`BadLinePolicy::Skip`].
    pub fn skipped_lines(&self) -> u64 {
        self.skipped
    }

    /// The numbers of the first few lines skipped (at most five).
    pub fn first_skipped_lines(&self) -> &[u64] {
        &self.skipped_at
    }

    /// Logs, once, how many lines were skipped, which, and why the first was.
    fn report_skipped(&mut self) {
        if self.skipped == 0 || self.reported {
            return;
        }
        self.reported = true;
        let mut lines: Vec<String> = self.skipped_at.iter().map(u64::to_string).collect();
        if self.skipped > self.skipped_at.len() as u64 {
            lines.push("...".into());
        }
        tracing::warn!(
            "{}: {} bad lines skipped (lines {}); the first: {}",
            self.path.display(),
            self.skipped,
            lines.join(", "),
            self.first_skip_reason.as_deref().unwrap_or("?")
        );
    }

    /// Well-formed lines of streams this reader does not turn into events (e.g. Binance
    /// `markPrice`), ignored without error.
    pub fn ignored_lines(&self) -> u64 {
        self.parser.ignored()
    }

    /// Lines read so far (including the header, if any).
    pub fn lines_read(&self) -> u64 {
        self.src.line()
    }

    /// The file's path (or the name given to [`Self::from_reader`]).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn io_error(path: &Path, line: u64, gzip: bool, source: io::Error) -> ReadError {
    let path = path.to_path_buf();
    let decoder_error = matches!(
        source.kind(),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData
    );
    if gzip && decoder_error {
        ReadError::TruncatedGzip { path, line, source }
    } else {
        ReadError::Io { path, line, source }
    }
}

fn guess_symbol(path: &Path) -> Symbol {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    stem.split(['_', '-', '.', ' '])
        .find(|t| {
            t.len() >= 3
                && t.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                && t.bytes().any(|b| b.is_ascii_uppercase())
        })
        .and_then(|t| Symbol::new(t).ok())
        .or_else(|| Symbol::new("UNKNOWN").ok())
        .unwrap_or_else(|| unreachable!("UNKNOWN is a valid symbol"))
}

impl Iterator for MarketDataReader {
    type Item = Result<RecordedEvent, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(ev) = self.out.pop_front() {
                return Some(Ok(ev));
            }
            if let Some(err) = self.error.take() {
                return Some(Err(err));
            }
            if self.done {
                self.report_skipped();
                return None;
            }
            let gzip = self.src.is_gzip();
            let next_no = self.src.line() + 1;
            let (line_no, line) = match self.src.next_line() {
                Ok(Some(numbered)) => numbered,
                Ok(None) => {
                    self.parser.finish(&mut self.out);
                    self.done = true;
                    continue;
                }
                Err(source) => {
                    self.parser.finish(&mut self.out);
                    self.error = Some(io_error(&self.path, next_no, gzip, source));
                    self.done = true;
                    continue;
                }
            };
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            if let Err(reason) = self.parser.parse(line, line_no, &mut self.out) {
                match self.policy {
                    BadLinePolicy::Skip => {
                        self.skipped += 1;
                        if self.skipped_at.len() < SKIPPED_LISTED {
                            self.skipped_at.push(line_no);
                        }
                        self.first_skip_reason.get_or_insert(reason);
                    }
                    BadLinePolicy::Fail => {
                        self.parser.finish(&mut self.out);
                        self.error = Some(ReadError::BadLine {
                            path: self.path.clone(),
                            line: line_no,
                            reason,
                        });
                        self.done = true;
                    }
                }
            }
        }
    }
}
