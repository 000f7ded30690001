//! [`L3Generator`]: a seeded synthetic market-by-order stream.
//!
//! Three independent flows, in exchange time:
//!
//! - **Limit orders** arrive as a Poisson process (`add_rate` per second), each side
//!   alike. A bid is placed `k` ticks below the best ask minus one (an ask mirrors it),
//!   `k` geometric with mean `offset_mean_ticks`: most orders join the touch or the
//!   levels just behind it, and `k = 0` with a spread wider than a tick opens a new best
//!   level. Sizes are log-normal in lots. Each order draws a lifetime at birth, after
//!   which it is cancelled if still resting: with probability `fleeting_share` a short
//!   one (exponential, mean `fleeting_life_ms`), else a long one (mean `resting_life_s`).
//!   That mixture is what makes cancels come mostly from the back of a queue, as on real
//!   venues: the orders that have waited longest are the ones least likely to leave.
//! - **Taker orders** arrive as a Poisson process (`taker_rate` per second) with
//!   log-normal sizes and execute against the opposite side's best levels in FIFO order,
//!   one [`Execute`](super::L3Kind::Execute) per maker order, walking levels if they are
//!   larger than the best.
//! - **The mid moves**: a latent fair price follows a random walk
//!   (`fair_vol_ticks` per √s), and a taker buys with probability
//!   `1 / (1 + exp(-(fair - mid)))`, so trading pulls the mid after it.
//!
//! The same config and seed give the same stream.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{L3Book, L3Event, L3Kind, Lots, OrderId, Ticks};
use crate::tick::Side;

/// Parameters of the [`L3Generator`]. The defaults are a liquid, large-tick instrument
/// (one-tick spread most of the time, deep queues at the touch), where queue position is
/// what decides a passive fill.
#[derive(Debug, Clone, PartialEq)]
pub struct L3Config {
    /// RNG seed.
    pub seed: u64,
    /// Exchange time of the first event, ns since the epoch.
    pub start_ts_ns: i64,
    /// Number of events to generate.
    pub events: u64,
    /// Initial mid, in ticks.
    pub start_px: Ticks,
    /// Limit order arrivals per second (both sides together).
    pub add_rate: f64,
    /// Taker order arrivals per second (both sides together).
    pub taker_rate: f64,
    /// Mean distance of a new limit order behind the opposite best minus one, in ticks.
    pub offset_mean_ticks: f64,
    /// Median limit order size, in lots.
    pub add_size_median: f64,
    /// Log-normal sigma of limit order sizes.
    pub add_size_sigma: f64,
    /// Median taker order size, in lots.
    pub taker_size_median: f64,
    /// Log-normal sigma of taker order sizes.
    pub taker_size_sigma: f64,
    /// Share of limit orders that are short-lived.
    pub fleeting_share: f64,
    /// Mean lifetime of a short-lived order, ms.
    pub fleeting_life_ms: f64,
    /// Mean lifetime of a long-lived order, s.
    pub resting_life_s: f64,
    /// Volatility of the latent fair price, ticks per √s.
    pub fair_vol_ticks: f64,
}

impl Default for L3Config {
    fn default() -> Self {
        Self {
            seed: 1,
            start_ts_ns: 1_723_075_200_000_000_000,
            events: 200_000,
            start_px: 600_000,
            add_rate: 400.0,
            taker_rate: 12.0,
            offset_mean_ticks: 3.0,
            add_size_median: 8.0,
            add_size_sigma: 1.0,
            taker_size_median: 10.0,
            taker_size_sigma: 1.4,
            fleeting_share: 0.7,
            fleeting_life_ms: 400.0,
            resting_life_s: 40.0,
            fair_vol_ticks: 2.0,
        }
    }
}

/// The largest order or taker size drawn, in lots (bounds the tail).
const MAX_SIZE: f64 = 100_000.0;

/// A seeded L3 stream (see the [module docs](self)); an iterator of [`L3Event`]s.
#[derive(Debug)]
pub struct L3Generator {
    cfg: L3Config,
    rng: ChaCha8Rng,
    book: L3Book,
    now_ns: i64,
    fair: f64,
    next_id: OrderId,
    next_add_ns: i64,
    next_taker_ns: i64,
    /// Scheduled cancels: (due time, order).
    expiries: BinaryHeap<Reverse<(i64, OrderId)>>,
    /// Executions of the current taker not yet handed out.
    pending: VecDeque<L3Event>,
    emitted: u64,
}

impl L3Generator {
    /// A generator; nothing is drawn until the first event is asked for.
    pub fn new(cfg: L3Config) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let now_ns = cfg.start_ts_ns;
        let next_add_ns = now_ns + exp_ns(&mut rng, cfg.add_rate);
        let next_taker_ns = now_ns + exp_ns(&mut rng, cfg.taker_rate);
        Self {
            fair: cfg.start_px as f64,
            cfg,
            rng,
            book: L3Book::new(),
            now_ns,
            next_id: 1,
            next_add_ns,
            next_taker_ns,
            expiries: BinaryHeap::new(),
            pending: VecDeque::new(),
            emitted: 0,
        }
    }

    /// The book after the events handed out so far.
    pub fn book(&self) -> &L3Book {
        &self.book
    }

    /// Moves the clock (and the fair price with it) to `ts`.
    fn advance(&mut self, ts: i64) {
        let ts = ts.max(self.now_ns + 1);
        let dt_s = (ts - self.now_ns) as f64 * 1e-9;
        self.fair += self.cfg.fair_vol_ticks * dt_s.sqrt() * normal(&mut self.rng);
        self.now_ns = ts;
    }

    fn id(&mut self) -> OrderId {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn size(&mut self, median: f64, sigma: f64) -> Lots {
        let x = median * (sigma * normal(&mut self.rng)).exp();
        x.round().clamp(1.0, MAX_SIZE) as Lots
    }

    /// A new limit order (see the module docs for the placement).
    fn add(&mut self) -> L3Event {
        let side = if self.rng.random_bool(0.5) { Side::Buy } else { Side::Sell };
        let p = 1.0 / (self.cfg.offset_mean_ticks + 1.0);
        let k = geometric(&mut self.rng, p);
        // Behind the fair price, and never crossing the book (marketable flow is takers).
        let px = match side {
            Side::Buy => {
                let px = self.fair.floor() as Ticks - k;
                self.book.best_ask().map_or(px, |a| px.min(a - 1))
            }
            Side::Sell => {
                let px = self.fair.ceil() as Ticks + k;
                self.book.best_bid().map_or(px, |b| px.max(b + 1))
            }
        };
        let qty = self.size(self.cfg.add_size_median, self.cfg.add_size_sigma);
        let id = self.id();
        let life_ns = if self.rng.random_bool(self.cfg.fleeting_share.clamp(0.0, 1.0)) {
            exp_ns(&mut self.rng, 1e3 / self.cfg.fleeting_life_ms)
        } else {
            exp_ns(&mut self.rng, 1.0 / self.cfg.resting_life_s)
        };
        self.expiries.push(Reverse((self.now_ns + life_ns, id)));
        L3Event { ts_ns: self.now_ns, kind: L3Kind::Add { id, side, px, qty } }
    }

    /// A taker order: its executions, FIFO from the front of the opposite best.
    fn taker(&mut self) {
        let mid = match (self.book.best_bid(), self.book.best_ask()) {
            (Some(b), Some(a)) => (b + a) as f64 / 2.0,
            _ => return,
        };
        let p_buy = 1.0 / (1.0 + (-(self.fair - mid)).exp());
        let maker_side =
            if self.rng.random_bool(p_buy.clamp(0.0, 1.0)) { Side::Sell } else { Side::Buy };
        let mut left = self.size(self.cfg.taker_size_median, self.cfg.taker_size_sigma);
        let taker = self.id();
        while left > 0 {
            let Some(maker) = self.book.front(maker_side) else {
                break; // the side is empty: the rest of the taker finds nothing
            };
            let qty = left.min(self.book.remaining(maker).unwrap_or(0));
            left -= qty;
            let ev = L3Event { ts_ns: self.now_ns, kind: L3Kind::Execute { maker, taker, qty } };
            // Applied here so the walk sees the book as the taker leaves it.
            if self.book.apply(&ev).is_err() {
                break;
            }
            self.pending.push_back(ev);
        }
    }
}

impl Iterator for L3Generator {
    type Item = L3Event;

    fn next(&mut self) -> Option<L3Event> {
        loop {
            if self.emitted >= self.cfg.events {
                return None;
            }
            if let Some(ev) = self.pending.pop_front() {
                self.emitted += 1;
                return Some(ev);
            }
            let expiry = self.expiries.peek().map_or(i64::MAX, |Reverse((t, _))| *t);
            let next = expiry.min(self.next_add_ns).min(self.next_taker_ns);
            self.advance(next);
            if next == expiry {
                let Some(Reverse((_, id))) = self.expiries.pop() else {
                    continue;
                };
                if !self.book.contains(id) {
                    continue; // executed in full before its time
                }
                let ev = L3Event { ts_ns: self.now_ns, kind: L3Kind::Cancel { id } };
                if self.book.apply(&ev).is_ok() {
                    self.emitted += 1;
                    return Some(ev);
                }
            } else if next == self.next_add_ns {
                self.next_add_ns = self.now_ns + exp_ns(&mut self.rng, self.cfg.add_rate);
                let ev = self.add();
                if self.book.apply(&ev).is_ok() {
                    self.emitted += 1;
                    return Some(ev);
                }
            } else {
                self.next_taker_ns = self.now_ns + exp_ns(&mut self.rng, self.cfg.taker_rate);
                self.taker();
            }
        }
    }
}

/// An exponential waiting time for a Poisson process of `rate` per second, in ns (>= 1).
fn exp_ns(rng: &mut ChaCha8Rng, rate: f64) -> i64 {
    let u: f64 = rng.random();
    ((-(1.0 - u).ln() / rate.max(1e-9)) * 1e9).clamp(1.0, 1e15) as i64
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A geometric draw on `0, 1, 2, ...` with success probability `p`.
fn geometric(rng: &mut ChaCha8Rng, p: f64) -> Ticks {
    let u: f64 = 1.0 - rng.random::<f64>();
    let p = p.clamp(1e-6, 1.0 - 1e-9);
    (u.ln() / (1.0 - p).ln()).floor().min(1e6) as Ticks
}
