//! Every family Mycelium exposes: the one table the exporters write from, the
//! reference page `docs/METRICS.md` is checked against, and the Grafana dashboard's
//! queries are checked against. A name exists here or nowhere.
//!
//! Names follow Prometheus's conventions: a `mycelium_` prefix (the process collector
//! keeps the standard `process_` names), base units named in the name (`_seconds`,
//! `_bytes`), `_total` on counters and only on counters, and labels whose values come
//! from a bounded set (actors, peers, strategies, instruments, symbols, reasons; never
//! an order id). Each label's cap is in its constant below.

use crate::spec::{Counter, Descriptor, Gauge, Label, LatencyHistogram};

/// An actor's registered name (or its id where it has none).
pub const ACTOR: Label = Label::new("actor", 256);
/// Why something was refused or dropped: one word from a fixed list of the reporting code.
pub const REASON: Label = Label::new("reason", 32);
/// A peer node's name.
pub const PEER: Label = Label::new("peer", 64);
/// A pipeline hop, one of [`HOPS`].
pub const HOP: Label = Label::new("hop", 16);
/// How a hop's message travelled, one of [`TRANSPORTS`].
pub const TRANSPORT: Label = Label::new("transport", 4);
/// A strategy's configured name.
pub const STRATEGY: Label = Label::new("strategy", 64);
/// An instrument traded.
pub const INSTRUMENT: Label = Label::new("instrument", 256);
/// A symbol of the feed.
pub const SYMBOL: Label = Label::new("symbol", 256);
/// The currency an amount is in (an instrument's quote or settlement currency).
pub const CURRENCY: Label = Label::new("currency", 16);
/// A collector of this endpoint.
pub const COLLECTOR: Label = Label::new("collector", 32);
/// A family of this endpoint.
pub const FAMILY: Label = Label::new("family", 512);
/// The crate version of this build.
pub const VERSION: Label = Label::new("version", 4);
/// The git commit of this build.
pub const COMMIT: Label = Label::new("commit", 4);

/// The values of [`HOP`], in pipeline order.
pub const HOPS: [&str; 6] = [
    "tick_to_strategy",
    "strategy_handler",
    "strategy_to_execution",
    "execution_handler",
    "tick_to_order",
    "order_to_fill",
];

/// The values of [`TRANSPORT`].
pub const TRANSPORTS: [&str; 3] = ["local", "unix", "tcp"];

// Process, as the standard Go and Python process collectors name them.

/// CPU time, user and system.
pub const PROCESS_CPU_SECONDS: Counter<0> = Counter::new(
    "process_cpu_seconds_total",
    "Total user and system CPU time spent in seconds.",
    "seconds",
    &[],
);
/// Resident set size.
pub const PROCESS_RESIDENT_MEMORY: Gauge<0> =
    Gauge::new("process_resident_memory_bytes", "Resident memory size in bytes.", "bytes", &[]);
/// Virtual memory size.
pub const PROCESS_VIRTUAL_MEMORY: Gauge<0> =
    Gauge::new("process_virtual_memory_bytes", "Virtual memory size in bytes.", "bytes", &[]);
/// Open file descriptors.
pub const PROCESS_OPEN_FDS: Gauge<0> =
    Gauge::new("process_open_fds", "Number of open file descriptors.", "file descriptors", &[]);
/// The soft limit on open file descriptors.
pub const PROCESS_MAX_FDS: Gauge<0> = Gauge::new(
    "process_max_fds",
    "Maximum number of open file descriptors.",
    "file descriptors",
    &[],
);
/// When the process started.
pub const PROCESS_START_TIME: Gauge<0> = Gauge::new(
    "process_start_time_seconds",
    "Start time of the process since unix epoch in seconds.",
    "seconds",
    &[],
);

// The build and the endpoint itself.

/// A constant 1 naming the build.
pub const BUILD_INFO: Gauge<2> = Gauge::new(
    "mycelium_build_info",
    "A constant 1, labelled with the version and git commit of this build.",
    "",
    &[VERSION, COMMIT],
);
/// How long each collector took in the last scrape.
pub const SCRAPE_COLLECTOR_DURATION: Gauge<1> = Gauge::new(
    "mycelium_scrape_collector_duration_seconds",
    "Time the collector took in the last scrape.",
    "seconds",
    &[COLLECTOR],
);
/// Whether each collector answered in the last scrape.
pub const SCRAPE_COLLECTOR_SUCCESS: Gauge<1> = Gauge::new(
    "mycelium_scrape_collector_success",
    "1 if the collector answered in the last scrape, 0 if it failed, panicked or timed out.",
    "",
    &[COLLECTOR],
);
/// Samples whose label values were beyond a label's cap.
pub const LABEL_OVERFLOWS: Counter<1> = Counter::new(
    "mycelium_metrics_label_overflows_total",
    "Samples whose label value was beyond its label's cap and was exposed as \"other\", added up over scrapes.",
    "samples",
    &[FAMILY],
);

// Actors.

/// Messages an actor handled.
pub const ACTOR_MESSAGES_HANDLED: Counter<1> = Counter::new(
    "mycelium_actor_messages_handled_total",
    "Messages the actor handled, over all its instances.",
    "messages",
    &[ACTOR],
);
/// Messages waiting in an actor's mailbox.
pub const ACTOR_MAILBOX_DEPTH: Gauge<1> = Gauge::new(
    "mycelium_actor_mailbox_depth",
    "Messages waiting in the actor's mailbox.",
    "messages",
    &[ACTOR],
);
/// The most messages an actor's mailbox has held.
pub const ACTOR_MAILBOX_HIGH_WATER: Gauge<1> = Gauge::new(
    "mycelium_actor_mailbox_high_water",
    "Most messages seen waiting in the actor's mailbox at once (actors with timing on).",
    "messages",
    &[ACTOR],
);
/// Restarts of an actor by its supervisor.
pub const ACTOR_RESTARTS: Counter<1> = Counter::new(
    "mycelium_actor_restarts_total",
    "Instances of the actor started after the first, by its supervisor.",
    "restarts",
    &[ACTOR],
);
/// Messages that could not be handled.
pub const DEAD_LETTERS: Counter<1> = Counter::new(
    "mycelium_dead_letters_total",
    "Messages that could not be handled, by why.",
    "messages",
    &[REASON],
);
/// Time in an actor's handler.
pub const ACTOR_HANDLER_SECONDS: LatencyHistogram<1> = LatencyHistogram::new(
    "mycelium_actor_handler_seconds",
    "Time spent handling one message (actors with timing on).",
    &[ACTOR],
);
/// Time a message waited in an actor's mailbox.
pub const ACTOR_MAILBOX_WAIT_SECONDS: LatencyHistogram<1> = LatencyHistogram::new(
    "mycelium_actor_mailbox_wait_seconds",
    "Time from a message's enqueue to its dequeue (actors with timing on).",
    &[ACTOR],
);

// Links to peer nodes.

/// Whether a link has a connection.
pub const LINK_UP: Gauge<1> = Gauge::new(
    "mycelium_link_up",
    "1 if the link to the peer has a connection, 0 if it is down.",
    "",
    &[PEER],
);
/// Frames written on a link.
pub const LINK_SENT_FRAMES: Counter<1> = Counter::new(
    "mycelium_link_sent_frames_total",
    "Frames written to the peer, resent ones included.",
    "frames",
    &[PEER],
);
/// Frames read on a link.
pub const LINK_RECEIVED_FRAMES: Counter<1> = Counter::new(
    "mycelium_link_received_frames_total",
    "Frames read from the peer.",
    "frames",
    &[PEER],
);
/// Bytes written on a link.
pub const LINK_SENT_BYTES: Counter<1> = Counter::new(
    "mycelium_link_sent_bytes_total",
    "Bytes written to the peer, headers and padding included.",
    "bytes",
    &[PEER],
);
/// Bytes read on a link.
pub const LINK_RECEIVED_BYTES: Counter<1> = Counter::new(
    "mycelium_link_received_bytes_total",
    "Bytes read from the peer.",
    "bytes",
    &[PEER],
);
/// Connections installed on a link after its first.
pub const LINK_RECONNECTS: Counter<1> = Counter::new(
    "mycelium_link_reconnects_total",
    "Connections to the peer installed after the first.",
    "connections",
    &[PEER],
);
/// Times a link was declared lost.
pub const LINK_LOSSES: Counter<1> = Counter::new(
    "mycelium_link_losses_total",
    "Times the link to the peer was declared lost.",
    "losses",
    &[PEER],
);
/// Frames written again after a reconnect.
pub const LINK_RESENT_FRAMES: Counter<1> = Counter::new(
    "mycelium_link_resent_frames_total",
    "Data frames written again on a new connection because the peer had not acknowledged them.",
    "frames",
    &[PEER],
);
/// Frames received twice and dropped.
pub const LINK_DUPLICATE_FRAMES: Counter<1> = Counter::new(
    "mycelium_link_duplicate_frames_total",
    "Data frames received a second time (resent after a reconnect) and dropped.",
    "frames",
    &[PEER],
);
/// Gaps in a peer's sequence numbers.
pub const LINK_SEQUENCE_GAPS: Counter<1> = Counter::new(
    "mycelium_link_sequence_gaps_total",
    "Gaps in the peer's frame sequence numbers (each resets the link; should stay 0).",
    "gaps",
    &[PEER],
);
/// Frames waiting to go out on a link.
pub const LINK_OUTBOUND_QUEUE_DEPTH: Gauge<1> = Gauge::new(
    "mycelium_link_outbound_queue_depth",
    "Frames waiting in the link's outbound queue.",
    "frames",
    &[PEER],
);
/// Heartbeat round trips on a link.
pub const LINK_HEARTBEAT_RTT: LatencyHistogram<1> = LatencyHistogram::new(
    "mycelium_link_heartbeat_rtt_seconds",
    "Round-trip time of the link's heartbeats.",
    &[PEER],
);
/// Handshakes this node refused.
pub const HANDSHAKE_REFUSALS: Counter<1> = Counter::new(
    "mycelium_handshake_refusals_total",
    "Incoming handshakes refused, by why (bad version, bad proof, unknown peer, too many pending).",
    "handshakes",
    &[REASON],
);

// The pipeline.

/// Latency of each pipeline hop.
pub const HOP_LATENCY: LatencyHistogram<2> = LatencyHistogram::new(
    "mycelium_hop_latency_seconds",
    "Latency of one pipeline hop, by hop and by how its message travelled.",
    &[HOP, TRANSPORT],
);

// Trading.

/// Orders submitted.
pub const ORDERS: Counter<2> = Counter::new(
    "mycelium_orders_total",
    "Orders submitted by the strategy.",
    "orders",
    &[STRATEGY, INSTRUMENT],
);
/// Fills received.
pub const FILLS: Counter<2> = Counter::new(
    "mycelium_fills_total",
    "Fills of the strategy's orders.",
    "fills",
    &[STRATEGY, INSTRUMENT],
);
/// Orders rejected.
pub const ORDER_REJECTS: Counter<3> = Counter::new(
    "mycelium_order_rejects_total",
    "Orders rejected, by the risk check or venue reason that refused them.",
    "orders",
    &[STRATEGY, INSTRUMENT, REASON],
);
/// Net position.
pub const POSITION: Gauge<2> = Gauge::new(
    "mycelium_position",
    "Net position of the strategy in the instrument, signed, in the instrument's quantity units.",
    "instrument quantity",
    &[STRATEGY, INSTRUMENT],
);
/// Realized profit and loss.
pub const REALIZED_PNL: Gauge<3> = Gauge::new(
    "mycelium_realized_pnl",
    "Realized profit and loss of the strategy in the instrument, before fees.",
    "currency",
    &[STRATEGY, INSTRUMENT, CURRENCY],
);
/// Unrealized profit and loss.
pub const UNREALIZED_PNL: Gauge<3> = Gauge::new(
    "mycelium_unrealized_pnl",
    "Unrealized profit and loss of the strategy's open position, marked to the last price.",
    "currency",
    &[STRATEGY, INSTRUMENT, CURRENCY],
);
/// Fees paid.
pub const FEES: Gauge<3> = Gauge::new(
    "mycelium_fees",
    "Fees paid by the strategy in the instrument, net of rebates (negative when rebates exceed fees).",
    "currency",
    &[STRATEGY, INSTRUMENT, CURRENCY],
);

// The feed.

/// Ticks published by the feed.
pub const FEED_TICKS: Counter<1> =
    Counter::new("mycelium_feed_ticks_total", "Ticks the feed published.", "ticks", &[SYMBOL]);
/// Ticks replaced by a newer one before a slow reader took them.
pub const FEED_CONFLATED_TICKS: Counter<1> = Counter::new(
    "mycelium_feed_conflated_ticks_total",
    "Ticks replaced by a newer tick of the same symbol before a slow reader took them.",
    "ticks",
    &[SYMBOL],
);
/// Gaps in the source's sequence numbers.
pub const FEED_SEQUENCE_GAPS: Counter<1> = Counter::new(
    "mycelium_feed_sequence_gaps_total",
    "Gaps in the market data source's sequence numbers.",
    "gaps",
    &[SYMBOL],
);

/// The catalogue, by section, in the order of the reference page.
pub const SECTIONS: &[(&str, &[Descriptor])] = &[
    (
        "Actors",
        &[
            ACTOR_MESSAGES_HANDLED.descriptor(),
            ACTOR_MAILBOX_DEPTH.descriptor(),
            ACTOR_MAILBOX_HIGH_WATER.descriptor(),
            ACTOR_RESTARTS.descriptor(),
            DEAD_LETTERS.descriptor(),
            ACTOR_HANDLER_SECONDS.descriptor(),
            ACTOR_MAILBOX_WAIT_SECONDS.descriptor(),
        ],
    ),
    (
        "Links",
        &[
            LINK_UP.descriptor(),
            LINK_SENT_FRAMES.descriptor(),
            LINK_RECEIVED_FRAMES.descriptor(),
            LINK_SENT_BYTES.descriptor(),
            LINK_RECEIVED_BYTES.descriptor(),
            LINK_RECONNECTS.descriptor(),
            LINK_LOSSES.descriptor(),
            LINK_RESENT_FRAMES.descriptor(),
            LINK_DUPLICATE_FRAMES.descriptor(),
            LINK_SEQUENCE_GAPS.descriptor(),
            LINK_OUTBOUND_QUEUE_DEPTH.descriptor(),
            LINK_HEARTBEAT_RTT.descriptor(),
            HANDSHAKE_REFUSALS.descriptor(),
        ],
    ),
    ("Pipeline", &[HOP_LATENCY.descriptor()]),
    (
        "Trading",
        &[
            ORDERS.descriptor(),
            FILLS.descriptor(),
            ORDER_REJECTS.descriptor(),
            POSITION.descriptor(),
            REALIZED_PNL.descriptor(),
            UNREALIZED_PNL.descriptor(),
            FEES.descriptor(),
            FEED_TICKS.descriptor(),
            FEED_CONFLATED_TICKS.descriptor(),
            FEED_SEQUENCE_GAPS.descriptor(),
        ],
    ),
    (
        "Process",
        &[
            PROCESS_CPU_SECONDS.descriptor(),
            PROCESS_RESIDENT_MEMORY.descriptor(),
            PROCESS_VIRTUAL_MEMORY.descriptor(),
            PROCESS_OPEN_FDS.descriptor(),
            PROCESS_MAX_FDS.descriptor(),
            PROCESS_START_TIME.descriptor(),
        ],
    ),
    (
        "Build and endpoint",
        &[
            BUILD_INFO.descriptor(),
            SCRAPE_COLLECTOR_DURATION.descriptor(),
            SCRAPE_COLLECTOR_SUCCESS.descriptor(),
            LABEL_OVERFLOWS.descriptor(),
        ],
    ),
];

/// Every family of the catalogue.
pub fn all() -> impl Iterator<Item = &'static Descriptor> {
    SECTIONS.iter().flat_map(|(_, families)| families.iter())
}

/// The family named `name`, which may also be one of a histogram's series
/// (`..._bucket`, `..._sum`, `..._count`).
pub fn find(name: &str) -> Option<&'static Descriptor> {
    all().find(|d| d.name() == name).or_else(|| {
        let base = ["_bucket", "_sum", "_count"].iter().find_map(|s| name.strip_suffix(s))?;
        all().find(|d| d.name() == base && d.kind() == crate::spec::Kind::Histogram)
    })
}

/// The reference tables of `docs/METRICS.md`: one per section, a row per family.
pub fn markdown() -> String {
    let mut out = String::new();
    for (section, families) in SECTIONS {
        out.push_str(&format!(
            "### {section}\n\n| Name | Type | Labels | Unit | Meaning |\n|---|---|---|---|---|\n"
        ));
        for d in families.iter() {
            let labels: Vec<String> = d
                .labels()
                .iter()
                .map(|l| format!("`{}` (≤{})", l.name(), l.max_values()))
                .collect();
            let labels = if labels.is_empty() { "none".to_owned() } else { labels.join(", ") };
            let unit = if d.unit().is_empty() { "1" } else { d.unit() };
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                d.name(),
                d.kind().as_str(),
                labels,
                unit,
                d.help().replace('|', "\\|")
            ));
        }
        out.push('\n');
    }
    out
}
