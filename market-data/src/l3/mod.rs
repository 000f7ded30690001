//! Market-by-order (L3) data: a seeded synthetic generator, the book it implies, and
//! the L2 stream a venue would publish from it.
//!
//! An L3 stream names every order: adds, cancels, and executions of resting (maker)
//! orders by incoming (taker) orders, each by order id. It is the ground truth against
//! which fills simulated from L2 data are measured: on L3 data a simulated order's place
//! in its price level's FIFO queue is exact.
//!
//! Prices are integer ticks ([`Ticks`]) and quantities integer lots ([`Lots`]); they
//! become venue prices and sizes only in [`Grid::level`], where the L2 stream is built.
//!
//! # Layout
//!
//! - [`book`]: [`L3Book`], the orders resting per price level in FIFO (price-time)
//!   priority, and the [`L3Change`] each event makes.
//! - [`generator`]: [`L3Generator`] and its [`L3Config`]: seeded adds, cancels and
//!   executions at realistic rates around a moving mid.
//! - [`derive`](mod@derive): [`L2Deriver`], the venue's L2 stream (depth diffs with absolute level
//!   sizes, and trades) as [`MarketTick`](crate::MarketTick)s.

pub mod book;
pub mod derive;
pub mod generator;

pub use book::{L3Book, L3Change, L3Error};
pub use derive::{Grid, L2Deriver};
pub use generator::{L3Config, L3Generator};

use crate::tick::Side;

/// A price in ticks of the instrument's price grid.
pub type Ticks = i64;

/// A quantity in the instrument's lots.
pub type Lots = i64;

/// A venue order id.
pub type OrderId = u64;

/// What happened to one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum L3Kind {
    /// A limit order rests at `px` (it never crosses: marketable flow is a taker).
    Add {
        /// The new order's id.
        id: OrderId,
        /// Its side.
        side: Side,
        /// Its price.
        px: Ticks,
        /// Its size.
        qty: Lots,
    },
    /// A resting order is cancelled (its whole remaining size).
    Cancel {
        /// The order.
        id: OrderId,
    },
    /// A taker order executes `qty` of the resting order `maker`. A taker's executions
    /// are consecutive events with one timestamp, in the FIFO order of the makers.
    Execute {
        /// The resting order.
        maker: OrderId,
        /// The incoming order (it never rests).
        taker: OrderId,
        /// Executed size.
        qty: Lots,
    },
}

/// One L3 event, in exchange time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L3Event {
    /// Exchange time, ns since the Unix epoch.
    pub ts_ns: i64,
    /// What happened.
    pub kind: L3Kind,
}
