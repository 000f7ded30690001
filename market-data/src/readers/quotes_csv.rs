//! Generic top-of-book quote CSV: a header naming `timestamp`, `bid` and `ask` columns
//! (any order), optionally `symbol` and sizes (`bid_size`/`bid_qty`/`bid_amount`,
//! `ask_size`/...). TrueFX exports look like
//! `2013-01-01 22:00:00.295000+00:00,86.655,86.728`; see the timestamp forms accepted
//! in the reader's `timefmt` helper (ISO-8601 with optional fraction and zone, or an
//! integer epoch). Without sizes, quotes carry sizes of `0`. The file gives a single
//! time, used as both exchange and local time.

use std::collections::VecDeque;

use super::csv_row::CsvRow;
use super::num::parse_decimal;
use super::timefmt::parse_timestamp_ns;
use super::RecordedEvent;
use crate::tick::{Quote, Symbol, TickEvent};

pub(crate) struct QuotesParser {
    ts: usize,
    bid: usize,
    ask: usize,
    bid_qty: Option<usize>,
    ask_qty: Option<usize>,
    symbol_col: Option<usize>,
    symbol: Symbol,
    n_cols: usize,
    row: CsvRow,
}

impl QuotesParser {
    pub(crate) fn from_header(header: &[u8], symbol: Symbol) -> Result<Self, String> {
        let text = std::str::from_utf8(header).map_err(|_| "header is not UTF-8")?;
        let cols: Vec<String> = text
            .trim_start_matches('\u{feff}')
            .split(',')
            .map(|c| c.trim().to_ascii_lowercase())
            .collect();
        let find = |names: &[&str]| cols.iter().position(|c| names.contains(&c.as_str()));
        let need = |name: &str| {
            find(&[name]).ok_or_else(|| format!("quote CSV header lacks a `{name}` column"))
        };
        Ok(Self {
            ts: need("timestamp")?,
            bid: need("bid")?,
            ask: need("ask")?,
            bid_qty: find(&["bid_size", "bid_qty", "bid_amount", "bid_volume"]),
            ask_qty: find(&["ask_size", "ask_qty", "ask_amount", "ask_volume"]),
            symbol_col: find(&["symbol", "instrument", "pair"]),
            symbol,
            n_cols: cols.len(),
            row: CsvRow::default(),
        })
    }

    pub(crate) fn parse_line(
        &mut self,
        line: &[u8],
        line_no: u64,
        out: &mut VecDeque<RecordedEvent>,
    ) -> Result<(), String> {
        let line = self.row.split_exact(line, self.n_cols)?;
        let f = |i: usize| self.row.get(line, i);
        let num = |i: usize| {
            let s = f(i);
            parse_decimal(s).ok_or_else(|| format!("invalid number {s:?}"))
        };
        let qty = |i: Option<usize>| i.map_or(Ok(0.0), num);
        let ts = parse_timestamp_ns(f(self.ts))?;
        let symbol = match self.symbol_col {
            Some(c) => Symbol::new(f(c)).map_err(|e| e.to_string())?,
            None => self.symbol,
        };
        let event = TickEvent::Quote(Quote {
            bid_px: num(self.bid)?,
            bid_qty: qty(self.bid_qty)?,
            ask_px: num(self.ask)?,
            ask_qty: qty(self.ask_qty)?,
            from_book: false,
        });
        event.check()?;
        out.push_back(RecordedEvent {
            line: line_no,
            symbol,
            exchange_ts_ns: ts,
            local_ts_ns: ts,
            feed_latency_ns: None,
            venue_id: None,
            event,
        });
        Ok(())
    }
}
