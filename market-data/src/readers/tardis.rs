//! Tardis.dev CSV files. The header (`exchange,symbol,timestamp,local_timestamp,...`)
//! tells the data type:
//!
//! - `trades`: `id,side,price,amount` -> [`TickEvent::Trade`] (`side` is the aggressor).
//! - `quotes`: `ask_amount,ask_price,bid_price,bid_amount` -> [`TickEvent::Quote`] (an
//!   empty field reads as `0`).
//! - `incremental_book_L2`: `is_snapshot,side,price,amount` -> one single-level
//!   [`DepthUpdate`] per row (absolute size, `0` deletes). Rows sharing symbol, both
//!   timestamps and `is_snapshot` form one venue message: `end_of_event` is set on the
//!   last one (found by looking one row ahead).
//! - `book_snapshot_N`: `asks[i].price,asks[i].amount,bids[i].price,bids[i].amount...`
//!   -> one top-N snapshot [`DepthUpdate`] per row (empty levels are skipped).
//!
//! Timestamps are microseconds since the epoch (`timestamp` = exchange,
//! `local_timestamp` = receive). Tardis gives no numeric ids, so `venue_id` is `None`.

use std::collections::VecDeque;

use super::csv_row::CsvRow;
use super::num::{parse_decimal, parse_i64};
use super::RecordedEvent;
use crate::tick::{DepthKind, DepthUpdate, Level, Quote, Side, Symbol, TickEvent, Trade};

/// The Tardis data type of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TardisKind {
    /// `trades`.
    Trades {
        /// Column of `side`.
        side: usize,
        /// Column of `price`.
        price: usize,
        /// Column of `amount`.
        amount: usize,
    },
    /// `quotes`.
    Quotes {
        /// Columns of `bid_price`, `bid_amount`, `ask_price`, `ask_amount`.
        cols: [usize; 4],
    },
    /// `incremental_book_L2`.
    IncrementalL2 {
        /// Columns of `is_snapshot`, `side`, `price`, `amount`.
        cols: [usize; 4],
    },
    /// `book_snapshot_N`: per level i, columns of (bid price, bid amount, ask price, ask
    /// amount).
    BookSnapshot {
        /// Column indices per level.
        levels: Vec<[usize; 4]>,
    },
}

pub(crate) struct TardisParser {
    kind: TardisKind,
    n_cols: usize,
    row: CsvRow,
    pending: Option<(RecordedEvent, bool)>,
}

impl TardisParser {
    pub(crate) fn from_header(header: &[u8]) -> Result<Self, String> {
        let text = std::str::from_utf8(header).map_err(|_| "header is not UTF-8")?;
        let cols: Vec<&str> =
            text.trim_start_matches('\u{feff}').split(',').map(str::trim).collect();
        let find = |name: &str| cols.iter().position(|c| *c == name);
        let need = |names: [&str; 4]| -> Option<[usize; 4]> {
            Some([find(names[0])?, find(names[1])?, find(names[2])?, find(names[3])?])
        };
        let kind = if let Some(cols4) = need(["is_snapshot", "side", "price", "amount"]) {
            TardisKind::IncrementalL2 { cols: cols4 }
        } else if let (Some(side), Some(price), Some(amount)) =
            (find("side"), find("price"), find("amount"))
        {
            TardisKind::Trades { side, price, amount }
        } else if let Some(cols4) = need(["bid_price", "bid_amount", "ask_price", "ask_amount"]) {
            TardisKind::Quotes { cols: cols4 }
        } else if find("bids[0].price").is_some() || find("asks[0].price").is_some() {
            let mut levels = Vec::new();
            for i in 0.. {
                let col = |side: &str, what: &str| find(&format!("{side}[{i}].{what}"));
                match (
                    col("bids", "price"),
                    col("bids", "amount"),
                    col("asks", "price"),
                    col("asks", "amount"),
                ) {
                    (Some(a), Some(b), Some(c), Some(d)) => levels.push([a, b, c, d]),
                    _ => break,
                }
            }
            TardisKind::BookSnapshot { levels }
        } else {
            return Err(format!(
                "unsupported Tardis data type (header {:?}); supported: trades, quotes, \
                 incremental_book_L2, book_snapshot_N",
                text.chars().take(120).collect::<String>()
            ));
        };
        Ok(Self { kind, n_cols: cols.len(), row: CsvRow::default(), pending: None })
    }

    /// The detected data type.
    #[cfg(test)]
    pub(crate) fn kind(&self) -> &TardisKind {
        &self.kind
    }

    pub(crate) fn parse_line(
        &mut self,
        line: &[u8],
        line_no: u64,
        out: &mut VecDeque<RecordedEvent>,
    ) -> Result<(), String> {
        let line = self.row.split_exact(line, self.n_cols)?;
        let row = &self.row;
        let f = |i: usize| row.get(line, i);
        let symbol = Symbol::new(f(1)).map_err(|e| e.to_string())?;
        let exchange_ts_ns = micros(f(2), "timestamp")?;
        let local_ts_ns = micros(f(3), "local_timestamp")?;
        let mut ev = RecordedEvent {
            line: line_no,
            symbol,
            exchange_ts_ns,
            local_ts_ns,
            feed_latency_ns: Some(local_ts_ns.saturating_sub(exchange_ts_ns)),
            venue_id: None,
            event: TickEvent::Quote(Quote {
                bid_px: 0.0,
                bid_qty: 0.0,
                ask_px: 0.0,
                ask_qty: 0.0,
                from_book: false,
            }),
        };
        match &self.kind {
            TardisKind::Trades { side, price, amount } => {
                let aggressor = match f(*side) {
                    "buy" => Some(Side::Buy),
                    "sell" => Some(Side::Sell),
                    "unknown" | "" => None,
                    other => return Err(format!("invalid side {other:?}")),
                };
                ev.event = TickEvent::Trade(Trade {
                    px: num(f(*price))?,
                    qty: num(f(*amount))?,
                    aggressor,
                });
            }
            TardisKind::Quotes { cols } => {
                ev.event = TickEvent::Quote(Quote {
                    bid_px: num_or_zero(f(cols[0]))?,
                    bid_qty: num_or_zero(f(cols[1]))?,
                    ask_px: num_or_zero(f(cols[2]))?,
                    ask_qty: num_or_zero(f(cols[3]))?,
                    from_book: false,
                });
            }
            TardisKind::BookSnapshot { levels } => {
                let mut bids = Vec::with_capacity(levels.len());
                let mut asks = Vec::with_capacity(levels.len());
                for c in levels {
                    if !f(c[0]).is_empty() {
                        bids.push(Level { price: num(f(c[0]))?, qty: num(f(c[1]))? });
                    }
                    if !f(c[2]).is_empty() {
                        asks.push(Level { price: num(f(c[2]))?, qty: num(f(c[3]))? });
                    }
                }
                ev.event = TickEvent::Depth(Box::new(DepthUpdate {
                    kind: DepthKind::Snapshot,
                    ids: None,
                    end_of_event: true,
                    bids,
                    asks,
                }));
            }
            TardisKind::IncrementalL2 { cols } => {
                let is_snapshot = match f(cols[0]) {
                    "true" => true,
                    "false" => false,
                    other => return Err(format!("invalid is_snapshot {other:?}")),
                };
                let level = Level { price: num(f(cols[2]))?, qty: num(f(cols[3]))? };
                let (bids, asks) = match f(cols[1]) {
                    "bid" | "buy" => (vec![level], vec![]),
                    "ask" | "sell" => (vec![], vec![level]),
                    other => return Err(format!("invalid side {other:?}")),
                };
                ev.event = TickEvent::Depth(Box::new(DepthUpdate {
                    kind: if is_snapshot { DepthKind::Snapshot } else { DepthKind::Diff },
                    ids: None,
                    end_of_event: false,
                    bids,
                    asks,
                }));
                ev.event.check()?;
                if let Some((mut prev, prev_snap)) = self.pending.take() {
                    let same = prev.symbol == ev.symbol
                        && prev.exchange_ts_ns == ev.exchange_ts_ns
                        && prev.local_ts_ns == ev.local_ts_ns
                        && prev_snap == is_snapshot;
                    set_end(&mut prev, !same);
                    out.push_back(prev);
                }
                self.pending = Some((ev, is_snapshot));
                return Ok(());
            }
        }
        ev.event.check()?;
        out.push_back(ev);
        Ok(())
    }

    /// Flushes the row held for look-ahead, marking it as the end of its event.
    pub(crate) fn finish(&mut self, out: &mut VecDeque<RecordedEvent>) {
        if let Some((mut ev, _)) = self.pending.take() {
            set_end(&mut ev, true);
            out.push_back(ev);
        }
    }
}

fn set_end(ev: &mut RecordedEvent, end: bool) {
    if let TickEvent::Depth(d) = &mut ev.event {
        d.end_of_event = end;
    }
}

fn micros(s: &str, what: &str) -> Result<i64, String> {
    parse_i64(s)
        .and_then(|v| v.checked_mul(1_000))
        .ok_or_else(|| format!("invalid {what} {s:?} (expected integer microseconds)"))
}

fn num(s: &str) -> Result<f64, String> {
    parse_decimal(s).ok_or_else(|| format!("invalid number {s:?}"))
}

fn num_or_zero(s: &str) -> Result<f64, String> {
    if s.is_empty() {
        Ok(0.0)
    } else {
        num(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_kinds() {
        let p = TardisParser::from_header(
            b"exchange,symbol,timestamp,local_timestamp,id,side,price,amount",
        )
        .expect("trades");
        assert!(matches!(p.kind(), TardisKind::Trades { .. }));
        let p = TardisParser::from_header(
            b"exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,bids[0].price,bids[0].amount",
        )
        .expect("snapshot");
        assert_eq!(p.kind(), &TardisKind::BookSnapshot { levels: vec![[6, 7, 4, 5]] });
        assert!(TardisParser::from_header(
            b"exchange,symbol,timestamp,local_timestamp,funding_rate"
        )
        .is_err());
    }

    #[test]
    fn l2_rows_group_into_events() {
        let mut p = TardisParser::from_header(
            b"exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount",
        )
        .expect("l2");
        let mut out = VecDeque::new();
        for (i, l) in ["d,X,1,2,true,ask,10,1", "d,X,1,2,true,bid,9,1", "d,X,3,4,false,bid,9,0"]
            .iter()
            .enumerate()
        {
            p.parse_line(l.as_bytes(), i as u64 + 2, &mut out).expect("row");
        }
        p.finish(&mut out);
        let ends: Vec<bool> = out
            .iter()
            .map(|e| match &e.event {
                TickEvent::Depth(d) => d.end_of_event,
                _ => panic!("depth expected"),
            })
            .collect();
        assert_eq!(ends, [false, true, true]);
    }
}
