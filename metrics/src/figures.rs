//! The figures an exporter hands over, one plain struct per thing observed (an actor,
//! a link, a strategy in an instrument, a feed symbol), and the samples each becomes.
//! An exporter fills these from its own snapshots; which family each field lands in
//! is decided here, once, next to the catalogue.

use hdrhistogram::Histogram;

use crate::batch::Batch;
use crate::catalogue::*;

/// One actor, as a node's snapshot of it gives it.
#[derive(Debug, Clone, Copy)]
pub struct ActorFigures<'a> {
    /// The name it was spawned with (or its message type where it has none).
    pub actor: &'a str,
    /// Messages handled, over all its instances.
    pub handled: u64,
    /// Instances started after the first.
    pub restarts: u64,
    /// Messages waiting in its mailbox now.
    pub mailbox_depth: usize,
    /// The most messages seen waiting at once (actors with timing on).
    pub mailbox_high_water: Option<usize>,
    /// Time in `handle`, in nanoseconds (actors with timing on).
    pub handler_ns: Option<&'a Histogram<u64>>,
    /// Enqueue to dequeue, in nanoseconds (actors with timing on).
    pub mailbox_wait_ns: Option<&'a Histogram<u64>>,
}

/// One link to a peer node.
#[derive(Debug, Clone, Copy)]
pub struct LinkFigures<'a> {
    /// The peer node's name.
    pub peer: &'a str,
    /// Whether a connection is installed.
    pub up: bool,
    /// Frames written, resent ones included.
    pub sent_frames: u64,
    /// Frames read.
    pub received_frames: u64,
    /// Bytes written.
    pub sent_bytes: u64,
    /// Bytes read.
    pub received_bytes: u64,
    /// Connections installed after the first.
    pub reconnects: u64,
    /// Times the link was declared lost.
    pub losses: u64,
    /// Data frames written again after a reconnect.
    pub resent_frames: u64,
    /// Data frames received twice and dropped.
    pub duplicate_frames: u64,
    /// Gaps in the peer's sequence numbers.
    pub sequence_gaps: u64,
    /// Frames waiting in the outbound queue.
    pub outbound_queue_depth: usize,
    /// Heartbeat round trips, in nanoseconds.
    pub heartbeat_rtt_ns: &'a Histogram<u64>,
}

/// One strategy's trading in one instrument.
#[derive(Debug, Clone, Copy)]
pub struct TradingFigures<'a> {
    /// The strategy's configured name.
    pub strategy: &'a str,
    /// The instrument.
    pub instrument: &'a str,
    /// The currency its PnL and fees are in.
    pub currency: &'a str,
    /// Orders submitted.
    pub orders: u64,
    /// Fills received.
    pub fills: u64,
    /// Orders rejected, by reason (one word each, from a fixed list).
    pub rejects: &'a [(&'a str, u64)],
    /// Net position, signed, in the instrument's quantity units.
    pub position: f64,
    /// Realized PnL, before fees.
    pub realized_pnl: f64,
    /// Unrealized PnL of the open position.
    pub unrealized_pnl: f64,
    /// Fees paid, net of rebates.
    pub fees: f64,
}

/// One symbol of the feed.
#[derive(Debug, Clone, Copy)]
pub struct FeedFigures<'a> {
    /// The symbol.
    pub symbol: &'a str,
    /// Ticks published.
    pub ticks: u64,
    /// Ticks replaced by a newer one before a slow reader took them.
    pub conflated_ticks: u64,
    /// Gaps in the source's sequence numbers.
    pub sequence_gaps: u64,
}

impl Batch {
    /// The samples of one actor: `mycelium_actor_*`.
    pub fn actor(&mut self, a: &ActorFigures<'_>) {
        let label = [a.actor];
        self.counter(&ACTOR_MESSAGES_HANDLED, label, a.handled);
        self.counter(&ACTOR_RESTARTS, label, a.restarts);
        self.gauge(&ACTOR_MAILBOX_DEPTH, label, a.mailbox_depth);
        if let Some(high_water) = a.mailbox_high_water {
            self.gauge(&ACTOR_MAILBOX_HIGH_WATER, label, high_water);
        }
        if let Some(h) = a.handler_ns {
            self.histogram_hdr(&ACTOR_HANDLER_SECONDS, label, h);
        }
        if let Some(h) = a.mailbox_wait_ns {
            self.histogram_hdr(&ACTOR_MAILBOX_WAIT_SECONDS, label, h);
        }
    }

    /// The samples of one link: `mycelium_link_*`.
    pub fn link(&mut self, l: &LinkFigures<'_>) {
        let label = [l.peer];
        self.gauge(&LINK_UP, label, u32::from(l.up));
        self.counter(&LINK_SENT_FRAMES, label, l.sent_frames);
        self.counter(&LINK_RECEIVED_FRAMES, label, l.received_frames);
        self.counter(&LINK_SENT_BYTES, label, l.sent_bytes);
        self.counter(&LINK_RECEIVED_BYTES, label, l.received_bytes);
        self.counter(&LINK_RECONNECTS, label, l.reconnects);
        self.counter(&LINK_LOSSES, label, l.losses);
        self.counter(&LINK_RESENT_FRAMES, label, l.resent_frames);
        self.counter(&LINK_DUPLICATE_FRAMES, label, l.duplicate_frames);
        self.counter(&LINK_SEQUENCE_GAPS, label, l.sequence_gaps);
        self.gauge(&LINK_OUTBOUND_QUEUE_DEPTH, label, l.outbound_queue_depth);
        self.histogram_hdr(&LINK_HEARTBEAT_RTT, label, l.heartbeat_rtt_ns);
    }

    /// The samples of one strategy in one instrument: orders, fills, rejects,
    /// position, PnL and fees.
    pub fn trading(&mut self, t: &TradingFigures<'_>) {
        let si = [t.strategy, t.instrument];
        let sic = [t.strategy, t.instrument, t.currency];
        self.counter(&ORDERS, si, t.orders);
        self.counter(&FILLS, si, t.fills);
        for (reason, n) in t.rejects {
            self.counter(&ORDER_REJECTS, [t.strategy, t.instrument, reason], *n);
        }
        self.gauge(&POSITION, si, t.position);
        self.gauge(&REALIZED_PNL, sic, t.realized_pnl);
        self.gauge(&UNREALIZED_PNL, sic, t.unrealized_pnl);
        self.gauge(&FEES, sic, t.fees);
    }

    /// The samples of one feed symbol: `mycelium_feed_*`.
    pub fn feed(&mut self, f: &FeedFigures<'_>) {
        let label = [f.symbol];
        self.counter(&FEED_TICKS, label, f.ticks);
        self.counter(&FEED_CONFLATED_TICKS, label, f.conflated_ticks);
        self.counter(&FEED_SEQUENCE_GAPS, label, f.sequence_gaps);
    }

    /// One pipeline hop's histogram (`hop` one of [`HOPS`], `transport` one of
    /// [`TRANSPORTS`]), from an HDR histogram of nanoseconds.
    pub fn hop(&mut self, hop: &str, transport: &str, latency_ns: &Histogram<u64>) {
        self.histogram_hdr(&HOP_LATENCY, [hop, transport], latency_ns);
    }
}
