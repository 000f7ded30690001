//! Input formats: the [`Format`] enum (for a `--format` flag) and detection from the first
//! line of a file.

use std::fmt;
use std::str::FromStr;

/// A recorded-data format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// Detect from the first line.
    #[default]
    Auto,
    /// Binance combined-stream capture: `<local_ns> <json>` lines (futures or spot).
    BinanceJsonl,
    /// Tardis.dev CSV (`trades`, `quotes`, `incremental_book_L2`, `book_snapshot_N`;
    /// the kind is read from the header).
    Tardis,
    /// Generic top-of-book CSV with a `timestamp,bid,ask` header (e.g. TrueFX).
    QuotesCsv,
}

/// The text given for a [`Format`] names no known format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format {0:?}; expected one of: auto, binance, tardis, quotes-csv")]
pub struct UnknownFormatName(pub String);

impl FromStr for Format {
    type Err = UnknownFormatName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "binance" | "binance-jsonl" | "binance_jsonl" => Ok(Self::BinanceJsonl),
            "tardis" | "tardis-csv" => Ok(Self::Tardis),
            "quotes-csv" | "quotes_csv" | "quotes" | "truefx" => Ok(Self::QuotesCsv),
            _ => Err(UnknownFormatName(s.to_owned())),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::BinanceJsonl => "binance",
            Self::Tardis => "tardis",
            Self::QuotesCsv => "quotes-csv",
        })
    }
}

impl Format {
    /// Detects the format from a file's first line; `None` if it matches none.
    pub fn detect(first_line: &[u8]) -> Option<Self> {
        let line = first_line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(first_line);
        let digits = line.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits > 0 && line[digits..].starts_with(b" {") {
            return Some(Self::BinanceJsonl);
        }
        let text = std::str::from_utf8(line).ok()?.to_ascii_lowercase();
        if text.starts_with("exchange,symbol,timestamp,local_timestamp") {
            return Some(Self::Tardis);
        }
        let cols: Vec<&str> = text.split(',').map(str::trim).collect();
        let has = |c: &str| cols.contains(&c);
        if has("timestamp") && has("bid") && has("ask") {
            return Some(Self::QuotesCsv);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_detect() {
        assert_eq!("Binance".parse::<Format>(), Ok(Format::BinanceJsonl));
        assert_eq!("truefx".parse::<Format>(), Ok(Format::QuotesCsv));
        assert!("nope".parse::<Format>().is_err());
        assert_eq!(
            Format::detect(b"1723161255030314667 {\"stream\":\"x\"}"),
            Some(Format::BinanceJsonl)
        );
        assert_eq!(
            Format::detect(b"exchange,symbol,timestamp,local_timestamp,id,side,price,amount"),
            Some(Format::Tardis)
        );
        assert_eq!(Format::detect(b"timestamp,bid,ask"), Some(Format::QuotesCsv));
        assert_eq!(Format::detect(b"hello"), None);
    }
}
