//! Pacing a replay by exchange time (the feed actor drives it).
//!
//! [`Pacer`] maps exchange timestamps to wall-clock deadlines for a [`Speed`]: the first
//! event is due at once, and an event `d` exchange-nanoseconds later is due `d / N`
//! after it. Deadlines are absolute (anchored on the first event), so sleeping late
//! once does not make the whole replay drift; events whose deadline has passed (or
//! whose timestamp goes backwards) are due immediately.
//!
//! Pacing uses **exchange time only**. The local receive timestamps of a capture run on
//! the recorder's clock, which in the bundled Binance capture is about 1.27 s behind
//! exchange time and jitters with network delay; mixing the two clocks would distort
//! the replay. Time comes from `tokio::time`, so tests can run under a paused clock.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use tokio::time::Instant;

/// Replay speed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// No waiting at all.
    Max,
    /// Exchange-time spacing reproduced 1:1.
    Realtime,
    /// Exchange-time spacing divided by the factor (`10x` = ten times faster, `0.5x` =
    /// half speed).
    Multiple(f64),
}

/// A speed string that is not `max`, `realtime` or `<positive number>x`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid speed {0:?}: expected max, realtime or a positive factor such as 10x or 0.5x")]
pub struct InvalidSpeed(pub String);

impl FromStr for Speed {
    type Err = InvalidSpeed;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "max" => return Ok(Self::Max),
            "realtime" | "real-time" | "1x" => return Ok(Self::Realtime),
            _ => {}
        }
        t.strip_suffix('x')
            .and_then(|n| n.trim().parse::<f64>().ok())
            .filter(|f| f.is_finite() && *f > 0.0)
            .map(Self::Multiple)
            .ok_or_else(|| InvalidSpeed(s.to_owned()))
    }
}

impl fmt::Display for Speed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Max => f.write_str("max"),
            Self::Realtime => f.write_str("realtime"),
            Self::Multiple(n) => write!(f, "{n}x"),
        }
    }
}

impl Speed {
    /// The factor by which exchange time is sped up; `None` for [`Speed::Max`].
    pub fn factor(&self) -> Option<f64> {
        match self {
            Self::Max => None,
            Self::Realtime => Some(1.0),
            Self::Multiple(n) => Some(*n),
        }
    }
}

/// Computes when each event is due (see the module docs).
#[derive(Debug, Clone)]
pub struct Pacer {
    speed: Speed,
    anchor: Option<(i64, Instant)>,
}

impl Pacer {
    /// A pacer for `speed`; anchored by the first event it sees.
    pub fn new(speed: Speed) -> Self {
        Self { speed, anchor: None }
    }

    /// The speed.
    pub fn speed(&self) -> Speed {
        self.speed
    }

    /// Forgets the anchor: the next event is due at once.
    pub fn reset(&mut self) {
        self.anchor = None;
    }

    /// When the event with this exchange timestamp is due; `None` at [`Speed::Max`].
    pub fn deadline(&mut self, exchange_ts_ns: i64) -> Option<Instant> {
        let factor = self.speed.factor()?;
        let (ts0, t0) = *self.anchor.get_or_insert_with(|| (exchange_ts_ns, Instant::now()));
        let ahead_ns = exchange_ts_ns.saturating_sub(ts0).max(0) as f64 / factor;
        Some(t0 + Duration::from_nanos(ahead_ns.min(u64::MAX as f64) as u64))
    }

    /// How long to wait from now before emitting the event (zero if due).
    pub fn delay(&mut self, exchange_ts_ns: i64) -> Duration {
        self.deadline(exchange_ts_ns)
            .map_or(Duration::ZERO, |d| d.saturating_duration_since(Instant::now()))
    }

    /// Sleeps until the event is due.
    pub async fn wait(&mut self, exchange_ts_ns: i64) {
        if let Some(deadline) = self.deadline(exchange_ts_ns) {
            tokio::time::sleep_until(deadline).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_speeds() {
        assert_eq!("max".parse(), Ok(Speed::Max));
        assert_eq!("Realtime".parse(), Ok(Speed::Realtime));
        assert_eq!("10x".parse(), Ok(Speed::Multiple(10.0)));
        assert_eq!("0.5x".parse(), Ok(Speed::Multiple(0.5)));
        for bad in ["0x", "-2x", "fast", "x", "10"] {
            assert!(bad.parse::<Speed>().is_err(), "{bad}");
        }
    }
}
