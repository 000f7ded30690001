//! A deterministic synthetic tick source.
//!
//! N symbols (`SYN0`, `SYN1`, ...) each follow a random walk on a price grid with a
//! spread of a few ticks. Each step picks a symbol, moves its mid, and yields a
//! [`Quote`], or (with probability [`SyntheticConfig::trade_probability`]) a [`Trade`]
//! at the bid or ask. The same seed gives the same sequence (ChaCha8). Exchange time
//! advances by `1 / rate` per tick; pacing to that rate is the caller's job
//! ([`crate::pacing::Pacer`] can pace by those timestamps).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::tick::{MarketTick, Quote, Side, Symbol, SymbolError, TickEvent, Trade};

/// Parameters of a [`SyntheticSource`].
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticConfig {
    /// Number of symbols (named `SYN0`, `SYN1`, ...).
    pub symbols: usize,
    /// RNG seed: same seed, same ticks.
    pub seed: u64,
    /// Intended rate in ticks per second (all symbols together). Sets the spacing of
    /// exchange timestamps; the source itself never sleeps.
    pub rate_per_sec: f64,
    /// Starting mid price of every symbol.
    pub start_price: f64,
    /// Price grid step.
    pub tick_size: f64,
    /// Spread in ticks (>= 1).
    pub spread_ticks: u32,
    /// Largest mid move per step, in ticks.
    pub max_step_ticks: u32,
    /// Probability that a step is a trade rather than a quote.
    pub trade_probability: f64,
    /// Exchange time of the first tick, ns since the epoch.
    pub start_ts_ns: i64,
}

impl Default for SyntheticConfig {
    fn default() -> Self {
        Self {
            symbols: 4,
            seed: 42,
            rate_per_sec: 100_000.0,
            start_price: 100.0,
            tick_size: 0.01,
            spread_ticks: 2,
            max_step_ticks: 2,
            trade_probability: 0.1,
            start_ts_ns: 1_700_000_000_000_000_000,
        }
    }
}

struct SymState {
    symbol: Symbol,
    mid_ticks: i64,
}

/// An endless iterator of synthetic ticks (use `.take(n)`).
pub struct SyntheticSource {
    cfg: SyntheticConfig,
    rng: ChaCha8Rng,
    syms: Vec<SymState>,
    seq: u64,
    step_ns: f64,
}

impl SyntheticSource {
    /// A source for `cfg`. Fails only if a generated symbol name is invalid (more than
    /// 10^12 symbols).
    pub fn new(cfg: SyntheticConfig) -> Result<Self, SymbolError> {
        let start_ticks = (cfg.start_price / cfg.tick_size).round() as i64;
        let syms = (0..cfg.symbols.max(1))
            .map(|i| {
                Ok(SymState { symbol: Symbol::new(&format!("SYN{i}"))?, mid_ticks: start_ticks })
            })
            .collect::<Result<_, SymbolError>>()?;
        let step_ns = if cfg.rate_per_sec > 0.0 { 1e9 / cfg.rate_per_sec } else { 0.0 };
        Ok(Self { rng: ChaCha8Rng::seed_from_u64(cfg.seed), cfg, syms, seq: 0, step_ns })
    }

    /// The configuration.
    pub fn config(&self) -> &SyntheticConfig {
        &self.cfg
    }

    /// The symbols this source produces.
    pub fn symbols(&self) -> impl Iterator<Item = Symbol> + '_ {
        self.syms.iter().map(|s| s.symbol)
    }
}

impl Iterator for SyntheticSource {
    type Item = MarketTick;

    fn next(&mut self) -> Option<MarketTick> {
        let cfg = &self.cfg;
        let i = self.rng.random_range(0..self.syms.len());
        let max = i64::from(cfg.max_step_ticks);
        let step = self.rng.random_range(-max..=max);
        let spread = i64::from(cfg.spread_ticks.max(1));
        let is_trade = self.rng.random_bool(cfg.trade_probability.clamp(0.0, 1.0));
        let qty_lots: u32 = self.rng.random_range(1..=100);
        let ask_lots: u32 = self.rng.random_range(1..=100);
        let buy = self.rng.random_bool(0.5);
        let s = &mut self.syms[i];
        // Keep the bid at least one tick above zero.
        s.mid_ticks = (s.mid_ticks + step).max(spread + 1);
        let bid_ticks = s.mid_ticks - spread / 2;
        let ask_ticks = bid_ticks + spread;
        let bid_px = bid_ticks as f64 * cfg.tick_size;
        let ask_px = ask_ticks as f64 * cfg.tick_size;
        let event = if is_trade {
            TickEvent::Trade(Trade {
                px: if buy { ask_px } else { bid_px },
                qty: f64::from(qty_lots),
                aggressor: Some(if buy { Side::Buy } else { Side::Sell }),
            })
        } else {
            TickEvent::Quote(Quote {
                bid_px,
                bid_qty: f64::from(qty_lots),
                ask_px,
                ask_qty: f64::from(ask_lots),
                from_book: false,
            })
        };
        let ts = cfg.start_ts_ns + (self.seq as f64 * self.step_ns) as i64;
        self.seq += 1;
        Some(MarketTick {
            symbol: s.symbol,
            seq: self.seq,
            exchange_ts_ns: ts,
            local_ts_ns: ts,
            event,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_sane() {
        let cfg = SyntheticConfig::default();
        let a: Vec<_> = SyntheticSource::new(cfg.clone()).expect("cfg").take(1000).collect();
        let b: Vec<_> = SyntheticSource::new(cfg).expect("cfg").take(1000).collect();
        assert_eq!(a, b);
        assert!(a.iter().any(|t| matches!(t.event, TickEvent::Trade(_))));
        for t in &a {
            if let TickEvent::Quote(q) = t.event {
                assert!(q.bid_px > 0.0 && q.ask_px > q.bid_px);
            }
        }
        assert_eq!(a[1].exchange_ts_ns - a[0].exchange_ts_ns, 10_000);
        assert_eq!(a[999].seq, 1000);
    }
}
