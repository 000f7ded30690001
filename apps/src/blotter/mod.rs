//! A trade blotter from execution's journal: every order with its final status and
//! every fill, found by replaying the log's inputs (under the config it journaled)
//! through the same [`Books`] execution ran. For `mycelium journal export`, and for
//! pandas or polars after it.
//!
//! # Layout
//! - here: [`Blotter`], its rows, and CSV;
//! - `parquet` (feature `parquet`, on by default): the same rows as Parquet.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use mycelium_execution::{Books, Input, Order, OrderStatus, OrderType, RejectReason};
use mycelium_journal::{Codec, Reader, Rkyv};
use mycelium_market_data::Money;
use serde::Serialize;

#[cfg(feature = "parquet")]
pub mod parquet;

/// One order: as submitted (quantity and price as last amended), and how it ended (or
/// stands, if still open).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderRow {
    /// The journal record that submitted it.
    pub journal_seq: u64,
    /// The exchange time of the tick it reacted to, ns since the epoch.
    pub ts_ns: i64,
    /// Its strategy.
    pub strategy: u32,
    /// Its client order id.
    pub client_order_id: u64,
    /// Its instrument.
    pub symbol: String,
    /// `Buy` or `Sell`.
    pub side: String,
    /// `Limit`, `Ioc`, `Fok` or `Market`.
    pub kind: String,
    /// Quantity ordered (as last amended).
    pub qty: f64,
    /// Limit price (as last amended or repriced; none for a market order).
    pub limit_px: Option<f64>,
    /// Last status (e.g. `Filled`, `Cancelled`, `Rejected(MaxOrderQty)`).
    pub status: String,
    /// Quantity filled.
    pub filled_qty: f64,
    /// Average fill price (none without a fill).
    pub avg_px: Option<f64>,
}

/// One fill.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct FillRow {
    /// The journal record whose input caused it (a tick, or the order itself).
    pub journal_seq: u64,
    /// Exchange time, ns since the epoch.
    pub ts_ns: i64,
    /// The strategy.
    pub strategy: u32,
    /// The order's client order id.
    pub client_order_id: u64,
    /// The instrument.
    pub symbol: String,
    /// `Buy` or `Sell`.
    pub side: String,
    /// Price.
    pub px: f64,
    /// Quantity.
    pub qty: f64,
    /// `Maker` or `Taker`.
    pub liquidity: String,
    /// The fee charged (negative: a rebate), per the config in force.
    pub fee: Money,
}

/// Every order and fill of a journal, and the books the replay ended with.
pub struct Blotter {
    /// Orders, in submission order.
    pub orders: Vec<OrderRow>,
    /// Fills, in execution order.
    pub fills: Vec<FillRow>,
    /// The books after the last record.
    pub books: Books,
}

impl Blotter {
    /// Replays the journal in `dir` from its first record (it must start at sequence
    /// 1: a blotter needs every order). Reads only; safe beside a running execution.
    pub fn read(dir: &Path) -> anyhow::Result<Self> {
        let mut books = Books::before_journal();
        books.observe();
        let mut orders = Vec::new();
        let mut fills = Vec::new();
        // (strategy, client order id) -> row of its order.
        let mut index = BTreeMap::new();
        let mut fill_value: BTreeMap<usize, f64> = BTreeMap::new();
        let mut first = None;
        let summary = Reader::open(dir)?.visit(|r| -> anyhow::Result<()> {
            if first.replace(r.seq).is_none() && r.seq != 1 {
                anyhow::bail!(
                    "{}: the log starts at sequence {}: its older segments were removed after \
                     snapshots, and a blotter needs every order",
                    dir.display(),
                    r.seq
                );
            }
            let input = Rkyv::<Input>::decode(r.payload)
                .map_err(|e| anyhow::anyhow!("record {} does not decode: {e}", r.seq))?;
            // A new order's first update comes before any other of the same step:
            // rows for the step's new orders are made first.
            let submitted = match &input {
                Input::Step { orders, .. } => orders.as_slice(),
                _ => &[],
            };
            let mut duplicates = Vec::new();
            for order in submitted {
                let key = (order.strategy, order.client_order_id);
                if index.contains_key(&key) {
                    duplicates.push(order);
                    continue;
                }
                index.insert(key, orders.len());
                orders.push(order_row(r.seq, order));
            }
            books.apply(&input);
            let updates = books.take_observed();
            let positions = books.engine().books();
            for u in &updates {
                let key = (u.strategy, u.client_order_id);
                // A second order under a known id is refused without touching the
                // first: its reject is a row of its own.
                let refused = (u.status
                    == OrderStatus::Rejected(RejectReason::DuplicateClientOrderId))
                .then(|| duplicates.iter().find(|o| (o.strategy, o.client_order_id) == key))
                .flatten();
                if let Some(order) = refused {
                    orders.push(OrderRow {
                        status: format!("{:?}", u.status),
                        ..order_row(r.seq, order)
                    });
                    continue;
                }
                let Some(&row) = index.get(&key) else { continue };
                let o = &mut orders[row];
                o.status = format!("{:?}", u.status);
                o.filled_qty = u.filled_qty;
                if let Some(state) = books.engine().order(u.strategy, u.client_order_id) {
                    (o.qty, o.limit_px) = (state.order.qty, state.order.limit_px);
                }
                if let Some(f) = &u.last_fill {
                    let value = fill_value.entry(row).or_default();
                    *value += f.px * f.qty;
                    o.avg_px = Some(*value / u.filled_qty);
                    fills.push(FillRow {
                        journal_seq: r.seq,
                        ts_ns: u.ts_ns,
                        strategy: u.strategy.0,
                        client_order_id: u.client_order_id.0,
                        symbol: u.symbol.to_string(),
                        side: format!("{:?}", f.side),
                        px: f.px,
                        qty: f.qty,
                        liquidity: format!("{:?}", f.liquidity),
                        fee: positions.fee(u.symbol, f),
                    });
                }
            }
            Ok(())
        })?;
        if let Some(t) = summary.torn_tail {
            tracing::warn!(
                "{} at byte {}: {} bytes of torn tail not read ({})",
                t.path.display(),
                t.offset,
                t.dropped_bytes,
                t.reason
            );
        }
        Ok(Blotter { orders, fills, books })
    }
}

/// The row of `order`, submitted by record `seq`, before any update.
fn order_row(seq: u64, order: &Order) -> OrderRow {
    OrderRow {
        journal_seq: seq,
        ts_ns: order.reacted_to.exchange_ts_ns,
        strategy: order.strategy.0,
        client_order_id: order.client_order_id.0,
        symbol: order.symbol.to_string(),
        side: format!("{:?}", order.side),
        kind: kind_name(order.kind).to_owned(),
        qty: order.qty,
        limit_px: order.limit_px,
        status: format!("{:?}", OrderStatus::New),
        filled_qty: 0.0,
        avg_px: None,
    }
}

fn kind_name(kind: OrderType) -> &'static str {
    match kind {
        OrderType::Limit => "Limit",
        OrderType::Ioc => "Ioc",
        OrderType::Market => "Market",
        OrderType::Fok => "Fok",
    }
}

/// Writes `rows` as CSV with a header line.
pub fn write_csv<T: Serialize>(rows: &[T], out: impl std::io::Write) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    for row in rows {
        w.serialize(row).context("writing the CSV")?;
    }
    w.flush().context("writing the CSV")?;
    Ok(())
}
