//! Latency taken from the data: feed latency per event, and order entry and response
//! latency, each constant or interpolated in time from a recorded latency file.
//!
//! # Feed latency
//!
//! [`feed_latency_ns`]: a tick's receive time minus its exchange time, where the data
//! carries both clocks (Binance and Tardis captures do; sources with one clock set both
//! timestamps to it, and give `None`).
//!
//! # Order latency
//!
//! An order request sent at local time `t` reaches the exchange at `t + entry(t)`; the
//! exchange's answer produced at exchange time `x` reaches the strategy at
//! `x + response(x)`. [`OrderLatencyConfig`] sets the two separately, each
//! [`LatencySetting::ConstantNs`] or [`LatencySetting::File`]; [`OrderLatency`] answers
//! both.
//!
//! A recorded latency file holds one order round trip per line, as a CSV with a header:
//!
//! ```text
//! req_ts,exch_ts,resp_ts
//! 1723075200000000000,1723075200001200000,1723075200002500000
//! ```
//!
//! `req_ts` is when the request left (local clock), `exch_ts` when the exchange
//! processed it (`0` or less: the exchange rejected it, e.g. overloaded), `resp_ts` when
//! the answer arrived (local clock), all integer ns since the Unix epoch. Rows are in
//! `req_ts` order (non-decreasing). These are hftbacktest's `OrderLatencyRow` fields, and
//! the lookups are its `IntpOrderLatency`'s:
//!
//! - **entry(t)**: between the rows with `req_ts[i] <= t < req_ts[i+1]`, the entry
//!   latency `exch_ts - req_ts` is interpolated linearly in `req_ts`
//!   (`((y2 - y1) / (x2 - x1) * (t - x1)) as i64 + y1`, in f64, truncated). Before the
//!   first row, the first row's latency; from the last row on, the last row's. When
//!   either row is a rejection, the answer is the negated interpolation of
//!   `resp_ts - req_ts`: a negative entry latency means "rejected", and its magnitude is
//!   when the rejection reaches the strategy.
//! - **response(x)**: the same over the accepted rows in `exch_ts` order, interpolating
//!   `resp_ts - exch_ts`.
//!
//! hftbacktest walks a cursor forward, so it answers correctly only for non-decreasing
//! query times; the lookups here are binary searches, which give its answers for such
//! queries and the same rule for any others. Its response cursor also steps over
//! rejection rows as if their `exch_ts` (0) were a time; here they take no part in
//! response latency.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mycelium_market_data::MarketTick;
use serde::{Deserialize, Serialize};

/// A tick's feed latency: receive time minus exchange time, in ns; `None` when the
/// source carries only one clock (both timestamps equal). Negative when the recorder's
/// clock runs behind the venue's.
pub fn feed_latency_ns(tick: &MarketTick) -> Option<i64> {
    (tick.local_ts_ns != tick.exchange_ts_ns)
        .then(|| tick.local_ts_ns.saturating_sub(tick.exchange_ts_ns))
}

/// One order latency setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum LatencySetting {
    /// The same latency, in ns, for every order.
    ConstantNs(i64),
    /// Interpolated from a recorded latency file (see the [module docs](self)).
    File(PathBuf),
}

/// Order entry and response latency, set separately. In TOML:
/// `entry = { constant_ns = 100000 }`, `response = { file = "latency.csv" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderLatencyConfig {
    /// Request to exchange. Default 100 µs constant.
    pub entry: LatencySetting,
    /// Exchange to the strategy's receipt of the answer. Default 100 µs constant.
    pub response: LatencySetting,
}

impl Default for OrderLatencyConfig {
    fn default() -> Self {
        Self {
            entry: LatencySetting::ConstantNs(100_000),
            response: LatencySetting::ConstantNs(100_000),
        }
    }
}

/// Why a latency file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LatencyFileError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A line is not `req_ts,exch_ts,resp_ts` integers, or is out of order.
    #[error("latency file line {line}: {reason}")]
    BadLine {
        /// 1-based line number (the header is line 1).
        line: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// Row `row` (0-based) has a `req_ts` before the previous row's.
    #[error("latency row {row}: req_ts is before the previous row's")]
    OutOfOrder {
        /// 0-based row index.
        row: usize,
    },
    /// The file has no rows.
    #[error("latency file has no rows")]
    Empty,
}

/// One recorded order round trip (hftbacktest's `OrderLatencyRow`), ns since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencyRow {
    /// When the request left (local clock).
    pub req_ts: i64,
    /// When the exchange processed it; `<= 0` for a rejection.
    pub exch_ts: i64,
    /// When the answer arrived (local clock).
    pub resp_ts: i64,
}

/// A loaded latency file, ready for lookups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatencyTable {
    /// All rows, in `req_ts` order.
    rows: Vec<LatencyRow>,
    /// `(exch_ts, resp_ts - exch_ts)` of the accepted rows, in `exch_ts` order.
    responses: Vec<(i64, i64)>,
}

/// hftbacktest's interpolation, to the nanosecond.
fn intp(x: i64, x1: i64, y1: i64, x2: i64, y2: i64) -> i64 {
    (((y2 - y1) as f64) / ((x2 - x1) as f64) * ((x - x1) as f64)) as i64 + y1
}

impl LatencyTable {
    /// A table from rows (in non-decreasing `req_ts` order; at least one).
    pub fn new(rows: Vec<LatencyRow>) -> Result<Self, LatencyFileError> {
        if rows.is_empty() {
            return Err(LatencyFileError::Empty);
        }
        if let Some(i) = rows.windows(2).position(|w| w[1].req_ts < w[0].req_ts) {
            return Err(LatencyFileError::OutOfOrder { row: i + 1 });
        }
        let mut responses: Vec<(i64, i64)> = rows
            .iter()
            .filter(|r| r.exch_ts > 0)
            .map(|r| (r.exch_ts, r.resp_ts - r.exch_ts))
            .collect();
        responses.sort_by_key(|&(x, _)| x);
        Ok(Self { rows, responses })
    }

    /// Reads a latency file (see the [module docs](self) for the format).
    pub fn load(path: &Path) -> Result<Self, LatencyFileError> {
        let file = std::fs::File::open(path)
            .map_err(|source| LatencyFileError::Io { path: path.to_owned(), source })?;
        Self::read(file)
    }

    /// Reads the CSV format from `input`.
    pub fn read(input: impl Read) -> Result<Self, LatencyFileError> {
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(input);
        let header_line = 1;
        let headers = reader.headers().map_err(|e| bad(header_line, e.to_string()))?;
        let names: Vec<&str> = headers.iter().map(str::trim).collect();
        if names != ["req_ts", "exch_ts", "resp_ts"] {
            return Err(bad(
                header_line,
                format!("header {names:?} is not req_ts,exch_ts,resp_ts"),
            ));
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                bad(line, e.to_string())
            })?;
            let line = record.position().map_or(0, |p| p.line());
            let field = |i: usize, name: &str| -> Result<i64, LatencyFileError> {
                let text = record.get(i).unwrap_or("").trim();
                text.parse().map_err(|_| bad(line, format!("{name} {text:?} is not an integer")))
            };
            let row = LatencyRow {
                req_ts: field(0, "req_ts")?,
                exch_ts: field(1, "exch_ts")?,
                resp_ts: field(2, "resp_ts")?,
            };
            if rows.last().is_some_and(|prev: &LatencyRow| row.req_ts < prev.req_ts) {
                return Err(bad(
                    line,
                    format!("req_ts {} is before the previous row's", row.req_ts),
                ));
            }
            rows.push(row);
        }
        Self::new(rows)
    }

    /// The rows, in `req_ts` order.
    pub fn rows(&self) -> &[LatencyRow] {
        &self.rows
    }

    /// Entry latency of a request sent at local time `req_ts` (negative: rejected; see
    /// the [module docs](self)).
    pub fn entry(&self, req_ts: i64) -> i64 {
        let rows = &self.rows;
        let first = rows[0];
        if req_ts < first.req_ts {
            return first.exch_ts - first.req_ts;
        }
        let i = rows.partition_point(|r| r.req_ts <= req_ts) - 1;
        let (row, Some(&next)) = (rows[i], rows.get(i + 1)) else {
            let last = rows[rows.len() - 1];
            return last.exch_ts - last.req_ts;
        };
        if row.exch_ts <= 0 || next.exch_ts <= 0 {
            let lat1 = row.resp_ts - row.req_ts;
            let lat2 = next.resp_ts - next.req_ts;
            return -intp(req_ts, row.req_ts, lat1, next.req_ts, lat2);
        }
        let lat1 = row.exch_ts - row.req_ts;
        let lat2 = next.exch_ts - next.req_ts;
        intp(req_ts, row.req_ts, lat1, next.req_ts, lat2)
    }

    /// Response latency of an answer produced at exchange time `exch_ts`.
    pub fn response(&self, exch_ts: i64) -> i64 {
        let Some(&(first_x, first_lat)) = self.responses.first() else {
            // Every row is a rejection: the request-to-answer time is all there is.
            return self.rows[0].resp_ts - self.rows[0].req_ts;
        };
        if exch_ts < first_x {
            return first_lat;
        }
        let i = self.responses.partition_point(|&(x, _)| x <= exch_ts) - 1;
        match self.responses.get(i + 1) {
            Some(&(x2, lat2)) => {
                let (x1, lat1) = self.responses[i];
                intp(exch_ts, x1, lat1, x2, lat2)
            }
            None => self.responses[i].1,
        }
    }
}

fn bad(line: u64, reason: String) -> LatencyFileError {
    LatencyFileError::BadLine { line, reason }
}

/// One side of the order latency, ready for lookups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Latency {
    /// The same for every order.
    Constant(i64),
    /// Interpolated from a recorded table (shared between entry and response when both
    /// name the same file).
    Recorded(Arc<LatencyTable>),
}

/// Order entry and response latency (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLatency {
    entry: Latency,
    response: Latency,
}

impl Default for OrderLatency {
    /// 100 µs each way, constant.
    fn default() -> Self {
        Self::new(Latency::Constant(100_000), Latency::Constant(100_000))
    }
}

impl OrderLatency {
    /// Both latencies given.
    pub fn new(entry: Latency, response: Latency) -> Self {
        Self { entry, response }
    }

    /// Loads the files the config names (a file named by both settings is read once).
    pub fn from_config(config: &OrderLatencyConfig) -> Result<Self, LatencyFileError> {
        let entry = match &config.entry {
            LatencySetting::ConstantNs(ns) => Latency::Constant(*ns),
            LatencySetting::File(path) => Latency::Recorded(Arc::new(LatencyTable::load(path)?)),
        };
        let response = match (&config.response, &config.entry, &entry) {
            (LatencySetting::ConstantNs(ns), _, _) => Latency::Constant(*ns),
            (LatencySetting::File(p), LatencySetting::File(q), Latency::Recorded(t)) if p == q => {
                Latency::Recorded(Arc::clone(t))
            }
            (LatencySetting::File(path), _, _) => {
                Latency::Recorded(Arc::new(LatencyTable::load(path)?))
            }
        };
        Ok(Self { entry, response })
    }

    /// Entry latency of a request sent at local time `req_ts`, in ns (negative: the
    /// exchange rejects it, and the rejection arrives after the magnitude).
    pub fn entry(&self, req_ts: i64) -> i64 {
        match &self.entry {
            Latency::Constant(ns) => *ns,
            Latency::Recorded(t) => t.entry(req_ts),
        }
    }

    /// Response latency of an answer the exchange produced at `exch_ts`, in ns.
    pub fn response(&self, exch_ts: i64) -> i64 {
        match &self.response {
            Latency::Constant(ns) => *ns,
            Latency::Recorded(t) => t.response(exch_ts),
        }
    }
}
