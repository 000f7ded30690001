//! What crosses between the nodes of a split pipeline: ticks from the feed node to
//! a strategy node (and a restarted strategy node's request for them again), and
//! registrations and steps from a strategy node to the execution node. Instants become nanoseconds since the Unix epoch on the way out
//! and local instants again on the way in ([`Clock`]): exact between processes on
//! one host, off by the clock skew between hosts.

use std::time::{Duration, Instant};

pub use messages::{ExecWire, FeedWire, TickWire};

// rkyv derives resolver types beside these, whose fields carry no docs.
#[allow(missing_docs)]
mod messages {
    use mycelium::ReplyTo;
    use mycelium_execution::{Cancel, HistoryStep, Order, OrderUpdate, Recovery, StrategyId};
    use mycelium_market_data::MarketTick;

    /// To a strategy node's tick ingress.
    #[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
    pub enum TickWire {
        /// One tick, as the feed published it.
        Tick {
            /// Its feed sequence number.
            seq: u64,
            /// The tick.
            tick: MarketTick,
            /// When the pacer scheduled it (ns since the Unix epoch).
            scheduled_ns: u64,
        },
        /// Answered once every strategy host of the node is up, so the feed starts
        /// only when each of them will see the first tick.
        Ready(ReplyTo<()>),
        /// The feed has ended: every tick through `through` was sent before this.
        /// Answered once the hosts have handled those ticks, so the feed node knows
        /// it may exit (no restart of the strategy node will ask for them again).
        End {
            /// The last tick sent (0: none).
            through: u64,
            /// Answered once the hosts have handled the ticks.
            reply: ReplyTo<()>,
        },
    }

    /// To the feed node's `feed`.
    #[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
    pub enum FeedWire {
        /// A restarted strategy node asks for the ticks after `after` again.
        Resume {
            /// The strategy node.
            node: String,
            /// The last tick its strategies have handled.
            after: u64,
            /// The first tick that will be sent again, if any (a later one than
            /// `after + 1` means those between are no longer held).
            reply: ReplyTo<Option<u64>>,
        },
    }

    /// To the execution node's gateway.
    #[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
    pub enum ExecWire {
        /// A strategy on `node` (re)starts.
        Register {
            /// The strategy.
            strategy: StrategyId,
            /// Its node, watched: when the link to it is lost, execution stops waiting
            /// for the strategy's steps.
            node: String,
            /// Trades live, outside the barrier.
            live: bool,
            /// The recovery reply.
            reply: ReplyTo<Recovery>,
        },
        /// A strategy's answer to a tick (see `mycelium_execution::Step`).
        Step {
            /// The strategy.
            strategy: StrategyId,
            /// The tick's feed sequence number; 0 for orders placed at start.
            seq: u64,
            /// The tick, for the execution node's barrier.
            tick: Option<MarketTick>,
            /// New orders.
            orders: Vec<Order>,
            /// Cancels.
            cancels: Vec<Cancel>,
            /// When the tick was published (ns since the Unix epoch).
            published_ns: u64,
            /// When the strategy decided.
            decided_ns: u64,
            /// The order updates.
            reply: ReplyTo<Vec<OrderUpdate>>,
        },
        /// Page `page` (from 0) of the history a strategy's registration returned
        /// (its replies over the link carry none: a history can be larger than a
        /// frame). An empty page: no more.
        History {
            /// The strategy.
            strategy: StrategyId,
            /// The page.
            page: u32,
            /// Its steps.
            reply: ReplyTo<Vec<HistoryStep>>,
        },
        /// The strategy has stepped through the last tick (answered when noted).
        Done {
            /// The strategy.
            strategy: StrategyId,
            /// Noted.
            reply: ReplyTo<()>,
        },
    }
}

/// This process's anchor between `Instant` and the Unix clock.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    instant: Instant,
    unix_ns: u64,
}

impl Clock {
    /// Anchors now.
    pub fn now() -> Self {
        Self { instant: Instant::now(), unix_ns: mycelium::remote::unix_nanos_now() }
    }

    /// `at` in ns since the Unix epoch.
    pub fn to_unix(&self, at: Instant) -> u64 {
        match at.checked_duration_since(self.instant) {
            Some(after) => self.unix_ns.saturating_add(nanos(after)),
            None => self.unix_ns.saturating_sub(nanos(self.instant - at)),
        }
    }

    /// The local instant of `unix_ns` (clamped to this process's anchor).
    pub fn to_instant(&self, unix_ns: u64) -> Instant {
        if unix_ns >= self.unix_ns {
            self.instant + Duration::from_nanos(unix_ns - self.unix_ns)
        } else {
            self.instant
                .checked_sub(Duration::from_nanos(self.unix_ns - unix_ns))
                .unwrap_or(self.instant)
        }
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}
