//! Queue position of a resting order in an L2 book: how much displayed quantity is ahead
//! of it, and when trades at its price reach it.
//!
//! An L2 feed shows each price level's total size, not the orders in it, so a simulated
//! order's place in the level's FIFO queue is an estimate. A [`QueueModel`] keeps that
//! estimate in a [`QueuePos`] per order, from three inputs at the order's price: the size
//! displayed when the order joins, trades, and changes of the displayed size. The models
//! are hftbacktest's (`RiskAdverseQueueModel`, `ProbQueueModel` with its probability
//! functions), on integer quantities.
//!
//! # Rules
//!
//! 1. **Joining**: an order that rests at a price with displayed size `D` queues behind
//!    all of it (`ahead = D`); at a price with no displayed size (a new level) it is first
//!    in its queue (`ahead = 0`). See [`QueuePos::join`].
//! 2. **Trades** at the order's price consume the queue ahead first (every model):
//!    `ahead -= trade`.
//! 3. **A fill** happens only once the queue ahead is used up, for the quantity beyond it:
//!    a trade of `t` with `a` ahead makes `t - a` fillable when `t > a` (in whole lots,
//!    rounded down), after which the order is at the front
//!    (`ahead = 0`). See [`QueueModel::on_trade`]; the caller caps the fill at the
//!    order's leaves.
//! 4. **Size decreases** not explained by trades (cancels) move the order up by model:
//!    - [`QueueModel::RiskAverse`]: never; only trades advance the order. The queue ahead
//!      is only cut to the displayed size when the level shrinks below it.
//!    - the probabilistic models: a decrease of `chg` (after subtracting the quantity
//!      traded at the level since the last size change, which that change already
//!      contains) happened behind the order with probability
//!      `p = prob(front, back)` (`front = ahead`, `back = prev - ahead`), so the expected
//!      queue ahead becomes `front - (1 - p) * chg + min(back - p * chg, 0)`, cut to the
//!      new size. That is hftbacktest's `ProbQueueModel::depth`, evaluated as the
//!      expected value (no random draw), rounded to the nearest whole unit.
//! 5. **Size increases** never move the order back (new orders queue behind it).
//!
//! The probability functions ([`QueueModel`] variants) are hftbacktest's, with
//! `f(x) = x^n` (power) or `f(x) = ln(1 + x)` (log):
//! `Power`/`Log`: `f(back) / (f(back) + f(front))`; `Power2`/`Log2`:
//! `f(back) / f(back + front)`; `Power3`: `1 - f(front / (front + back))`.
//!
//! Quantities are integers in one unit chosen by the caller (lots, or raw fixed-point
//! quantity units); `lot` in [`QueueModel::on_trade`] is the venue's lot in that unit.
//! The model is pure and deterministic: the same inputs give the same positions.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A quantity in the caller's integer unit (lots, or raw fixed-point units).
pub type Qty = i64;

/// A resting order's queue state at its price level.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize,
)]
pub struct QueuePos {
    /// Displayed quantity estimated ahead of the order; `<= 0` once the order is at the
    /// front (negative between a trade and the fill check: the quantity beyond the queue).
    pub ahead: Qty,
    /// Quantity traded at the level since the level's displayed size last changed: the
    /// next size change already contains it, so the probabilistic models subtract it.
    pub traded: Qty,
}

impl QueuePos {
    /// The position of an order joining a level that displays `displayed`: behind all of
    /// it, or first in the queue at a level with nothing displayed (a new level).
    pub fn join(displayed: Qty) -> Self {
        Self { ahead: displayed.max(0), traded: 0 }
    }
}

/// The queue-position model: set in config (`model = "risk_averse"`, or
/// `model = "power", n = 2.0`, ...), named in summaries by its [`Display`](fmt::Display).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum QueueModel {
    /// Only trades advance the order (hftbacktest's `RiskAdverseQueueModel`). The default:
    /// it never fills an order before a FIFO queue could have.
    #[default]
    RiskAverse,
    /// Probabilistic, `f(x) = x^n`, `p = f(back) / (f(back) + f(front))`
    /// (`PowerProbQueueFunc`).
    Power {
        /// The exponent `n`.
        n: f64,
    },
    /// Probabilistic, `f(x) = ln(1 + x)`, `p = f(back) / (f(back) + f(front))`
    /// (`LogProbQueueFunc`).
    Log,
    /// Probabilistic, `f(x) = x^n`, `p = f(back) / f(back + front)` (`PowerProbQueueFunc2`).
    Power2 {
        /// The exponent `n`.
        n: f64,
    },
    /// Probabilistic, `f(x) = ln(1 + x)`, `p = f(back) / f(back + front)`
    /// (`LogProbQueueFunc2`).
    Log2,
    /// Probabilistic, `p = 1 - (front / (front + back))^n` (`PowerProbQueueFunc3`).
    Power3 {
        /// The exponent `n`.
        n: f64,
    },
}

impl QueueModel {
    /// A trade of `qty` printed at the order's price: it consumes the queue ahead first.
    /// Returns the fillable quantity (0 while the queue ahead is not used up): the part of
    /// the trade beyond the queue ahead, in whole `lot`s. (hftbacktest rounds to the
    /// nearest lot, to absorb float error; on integers the floor is exact and never
    /// fills more than the quantity beyond.) The caller fills `min(fillable, leaves)`.
    pub fn on_trade(&self, pos: &mut QueuePos, qty: Qty, lot: Qty) -> Qty {
        pos.ahead -= qty;
        pos.traded += qty;
        let beyond = -pos.ahead;
        let fillable = if beyond > 0 { beyond - beyond % lot.max(1) } else { 0 };
        if fillable > 0 {
            pos.ahead = 0;
        }
        fillable
    }

    /// The displayed size at the order's price changed from `prev` to `new`.
    pub fn on_depth(&self, pos: &mut QueuePos, prev: Qty, new: Qty) {
        // The part of the decrease that is not the trades already taken from the queue.
        let chg = prev - new - pos.traded;
        pos.traded = 0;
        if *self == QueueModel::RiskAverse || chg < 0 {
            pos.ahead = pos.ahead.min(new);
            return;
        }
        // An order already at the front (ahead <= 0) counts as `front = 0`.
        let front = pos.ahead.max(0);
        let back = prev - front;
        let prob = self.prob_behind(front, back);
        let (front, back, chg) = (front as f64, back as f64, chg as f64);
        let est = front - (1.0 - prob) * chg + (back - prob * chg).min(0.0);
        pos.ahead = (est.round() as Qty).min(new);
    }

    /// The probability that a decrease happened behind the order (hftbacktest's
    /// `Probability::prob`): 1 where the function is infinite (as hftbacktest takes it) or
    /// undefined (`0 / 0`: nothing on either side); 0 for the risk-averse model.
    pub fn prob_behind(&self, front: Qty, back: Qty) -> f64 {
        let (front, back) = (front as f64, back as f64);
        let ln1p = |x: f64| (1.0 + x).ln();
        let p = match *self {
            QueueModel::RiskAverse => 0.0,
            QueueModel::Power { n } => back.powf(n) / (back.powf(n) + front.powf(n)),
            QueueModel::Log => ln1p(back) / (ln1p(back) + ln1p(front)),
            QueueModel::Power2 { n } => back.powf(n) / (back + front).powf(n),
            QueueModel::Log2 => ln1p(back) / ln1p(back + front),
            QueueModel::Power3 { n } => 1.0 - (front / (front + back)).powf(n),
        };
        if p.is_infinite() || p.is_nan() {
            1.0
        } else {
            p
        }
    }
}

impl fmt::Display for QueueModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueModel::RiskAverse => f.write_str("risk-averse"),
            QueueModel::Power { n } => write!(f, "prob power n={n}"),
            QueueModel::Log => f.write_str("prob log"),
            QueueModel::Power2 { n } => write!(f, "prob power2 n={n}"),
            QueueModel::Log2 => f.write_str("prob log2"),
            QueueModel::Power3 { n } => write!(f, "prob power3 n={n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_names_the_model() {
        let m: QueueModel = toml::from_str("model = \"power\"\nn = 2.0").expect("power");
        assert_eq!(m, QueueModel::Power { n: 2.0 });
        assert_eq!(m.to_string(), "prob power n=2");
        let m: QueueModel = toml::from_str("model = \"risk_averse\"").expect("risk averse");
        assert_eq!(m, QueueModel::default());
        assert!(toml::from_str::<QueueModel>("model = \"coin_flip\"").is_err());
    }
}
