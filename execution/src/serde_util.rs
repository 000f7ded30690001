//! Serde adapters for the market-data types that derive only rkyv: [`Symbol`] as its text,
//! [`Side`] as `"Buy"` / `"Sell"`.

use mycelium_market_data::{Side, Symbol};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};

/// `#[serde(with = "crate::serde_util::symbol")]`.
pub(crate) mod symbol {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(s: &Symbol, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(s.as_str())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Symbol, D::Error> {
        let s = String::deserialize(de)?;
        Symbol::new(&s).map_err(D::Error::custom)
    }
}

/// `#[serde(with = "crate::serde_util::side")]`.
pub(crate) mod side {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(s: &Side, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(match s {
            Side::Buy => "Buy",
            Side::Sell => "Sell",
        })
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Side, D::Error> {
        match String::deserialize(de)?.as_str() {
            "Buy" | "buy" => Ok(Side::Buy),
            "Sell" | "sell" => Ok(Side::Sell),
            other => Err(D::Error::unknown_variant(other, &["Buy", "Sell"])),
        }
    }
}

/// `#[serde(with = "crate::serde_util::symbols")]`: a list of symbols as strings.
pub(crate) mod symbols {
    use super::*;
    use serde::ser::SerializeSeq;

    pub(crate) fn serialize<S: Serializer>(v: &[Symbol], ser: S) -> Result<S::Ok, S::Error> {
        let mut seq = ser.serialize_seq(Some(v.len()))?;
        for s in v {
            seq.serialize_element(s.as_str())?;
        }
        seq.end()
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<Symbol>, D::Error> {
        Vec::<String>::deserialize(de)?
            .iter()
            .map(|s| Symbol::new(s).map_err(D::Error::custom))
            .collect()
    }
}
