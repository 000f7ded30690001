//! Binance combined-stream captures: one `<local receive ns> <json>` per line.
//!
//! The JSON is a combined-stream envelope `{"stream": "<sym>@<kind>", "data": {...}}` for
//! `@trade`, `@aggTrade`, `@bookTicker` and `@depth` / `@depth@100ms` / `@depth@0ms`
//! (futures diffs carry `pu`, spot diffs do not), or a bare REST depth snapshot
//! `{"lastUpdateId", "E", "T", "bids", "asks"}`. The snapshot names no symbol: it is
//! attributed to the symbol of the latest depth stream seen (else the latest symbol of
//! any stream); a capture mixing several symbols' snapshots is ambiguous.
//!
//! # One clock
//! Exchange time is the event time `E`, else the transaction time `T`. Spot
//! `bookTicker` (and a spot REST snapshot) has neither, only the recorder's receive
//! time, which runs on another clock: in a Binance capture, about 1.27 s behind the
//! exchange's, plus the network's delay. Stamped with it, quotes would trail the
//! trades and depth they came with, and a replay would pace and match them on two
//! clocks. So every event goes on the exchange clock: the reader estimates the offset
//! between the two clocks from the events that carry both times, as the least
//! `receive - exchange` seen so far (the skew plus the least network delay: the
//! minimum filters out the queueing), and stamps an event without exchange time with
//! `receive - offset`. Events before the first one carrying both times are held (at
//! most 100,000) until it comes; a file with no such event at all keeps receive
//! times, and says so.
//!
//! Parsing is single-pass with
//! `serde_json` on the line buffer, borrowing all strings; only depth levels allocate.
//! The usual shapes of line take a strict fast path first (`fast`), which falls
//! back to `serde_json` for anything it does not know.
//! Streams of other kinds (e.g. `markPrice`) are counted as ignored, not errors.

use std::collections::VecDeque;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

mod fast;

use super::num::{parse_decimal, parse_u64};
use super::RecordedEvent;
use crate::tick::{
    DepthKind, DepthUpdate, Level, Quote, Side, Symbol, TickEvent, Trade, UpdateIds,
};

/// Parser state for one Binance capture.
pub(crate) struct BinanceParser {
    last_depth_symbol: Option<Symbol>,
    last_symbol: Option<Symbol>,
    ignored: u64,
    /// The estimated `receive - exchange` offset (see the module docs).
    clock_offset: Option<i64>,
    /// Events without exchange time, held until the offset is known.
    held: VecDeque<RecordedEvent>,
    /// The offset will not be known: events without exchange time keep receive time.
    unclocked: bool,
}

#[derive(Clone, Copy)]
enum StreamKind {
    Trade,
    AggTrade,
    BookTicker,
    Depth,
    Other,
}

fn stream_kind(stream: &str) -> StreamKind {
    let kind = stream.split_once('@').map_or("", |(_, k)| k);
    match kind {
        "trade" => StreamKind::Trade,
        "aggTrade" => StreamKind::AggTrade,
        "bookTicker" => StreamKind::BookTicker,
        k if k == "depth" || k.starts_with("depth@") => StreamKind::Depth,
        _ => StreamKind::Other,
    }
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct TradeMsg<'a> {
    #[serde(rename = "E")]
    event_time: Option<i64>,
    #[serde(rename = "T")]
    trade_time: Option<i64>,
    s: &'a str,
    t: Option<u64>,
    a: Option<u64>,
    p: &'a str,
    q: &'a str,
    m: bool,
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct BookTickerMsg<'a> {
    #[serde(rename = "E")]
    event_time: Option<i64>,
    #[serde(rename = "T")]
    tx_time: Option<i64>,
    u: Option<u64>,
    s: &'a str,
    b: &'a str,
    #[serde(rename = "B")]
    bid_qty: &'a str,
    a: &'a str,
    #[serde(rename = "A")]
    ask_qty: &'a str,
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct DepthMsg<'a> {
    #[serde(rename = "E")]
    event_time: Option<i64>,
    #[serde(rename = "T")]
    tx_time: Option<i64>,
    s: &'a str,
    #[serde(rename = "U")]
    first: u64,
    u: u64,
    pu: Option<u64>,
    b: Levels,
    a: Levels,
}

/// `[["price", "qty"], ...]` parsed straight into levels.
#[cfg_attr(test, derive(Debug, PartialEq))]
struct Levels(Vec<Level>);

impl<'de> Deserialize<'de> for Levels {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Levels;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of [price, qty] string pairs")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Levels, A::Error> {
                let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(16));
                while let Some((p, q)) = seq.next_element::<(&'de str, &'de str)>()? {
                    v.push(Level {
                        price: num(p).map_err(de::Error::custom)?,
                        qty: num(q).map_err(de::Error::custom)?,
                    });
                }
                Ok(Levels(v))
            }
        }
        d.deserialize_seq(V)
    }
}

#[cfg_attr(test, derive(Debug, PartialEq))]
enum Data<'a> {
    Trade(TradeMsg<'a>),
    BookTicker(BookTickerMsg<'a>),
    Depth(DepthMsg<'a>),
    Other,
}

struct DataSeed(StreamKind);

impl<'de> DeserializeSeed<'de> for DataSeed {
    type Value = Data<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Data<'de>, D::Error> {
        Ok(match self.0 {
            StreamKind::Trade | StreamKind::AggTrade => Data::Trade(TradeMsg::deserialize(d)?),
            StreamKind::BookTicker => Data::BookTicker(BookTickerMsg::deserialize(d)?),
            StreamKind::Depth => Data::Depth(DepthMsg::deserialize(d)?),
            StreamKind::Other => {
                IgnoredAny::deserialize(d)?;
                Data::Other
            }
        })
    }
}

#[cfg_attr(test, derive(Debug, PartialEq))]
struct Snapshot {
    last_update_id: u64,
    event_time: Option<i64>,
    tx_time: Option<i64>,
    bids: Vec<Level>,
    asks: Vec<Level>,
}

#[cfg_attr(test, derive(Debug, PartialEq))]
enum Line<'a> {
    Stream(Data<'a>),
    Snapshot(Snapshot),
}

impl<'de> Deserialize<'de> for Line<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Line<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a combined-stream envelope or a depth snapshot object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Line<'de>, M::Error> {
                let mut kind = None;
                let mut data = None;
                let mut last_update_id = None;
                let (mut event_time, mut tx_time) = (None, None);
                let (mut bids, mut asks) = (None, None);
                while let Some(key) = map.next_key::<&'de str>()? {
                    match key {
                        "stream" => kind = Some(stream_kind(map.next_value::<&'de str>()?)),
                        "data" => {
                            let k = kind.ok_or_else(|| {
                                de::Error::custom("`data` before `stream` in envelope")
                            })?;
                            data = Some(map.next_value_seed(DataSeed(k))?);
                        }
                        "lastUpdateId" => last_update_id = Some(map.next_value::<u64>()?),
                        "E" => event_time = Some(map.next_value::<i64>()?),
                        "T" => tx_time = Some(map.next_value::<i64>()?),
                        "bids" => bids = Some(map.next_value::<Levels>()?.0),
                        "asks" => asks = Some(map.next_value::<Levels>()?.0),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                if let Some(data) = data {
                    return Ok(Line::Stream(data));
                }
                match (last_update_id, bids, asks) {
                    (Some(last_update_id), Some(bids), Some(asks)) => Ok(Line::Snapshot(Snapshot {
                        last_update_id,
                        event_time,
                        tx_time,
                        bids,
                        asks,
                    })),
                    _ => Err(de::Error::custom(
                        "neither a {stream, data} envelope nor a {lastUpdateId, bids, asks} snapshot",
                    )),
                }
            }
        }
        d.deserialize_map(V)
    }
}

fn num(s: &str) -> Result<f64, String> {
    parse_decimal(s).ok_or_else(|| format!("invalid number {s:?}"))
}

fn symbol(s: &str) -> Result<Symbol, String> {
    Symbol::new(s).map_err(|e| e.to_string())
}

fn ms_to_ns(ms: Option<i64>) -> Option<i64> {
    ms.and_then(|v| v.checked_mul(1_000_000))
}

/// Events held while waiting for the first one that carries both clocks.
pub(crate) const HOLD_MAX: usize = 100_000;

impl BinanceParser {
    pub(crate) fn new() -> Self {
        Self {
            last_depth_symbol: None,
            last_symbol: None,
            ignored: 0,
            clock_offset: None,
            held: VecDeque::new(),
            unclocked: false,
        }
    }

    /// Puts `ev` (whose `exchange_ts_ns` is its receive time when `timed` is false) on
    /// the exchange clock and into `out`, in file order.
    fn stamp(&mut self, mut ev: RecordedEvent, timed: bool, out: &mut VecDeque<RecordedEvent>) {
        if timed {
            let offset = ev.local_ts_ns.saturating_sub(ev.exchange_ts_ns);
            self.clock_offset = Some(self.clock_offset.map_or(offset, |o| o.min(offset)));
            if !self.held.is_empty() {
                self.release_held(out);
            }
            out.push_back(ev);
            return;
        }
        match self.clock_offset {
            Some(offset) => {
                ev.exchange_ts_ns = ev.local_ts_ns.saturating_sub(offset);
                out.push_back(ev);
            }
            None if self.unclocked => out.push_back(ev),
            None => {
                self.held.push_back(ev);
                if self.held.len() >= HOLD_MAX {
                    self.give_up_clock(out);
                }
            }
        }
    }

    /// Stamps the held events with the offset now known, and hands them on.
    fn release_held(&mut self, out: &mut VecDeque<RecordedEvent>) {
        let offset = self.clock_offset.unwrap_or(0);
        for mut ev in self.held.drain(..) {
            ev.exchange_ts_ns = ev.local_ts_ns.saturating_sub(offset);
            out.push_back(ev);
        }
    }

    /// No event has carried both clocks: the held events, and those to come, keep
    /// their receive time.
    fn give_up_clock(&mut self, out: &mut VecDeque<RecordedEvent>) {
        tracing::warn!(
            held = self.held.len(),
            "no event with an exchange time: quotes keep the recorder's receive time"
        );
        self.unclocked = true;
        out.extend(self.held.drain(..));
    }

    /// At the end of the file: hands on what is still held.
    pub(crate) fn finish(&mut self, out: &mut VecDeque<RecordedEvent>) {
        if !self.held.is_empty() {
            self.give_up_clock(out);
        }
    }

    pub(crate) fn ignored(&self) -> u64 {
        self.ignored
    }

    pub(crate) fn parse_line(
        &mut self,
        line: &[u8],
        line_no: u64,
        out: &mut VecDeque<RecordedEvent>,
    ) -> Result<(), String> {
        let space =
            line.iter().position(|&b| b == b' ').ok_or("expected `<local_ns> <json>`: no space")?;
        let local_ts_ns = parse_u64(&line[..space])
            .and_then(|v| i64::try_from(v).ok())
            .ok_or("invalid local timestamp (expected integer ns)")?;
        let json = &line[space + 1..];
        let parsed = match fast::line(json) {
            Some(parsed) => parsed,
            None => serde_json::from_slice(json).map_err(|e| format!("invalid JSON: {e}"))?,
        };
        let mk = |symbol, ts: Option<i64>, venue_id, event| {
            let ev = RecordedEvent {
                line: line_no,
                symbol,
                exchange_ts_ns: ts.unwrap_or(local_ts_ns),
                local_ts_ns,
                feed_latency_ns: ts.map(|t| local_ts_ns.saturating_sub(t)),
                venue_id,
                event,
            };
            (ev, ts.is_some())
        };
        let (ev, timed) = match parsed {
            Line::Stream(Data::Other) => {
                self.ignored += 1;
                return Ok(());
            }
            Line::Stream(Data::Trade(t)) => {
                let sym = symbol(t.s)?;
                self.last_symbol = Some(sym);
                let trade = Trade {
                    px: num(t.p)?,
                    qty: num(t.q)?,
                    aggressor: Some(if t.m { Side::Sell } else { Side::Buy }),
                };
                let ts = ms_to_ns(t.event_time.or(t.trade_time));
                mk(sym, ts, t.t.or(t.a), TickEvent::Trade(trade))
            }
            Line::Stream(Data::BookTicker(q)) => {
                let sym = symbol(q.s)?;
                self.last_symbol = Some(sym);
                let quote = Quote {
                    bid_px: num(q.b)?,
                    bid_qty: num(q.bid_qty)?,
                    ask_px: num(q.a)?,
                    ask_qty: num(q.ask_qty)?,
                    from_book: false,
                };
                let ts = ms_to_ns(q.event_time.or(q.tx_time));
                mk(sym, ts, q.u, TickEvent::Quote(quote))
            }
            Line::Stream(Data::Depth(d)) => {
                let sym = symbol(d.s)?;
                self.last_symbol = Some(sym);
                self.last_depth_symbol = Some(sym);
                let update = DepthUpdate {
                    kind: DepthKind::Diff,
                    ids: Some(UpdateIds { first: d.first, last: d.u, prev: d.pu }),
                    end_of_event: true,
                    bids: d.b.0,
                    asks: d.a.0,
                };
                let ts = ms_to_ns(d.event_time.or(d.tx_time));
                mk(sym, ts, Some(d.u), TickEvent::Depth(Box::new(update)))
            }
            Line::Snapshot(s) => {
                let sym = self
                    .last_depth_symbol
                    .or(self.last_symbol)
                    .ok_or("depth snapshot before any stream line: its symbol is unknown")?;
                let update = DepthUpdate {
                    kind: DepthKind::Snapshot,
                    ids: Some(UpdateIds {
                        first: s.last_update_id,
                        last: s.last_update_id,
                        prev: None,
                    }),
                    end_of_event: true,
                    bids: s.bids,
                    asks: s.asks,
                };
                let ts = ms_to_ns(s.event_time.or(s.tx_time));
                mk(sym, ts, Some(s.last_update_id), TickEvent::Depth(Box::new(update)))
            }
        };
        ev.event.check()?;
        self.stamp(ev, timed, out);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(p: &mut BinanceParser, line: &str) -> Result<Option<RecordedEvent>, String> {
        let mut out = VecDeque::new();
        p.parse_line(line.as_bytes(), 7, &mut out)?;
        Ok(out.pop_front())
    }

    #[test]
    fn spot_depth_and_book_ticker() {
        let mut p = BinanceParser::new();
        let ev = parse(
            &mut p,
            r#"5 {"stream":"bnbbtc@depth@100ms","data":{"e":"depthUpdate","E":1000,"s":"BNBBTC","U":157,"u":160,"b":[["0.0024","10"]],"a":[["0.0026","100"]]}}"#,
        )
        .expect("ok")
        .expect("event");
        assert_eq!(ev.exchange_ts_ns, 1_000_000_000);
        let TickEvent::Depth(d) = ev.event else { panic!("depth expected") };
        assert_eq!(d.ids, Some(UpdateIds { first: 157, last: 160, prev: None }));
        let ev = parse(
            &mut p,
            r#"9 {"stream":"bnbusdt@bookTicker","data":{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}}"#,
        )
        .expect("ok")
        .expect("event");
        // Received at 9, on a clock 1e12 - 5 ns ahead of the depth event's.
        assert_eq!(ev.exchange_ts_ns, 1_000_000_000 + 4, "moved onto the exchange clock");
        assert_eq!(ev.venue_id, Some(400_900_217));
    }

    #[test]
    fn errors_and_ignored() {
        let mut p = BinanceParser::new();
        assert!(parse(&mut p, "abc").is_err());
        assert!(parse(&mut p, "1 {\"stream\":\"x@trade\",\"data\":{}}").is_err());
        let snap = r#"1 {"lastUpdateId":1,"bids":[],"asks":[]}"#;
        let err = parse(&mut p, snap).expect_err("no symbol yet");
        assert!(err.contains("symbol is unknown"), "{err}");
        assert!(parse(&mut p, r#"1 {"stream":"btcusdt@markPrice","data":{"p":"1"}}"#)
            .expect("ok")
            .is_none());
        assert_eq!(p.ignored(), 1);
    }
}
