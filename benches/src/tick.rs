//! The benches' message: the size and shape of a market tick.

/// 64 bytes, like a top-of-book `MarketTick`. Crosses the wire in the remote benches.
#[derive(Debug, Clone, Copy, Default, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Tick {
    /// Symbol, inline.
    pub symbol: [u8; 16],
    /// Sequence number.
    pub seq: u64,
    /// Exchange timestamp, ns.
    pub exchange_ts: u64,
    /// Best bid.
    pub bid: f64,
    /// Best ask.
    pub ask: f64,
    /// Size at the bid.
    pub bid_qty: f64,
    /// Size at the ask.
    pub ask_qty: f64,
}

impl Tick {
    /// Tick number `seq`.
    pub fn new(seq: u64) -> Self {
        Self {
            symbol: *b"BTCUSDT\0\0\0\0\0\0\0\0\0",
            seq,
            exchange_ts: seq,
            bid: 100.0,
            ask: 100.5,
            bid_qty: 1.0,
            ask_qty: 2.0,
        }
    }
}
