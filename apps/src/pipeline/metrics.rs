//! `PipelineCollector`: the pipeline's figures for the metrics endpoint, asked of
//! its actors at each scrape (the same `Report` requests the end of a run uses), under
//! a timeout: per hop and transport latency histograms, trading per strategy and
//! instrument, and the feed per symbol. The actors keep recording into their own
//! histograms and counters; nothing is shared per tick.
//!
//! Once the run has ended ([`Pipeline::finish`] has its figures), the collector
//! serves those final figures, equal to the run's summary; and the feed's figures
//! come from the last report it left as it ended. So a scrape after the end, or
//! while the node shuts down, still answers every counter, and none goes back.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use futures_util::future::{join3, join_all, BoxFuture};
use futures_util::FutureExt as _;
use mycelium::{ActorRef, Node};
use mycelium_execution::{ExecMsg, ExecReport, HopHistograms, StrategyId, Terms};
use mycelium_market_data::{FeedMsg, FeedReport, Price};
use mycelium_metrics::{Batch, CollectError, Collector, FeedFigures, TradingFigures};
use mycelium_strategies::StrategyMsg;
use tokio::sync::watch;

use super::{LinksUsed, Pipeline, Placement};
use crate::metrics::ANSWER_TIMEOUT;

/// The currency label of PnL and fees of a symbol without an instrument.
const CURRENCY: &str = "quote";

/// A run's final figures, shared by the pipeline (which sets them at its end) and
/// its collector.
#[derive(Clone, Default)]
pub(crate) struct FinalFigures(Arc<Mutex<Option<Final>>>);

#[derive(Clone)]
struct Final {
    hops: HopHistograms,
    execution: Option<ExecReport>,
}

impl FinalFigures {
    /// Sets the run's final figures: every hop recorded on this node, and
    /// execution's report on its node.
    pub(crate) fn set(&self, hops: &HopHistograms, execution: Option<&ExecReport>) {
        let figures = Final { hops: hops.clone(), execution: execution.cloned() };
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(figures);
        }
    }

    fn get(&self) -> Option<Final> {
        self.0.lock().ok()?.clone()
    }
}

/// See the module docs. Made by [`Pipeline::collector`].
pub(crate) struct PipelineCollector {
    node: Node,
    placement: Placement,
    links_used: LinksUsed,
    hosts: Vec<ActorRef<StrategyMsg>>,
    execution: Option<ActorRef<ExecMsg<StrategyMsg>>>,
    feed: Option<ActorRef<FeedMsg<StrategyMsg>>>,
    names: BTreeMap<StrategyId, String>,
    feed_final: watch::Receiver<Option<FeedReport>>,
    final_figures: FinalFigures,
}

impl Pipeline {
    /// The collector of this node's part of the pipeline. From now on the pipeline
    /// keeps its final figures for it (a copy of its histograms at the end, which a
    /// pipeline without a collector does not pay).
    pub(crate) fn collector(&mut self) -> PipelineCollector {
        let final_figures = self.final_figures.get_or_insert_with(FinalFigures::default).clone();
        PipelineCollector {
            node: self.node.clone(),
            placement: self.placement.clone(),
            links_used: self.links_used.clone(),
            hosts: self.hosts.iter().map(|(_, _, h)| h.clone()).collect(),
            execution: self.execution.clone(),
            feed: self.feed.clone(),
            names: self.all_strategies.iter().map(|(n, id)| (*id, n.clone())).collect(),
            feed_final: self.feed_final.clone(),
            final_figures,
        }
    }
}

impl Collector for PipelineCollector {
    fn name(&self) -> &str {
        "pipeline"
    }

    fn collect(&self) -> BoxFuture<'_, Result<Batch, CollectError>> {
        async move {
            let mut batch = Batch::new();
            if let Some(done) = self.final_figures.get() {
                self.hops(&mut batch, &done.hops);
                if let Some(execution) = &done.execution {
                    self.trading(&mut batch, execution);
                }
                if let Some(feed) = self.feed_final.borrow().as_ref() {
                    feed_figures(&mut batch, feed);
                }
                return Ok(batch);
            }
            let hosts =
                join_all(self.hosts.iter().map(|h| h.ask(StrategyMsg::Report, ANSWER_TIMEOUT)));
            let execution = async {
                match &self.execution {
                    Some(e) => e.ask(ExecMsg::Report, ANSWER_TIMEOUT).await.ok(),
                    None => None,
                }
            };
            let feed = async {
                match &self.feed {
                    // Once the feed has ended, its last report stands for it.
                    Some(f) => match f.ask(FeedMsg::Report, ANSWER_TIMEOUT).await {
                        Ok(report) => Some(report),
                        Err(_) => self.feed_final.borrow().clone(),
                    },
                    None => None,
                }
            };
            let (hosts, execution, feed) = join3(hosts, execution, feed).await;
            for host in hosts.iter().flatten() {
                self.hops(&mut batch, &host.hops);
            }
            if let Some(execution) = &execution {
                self.hops(&mut batch, &execution.hops);
                self.trading(&mut batch, execution);
            }
            if let Some(feed) = &feed {
                feed_figures(&mut batch, feed);
            }
            Ok(batch)
        }
        .boxed()
    }
}

impl PipelineCollector {
    /// Each hop's histogram, labelled with how its message travelled.
    fn hops(&self, batch: &mut Batch, hops: &HopHistograms) {
        for (hop, h) in hops.iter() {
            let transport =
                super::hop_transport(&self.placement, &self.node, &self.links_used, hop)
                    .to_string();
            batch.hop(hop.name(), &transport, h);
        }
    }

    /// Orders, fills and rejects per strategy and instrument, and positions, PnL and
    /// fees (execution's node only: it holds every strategy's trading).
    fn trading(&self, batch: &mut Batch, report: &ExecReport) {
        let mut books: BTreeMap<(StrategyId, String), Book> = BTreeMap::new();
        for ((strategy, symbol), counts) in &report.stats.by_book {
            let book = books.entry((*strategy, symbol.to_string())).or_default();
            book.orders = counts.orders;
            book.fills = counts.fills;
            book.rejects = counts.rejected.iter().map(|(r, n)| (reason_name(r), *n)).collect();
        }
        for (p, mark) in &report.positions {
            let book = books.entry((p.strategy, p.symbol.to_string())).or_default();
            let instrument = report.instruments.get(p.symbol).ok();
            let terms = instrument.map(Terms::of).unwrap_or_default();
            // Amounts are exact until here, where they become gauge values.
            book.position = p.qty.to_f64();
            // Execution's realized PnL is net of fees; the family's is before them.
            book.realized = (p.realized_pnl + p.fees).to_f64();
            book.unrealized =
                mark.and_then(Price::from_f64).map_or(0.0, |m| p.unrealized_pnl(m, terms).to_f64());
            book.fees = p.fees.to_f64();
            book.currency = instrument.map(|i| i.settle.clone());
        }
        for ((strategy, instrument), book) in &books {
            let name = self.names.get(strategy).cloned().unwrap_or_else(|| strategy.0.to_string());
            let rejects: Vec<(&str, u64)> =
                book.rejects.iter().map(|(r, n)| (r.as_str(), *n)).collect();
            batch.trading(&TradingFigures {
                strategy: &name,
                instrument,
                currency: book.currency.as_deref().unwrap_or(CURRENCY),
                orders: book.orders,
                fills: book.fills,
                rejects: &rejects,
                position: book.position,
                realized_pnl: book.realized,
                unrealized_pnl: book.unrealized,
                fees: book.fees,
            });
        }
    }
}

/// One strategy's figures in one instrument, gathered from execution's report.
#[derive(Default)]
struct Book {
    orders: u64,
    fills: u64,
    rejects: Vec<(String, u64)>,
    position: f64,
    realized: f64,
    unrealized: f64,
    fees: f64,
    /// The instrument's settlement currency.
    currency: Option<String>,
}

/// A reject reason as a label value: its variant name in snake case
/// (`MaxOrderQty` is `max_order_qty`), from a fixed list.
fn reason_name(reason: &impl std::fmt::Debug) -> String {
    let mut out = String::new();
    for (i, c) in format!("{reason:?}").chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The feed's counts per symbol.
fn feed_figures(batch: &mut Batch, report: &FeedReport) {
    for (symbol, counts) in &report.per_symbol {
        batch.feed(&FeedFigures {
            symbol: symbol.as_str(),
            ticks: counts.ticks,
            conflated_ticks: counts.conflated,
            sequence_gaps: counts.gaps,
        });
    }
}
