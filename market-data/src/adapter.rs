//! Turning [`RecordedEvent`]s into [`MarketTick`]s.
//!
//! [`TickAdapter`] assigns each tick its sequence number and keeps one
//! [`SequencedBook`] per symbol. Every depth event is passed through as a
//! [`TickEvent::Depth`] tick (so that a recording of the ticks can rebuild the book), and,
//! when the synced book's top of book changed at the end of a venue message, a derived
//! [`Quote`] (`from_book = true`) follows it. A break in the venue's update-id chain is
//! reported as a [`SequenceGap`] (the depth tick is still emitted; the book stops
//! deriving quotes until the next snapshot). Diffs that wait for a snapshot that never
//! comes are not gaps: at the end of the data, [`Ticks`] logs one warning per symbol
//! with how many went unused ([`TickAdapter::unused_diffs`]). [`Ticks`] wraps any event
//! iterator.

use std::collections::{HashMap, VecDeque};

use crate::book::{SequenceError, SequencedBook};
use crate::readers::{ReadError, RecordedEvent};
use crate::tick::{MarketTick, Quote, Symbol, TickEvent};

/// A sequence gap found while building a book, with where it happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {symbol}: {error}")]
pub struct SequenceGap {
    /// Instrument.
    pub symbol: Symbol,
    /// 1-based line of the event that revealed the gap.
    pub line: u64,
    /// What the sequencing rules found.
    pub error: SequenceError,
}

/// Converts recorded events to ticks (see the module docs).
#[derive(Debug)]
pub struct TickAdapter {
    next_seq: u64,
    books: HashMap<Symbol, SequencedBook>,
    last_top: HashMap<Symbol, Quote>,
    derive_quotes: bool,
    gaps: u64,
}

impl Default for TickAdapter {
    fn default() -> Self {
        Self::new()
    }
}

impl TickAdapter {
    /// An adapter that derives top-of-book quotes from depth data.
    pub fn new() -> Self {
        Self {
            next_seq: 1,
            books: HashMap::new(),
            last_top: HashMap::new(),
            derive_quotes: true,
            gaps: 0,
        }
    }

    /// Turns quote derivation from depth data on or off.
    pub fn with_derived_quotes(mut self, on: bool) -> Self {
        self.derive_quotes = on;
        self
    }

    /// Converts one event, appending its tick(s) to `out`. On `Err` the ticks for the
    /// event have still been appended.
    pub fn push(
        &mut self,
        ev: RecordedEvent,
        out: &mut Vec<MarketTick>,
    ) -> Result<(), SequenceGap> {
        let RecordedEvent { line, symbol, exchange_ts_ns, local_ts_ns, event, .. } = ev;
        let mut result = Ok(());
        let mut derived = None;
        if let TickEvent::Depth(update) = &event {
            let book = self.books.entry(symbol).or_default();
            if let Err(error) = book.apply(update) {
                self.gaps += 1;
                self.last_top.remove(&symbol);
                result = Err(SequenceGap { symbol, line, error });
            }
            if self.derive_quotes && update.end_of_event && book.is_synced() {
                if let Some(top) = book.book().top() {
                    if self.last_top.get(&symbol) != Some(&top) {
                        self.last_top.insert(symbol, top);
                        derived = Some(top);
                    }
                }
            }
        }
        let mut emit = |event| {
            out.push(MarketTick { symbol, seq: self.next_seq, exchange_ts_ns, local_ts_ns, event });
            self.next_seq += 1;
        };
        emit(event);
        if let Some(q) = derived {
            emit(TickEvent::Quote(q));
        }
        result
    }

    /// The book kept for `symbol`, if it has had depth data.
    pub fn book(&self, symbol: &Symbol) -> Option<&SequencedBook> {
        self.books.get(symbol)
    }

    /// Sequence gaps reported so far.
    pub fn gaps(&self) -> u64 {
        self.gaps
    }

    /// Per symbol, the depth diffs that never reached its book for want of a
    /// snapshot, and whether the symbol had a snapshot at all; sorted by symbol.
    pub fn unused_diffs(&self) -> Vec<(Symbol, u64, bool)> {
        let mut unused: Vec<_> = self
            .books
            .iter()
            .filter(|(_, b)| b.unused_diffs() > 0)
            .map(|(s, b)| (*s, b.unused_diffs(), b.had_snapshot()))
            .collect();
        unused.sort_by_key(|(s, _, _)| *s);
        unused
    }

    /// Logs one warning per symbol whose diffs went unused.
    fn report_unused(&self) {
        for (symbol, diffs, had_snapshot) in self.unused_diffs() {
            if had_snapshot {
                tracing::warn!("{symbol}: {diffs} depth diffs unused while waiting for a snapshot");
            } else {
                tracing::warn!("{symbol}: no snapshot: {diffs} depth diffs unused");
            }
        }
    }
}

/// An error from [`Ticks`]: a read error (the reader decides whether it ends the
/// stream) or a sequence gap (the stream goes on).
#[derive(Debug, thiserror::Error)]
pub enum TickError {
    /// From the reader.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// From the book's sequencing rules.
    #[error(transparent)]
    Gap(#[from] SequenceGap),
    /// From a recording in the project's binary format, with its file.
    #[error("{path}: {error}")]
    Recording {
        /// The recording.
        path: std::path::PathBuf,
        /// What was wrong.
        error: crate::recording::RecordingError,
    },
    /// A symbol without an instrument (and no default) in data that must have one.
    #[error("{0}")]
    UnknownInstrument(#[from] crate::instrument::UnknownInstrument),
    /// The source panicked while read ahead on a helper thread ([`crate::prefetch()`]):
    /// the data stops here, and says so instead of ending as if complete.
    #[error("the tick source failed on its reading thread: {0}")]
    SourcePanicked(String),
}

/// An iterator of ticks over an iterator of recorded events.
pub struct Ticks<I> {
    events: I,
    adapter: TickAdapter,
    buf: Vec<MarketTick>,
    queue: VecDeque<Result<MarketTick, TickError>>,
    ended: bool,
}

impl<E: Into<TickError>, I: Iterator<Item = Result<RecordedEvent, E>>> Ticks<I> {
    /// Wraps `events` with `adapter`.
    pub fn new(events: I, adapter: TickAdapter) -> Self {
        Self { events, adapter, buf: Vec::new(), queue: VecDeque::new(), ended: false }
    }

    /// The adapter (books, gap count).
    pub fn adapter(&self) -> &TickAdapter {
        &self.adapter
    }

    /// The wrapped event iterator (e.g. for the reader's counters).
    pub fn events(&self) -> &I {
        &self.events
    }
}

impl<E: Into<TickError>, I: Iterator<Item = Result<RecordedEvent, E>>> Iterator for Ticks<I> {
    type Item = Result<MarketTick, TickError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.queue.pop_front() {
                return Some(item);
            }
            if self.ended {
                return None;
            }
            let Some(next) = self.events.next() else {
                self.ended = true;
                self.adapter.report_unused();
                return None;
            };
            match next {
                Err(e) => return Some(Err(e.into())),
                Ok(ev) => {
                    let res = self.adapter.push(ev, &mut self.buf);
                    self.queue.extend(self.buf.drain(..).map(Ok));
                    if let Err(gap) = res {
                        self.queue.push_back(Err(gap.into()));
                    }
                }
            }
        }
    }
}
