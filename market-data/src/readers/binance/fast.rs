//! The fast path for the lines a Binance capture is made of.
//!
//! `serde_json` spends most of a line's cost being general: every key and value goes
//! through its visitor machinery and every borrowed string through UTF-8 validation,
//! which made parsing the slowest stage of a gzip replay. Captures are almost all
//! the same three shapes (`bookTicker`, `trade`, `depth` envelopes of flat objects
//! whose values are ASCII strings, integers, booleans and arrays of string pairs), so
//! [`line`] reads exactly those shapes in one pass over the bytes.
//!
//! It is strict, never lenient: anything outside the subset it knows (an escape, a
//! non-ASCII byte, a float or `null` where it reads an integer, a nested unknown
//! value, a duplicate or missing field, a number that does not parse, keys of the
//! envelope in another order, trailing bytes) makes it return `None`, and the caller
//! parses the line with `serde_json`, which gives the same value or the error. So the
//! fast path changes speed only, never what a line means; the tests check that on
//! every line of the real capture and on mutated lines.

use super::{stream_kind, BookTickerMsg, Data, DepthMsg, Levels, Line, StreamKind, TradeMsg};
use crate::readers::num::{parse_decimal_bytes, parse_u64};
use crate::tick::Level;

/// Reads a combined-stream envelope of a trade, aggTrade, bookTicker or depth stream;
/// `None` when the line needs the general parser.
pub(super) fn line(json: &[u8]) -> Option<Line<'_>> {
    let mut s = Scan { b: json, i: 0 };
    s.eat(b'{')?;
    if s.bytes()? != b"stream" {
        return None;
    }
    s.eat(b':')?;
    let kind = stream_kind(s.str()?);
    s.eat(b',')?;
    if s.bytes()? != b"data" {
        return None;
    }
    s.eat(b':')?;
    let data = match kind {
        StreamKind::Trade | StreamKind::AggTrade => Data::Trade(trade(&mut s)?),
        StreamKind::BookTicker => Data::BookTicker(book_ticker(&mut s)?),
        StreamKind::Depth => Data::Depth(depth(&mut s)?),
        StreamKind::Other => return None,
    };
    s.eat(b'}')?;
    s.ws();
    (s.i == json.len()).then_some(Line::Stream(data))
}

/// Stores a field's value; `None` (decline) if the field came already (serde rejects
/// duplicate fields) or its value did not read.
fn put<T>(slot: &mut Option<T>, value: Option<T>) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value?);
    Some(())
}

fn trade<'a>(s: &mut Scan<'a>) -> Option<TradeMsg<'a>> {
    let (mut event_time, mut trade_time, mut t, mut a) = (None, None, None, None);
    let (mut sym, mut p, mut q, mut m) = (None, None, None, None);
    s.object(|s, key| match key {
        b"E" => put(&mut event_time, s.int()),
        b"T" => put(&mut trade_time, s.int()),
        b"s" => put(&mut sym, s.str()),
        b"t" => put(&mut t, s.uint()),
        b"a" => put(&mut a, s.uint()),
        b"p" => put(&mut p, s.str()),
        b"q" => put(&mut q, s.str()),
        b"m" => put(&mut m, s.bool()),
        _ => s.skip_scalar(),
    })?;
    Some(TradeMsg { event_time, trade_time, s: sym?, t, a, p: p?, q: q?, m: m? })
}

fn book_ticker<'a>(s: &mut Scan<'a>) -> Option<BookTickerMsg<'a>> {
    let (mut event_time, mut tx_time, mut u) = (None, None, None);
    let (mut sym, mut b, mut bid_qty, mut a, mut ask_qty) = (None, None, None, None, None);
    s.object(|s, key| match key {
        b"E" => put(&mut event_time, s.int()),
        b"T" => put(&mut tx_time, s.int()),
        b"u" => put(&mut u, s.uint()),
        b"s" => put(&mut sym, s.str()),
        b"b" => put(&mut b, s.str()),
        b"B" => put(&mut bid_qty, s.str()),
        b"a" => put(&mut a, s.str()),
        b"A" => put(&mut ask_qty, s.str()),
        _ => s.skip_scalar(),
    })?;
    Some(BookTickerMsg {
        event_time,
        tx_time,
        u,
        s: sym?,
        b: b?,
        bid_qty: bid_qty?,
        a: a?,
        ask_qty: ask_qty?,
    })
}

fn depth<'a>(s: &mut Scan<'a>) -> Option<DepthMsg<'a>> {
    let (mut event_time, mut tx_time, mut sym) = (None, None, None);
    let (mut first, mut u, mut pu, mut b, mut a) = (None, None, None, None, None);
    s.object(|s, key| match key {
        b"E" => put(&mut event_time, s.int()),
        b"T" => put(&mut tx_time, s.int()),
        b"s" => put(&mut sym, s.str()),
        b"U" => put(&mut first, s.uint()),
        b"u" => put(&mut u, s.uint()),
        b"pu" => put(&mut pu, s.uint()),
        b"b" => put(&mut b, s.levels()),
        b"a" => put(&mut a, s.levels()),
        _ => s.skip_scalar(),
    })?;
    Some(DepthMsg {
        event_time,
        tx_time,
        s: sym?,
        first: first?,
        u: u?,
        pu,
        b: Levels(b?),
        a: Levels(a?),
    })
}

/// A cursor over one line's JSON.
struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    /// Skips JSON whitespace.
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    /// Consumes `c` after whitespace.
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// Consumes `word` (a literal such as `true`) at the cursor.
    fn word(&mut self, word: &[u8]) -> Option<()> {
        self.b.get(self.i..)?.starts_with(word).then(|| self.i += word.len())
    }

    /// The contents of a string of printable ASCII without escapes.
    fn bytes(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.i;
        loop {
            match *self.b.get(self.i)? {
                b'"' => break,
                b'\\' => return None,
                0x20..=0x7e => self.i += 1,
                _ => return None,
            }
        }
        let s = &self.b[start..self.i];
        self.i += 1;
        Some(s)
    }

    /// A string of printable ASCII without escapes.
    fn str(&mut self) -> Option<&'a str> {
        let s = self.bytes()?;
        // SAFETY: `bytes` returns only bytes in 0x20..=0x7e (anything else ends it with
        // `None`), and ASCII is valid UTF-8. Checking again cost a tenth of the parse.
        Some(unsafe { std::str::from_utf8_unchecked(s) })
    }

    /// A number inside a string, such as `"61687.10"`.
    fn decimal(&mut self) -> Option<f64> {
        parse_decimal_bytes(self.bytes()?)
    }

    /// A non-negative JSON integer that fits a `u64`: `0` or digits without a leading
    /// zero, not followed by a fraction or an exponent.
    fn uint(&mut self) -> Option<u64> {
        self.ws();
        let start = self.i;
        let end = self.b[start..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(self.b.len(), |n| start + n);
        self.i = end;
        let digits = &self.b[start..end];
        if (digits.len() > 1 && digits[0] == b'0')
            || matches!(self.b.get(self.i), Some(b'.' | b'e' | b'E'))
        {
            return None;
        }
        parse_u64(digits)
    }

    /// A JSON integer that fits an `i64`.
    fn int(&mut self) -> Option<i64> {
        if self.peek()? == b'-' {
            self.i += 1;
            if !self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
                return None;
            }
            return 0i64.checked_sub_unsigned(self.uint()?);
        }
        i64::try_from(self.uint()?).ok()
    }

    fn bool(&mut self) -> Option<bool> {
        match self.peek()? {
            b't' => self.word(b"true").map(|()| true),
            b'f' => self.word(b"false").map(|()| false),
            _ => None,
        }
    }

    /// Skips the value of a field nobody reads: a string, an integer, a boolean or
    /// `null` (anything else goes to the general parser).
    fn skip_scalar(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.bytes().map(drop),
            b'-' | b'0'..=b'9' => self.int().map(drop),
            b'n' => self.word(b"null"),
            _ => self.bool().map(drop),
        }
    }

    /// An object, each field's key handed to `field`, which reads its value.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let key = self.bytes()?;
            self.eat(b':')?;
            field(self, key)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `[["price", "qty"], ...]`, each number parsed as it is read.
    fn levels(&mut self) -> Option<Vec<Level>> {
        self.eat(b'[')?;
        let mut levels = Vec::with_capacity(16);
        if self.peek()? == b']' {
            self.i += 1;
            return Some(levels);
        }
        loop {
            self.eat(b'[')?;
            let price = self.decimal()?;
            self.eat(b',')?;
            let qty = self.decimal()?;
            self.eat(b']')?;
            levels.push(Level { price, qty });
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(levels);
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPTH: &str = r#"{"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1723161256299,"T":1723161256298,"s":"BTCUSDT","U":5123107832006,"u":5123107837557,"pu":5123107831937,"b":[["58710.20","0.014"],["61496.50","0.000"]],"a":[["61703.10","0.238"]]}}"#;
    const SPOT_DEPTH: &str = r#"{"stream":"bnbbtc@depth@100ms","data":{"e":"depthUpdate","E":1000,"s":"BNBBTC","U":157,"u":160,"b":[],"a":[["0.0026","100"]]}}"#;
    const BOOK_TICKER: &str = r#"{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":5123107838024,"s":"BTCUSDT","b":"61687.00","B":"5.153","a":"61687.10","A":"0.026","T":1723161256300,"E":1723161256301}}"#;
    const SPOT_BOOK_TICKER: &str = r#"{"stream":"bnbusdt@bookTicker","data":{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}}"#;
    const TRADE: &str = r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161256301,"T":1723161256300,"s":"BTCUSDT","t":5212333925,"p":"61687.10","q":"0.002","X":"MARKET","m":false}}"#;
    const AGG_TRADE: &str = r#"{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":-5,"a":26129,"s":"BTCUSDT","p":"0.01633102","q":"4.70443515","f":27781,"l":27781,"T":1498793709153,"m":true,"M":true}}"#;

    fn serde(json: &str) -> Result<Line<'_>, serde_json::Error> {
        serde_json::from_slice(json.as_bytes())
    }

    /// The fast path either declines or gives exactly what serde gives.
    fn agrees(json: &str) -> bool {
        match line(json.as_bytes()) {
            Some(fast) => {
                let general = serde(json).unwrap_or_else(|e| panic!("fast accepted {json}: {e}"));
                assert_eq!(fast, general, "{json}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn reads_the_usual_shapes_as_serde_does() {
        for json in [DEPTH, SPOT_DEPTH, BOOK_TICKER, SPOT_BOOK_TICKER, TRADE, AGG_TRADE] {
            assert!(agrees(json), "fast path declined {json}");
        }
        let spaced = " { \"stream\" : \"btcusdt@trade\" ,\n\"data\":{ \"s\" : \"BTCUSDT\", \"p\":\"1.5\",\t\"q\":\"2\",\"m\":true } } \r\n";
        assert!(agrees(spaced), "whitespace is JSON too");
    }

    #[test]
    fn declines_what_it_does_not_know() {
        let declined = [
            // Escapes, control and non-ASCII bytes in strings.
            BOOK_TICKER.replace(r#""s":"BTCUSDT""#, r#""s":"BTC\u0055SDT""#),
            BOOK_TICKER.replace(r#""s":"BTCUSDT""#, r#""\u0073":"BTCUSDT""#),
            BOOK_TICKER.replace("BTCUSDT", "BTC\u{7f}USDT"),
            BOOK_TICKER.replace("BTCUSDT", "BTCUSDTé"),
            // Values other than the ones it reads.
            BOOK_TICKER.replace(r#""E":1723161256301"#, r#""E":null"#),
            BOOK_TICKER.replace(r#""E":1723161256301"#, r#""E":1723161256301.0"#),
            BOOK_TICKER.replace(r#""E":1723161256301"#, r#""E":17e2"#),
            BOOK_TICKER.replace(r#""E":1723161256301"#, r#""E":01"#),
            BOOK_TICKER.replace(r#""E":1723161256301"#, r#""E":99999999999999999999"#),
            BOOK_TICKER.replace(r#""e":"bookTicker""#, r#""e":{"x":1}"#),
            BOOK_TICKER.replace(r#""e":"bookTicker""#, r#""e":1.5"#),
            TRADE.replace(r#""m":false"#, r#""m":0"#),
            TRADE.replace(r#""t":5212333925"#, r#""t":-1"#),
            DEPTH.replace(r#"["58710.20","0.014"]"#, r#"["58710.20","0.014","x"]"#),
            DEPTH.replace(r#"["58710.20","0.014"]"#, r#"["58710.20"]"#),
            DEPTH.replace(r#"["58710.20","0.014"]"#, r#"[58710.20,"0.014"]"#),
            DEPTH.replace("58710.20", "58710.2x"),
            // Duplicate and missing fields.
            BOOK_TICKER.replace(r#""B":"5.153""#, r#""B":"5.153","B":"1""#),
            TRADE.replace(r#","m":false"#, ""),
            DEPTH.replace(r#""U":5123107832006,"#, ""),
            // Envelope shapes it does not read, trailing bytes, cut lines.
            BOOK_TICKER.replacen(r#""stream":"btcusdt@bookTicker","#, "", 1).replacen(
                '}',
                r#","stream":"btcusdt@bookTicker"}"#,
                1,
            ),
            BOOK_TICKER.replace(r#""data""#, r#""x":1,"data""#),
            BOOK_TICKER.replace("@bookTicker", "@markPrice"),
            format!("{BOOK_TICKER}x"),
            format!("{BOOK_TICKER}}}"),
            BOOK_TICKER[..BOOK_TICKER.len() - 1].to_owned(),
            r#"{"lastUpdateId":1,"bids":[],"asks":[]}"#.to_owned(),
            String::new(),
        ];
        for json in &declined {
            assert!(!agrees(json), "fast path took {json}");
        }
        // Declining is not accepting: most of these are errors from serde.
        assert!(serde(&declined[5]).is_err(), "a float for an integer field");
    }

    #[test]
    fn takes_every_line_of_the_real_capture_as_serde_does() {
        use std::io::BufRead;
        let dir = std::env::var_os("MYCELIUM_DATA_DIR").map_or_else(
            || std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data")),
            std::path::PathBuf::from,
        );
        let path = dir.join("hftbacktest_binance-usdm_BTCUSDT_20240808.jsonl.gz");
        let Ok(file) = std::fs::File::open(&path) else {
            println!("skipped: {} not found (set MYCELIUM_DATA_DIR)", path.display());
            return;
        };
        let lines = std::io::BufReader::new(flate2::read::GzDecoder::new(file)).split(b'\n');
        let (mut fast, mut total) = (0, 0);
        for l in lines {
            let l = String::from_utf8(l.expect("readable capture")).expect("UTF-8");
            let json = l.split_once(' ').expect("<ns> <json>").1;
            total += 1;
            fast += usize::from(agrees(json));
        }
        // All but the one REST snapshot line.
        assert_eq!((fast, total), (93_953, 93_954));
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2000))]
        /// One byte changed, removed or added anywhere: the fast path still never
        /// accepts what serde rejects, nor reads it differently.
        #[test]
        fn a_mutated_line_is_read_as_serde_reads_it_or_declined(
            base in 0..6usize,
            at in 0..400usize,
            op in 0..3u8,
            byte in proptest::sample::select(b"\"\\,:{}[]0123456789.-e ntf\x00\x7f\xc3sabBAEmpuT".to_vec()),
        ) {
            let json = [DEPTH, SPOT_DEPTH, BOOK_TICKER, SPOT_BOOK_TICKER, TRADE, AGG_TRADE][base];
            let mut bytes = json.as_bytes().to_vec();
            let at = at % bytes.len();
            match op {
                0 => bytes[at] = byte,
                1 => { bytes.remove(at); }
                _ => bytes.insert(at, byte),
            }
            if let Some(fast) = line(&bytes) {
                let general: Line<'_> = serde_json::from_slice(&bytes)
                    .map_err(|e| proptest::test_runner::TestCaseError::fail(format!("fast accepted what serde rejects: {e}")))?;
                proptest::prop_assert_eq!(fast, general);
            }
        }
    }
}
