//! Prometheus metrics for Mycelium: a `/metrics` endpoint whose figures are collected
//! at scrape time, at no cost to the hot path.
//!
//! Actors keep recording into their own HDR histograms and plain counters, as they do
//! for the reports. When Prometheus scrapes, the [`Registry`] asks each of its
//! [`Collector`]s for a [`Batch`] of samples (a collector asks its actors for a
//! snapshot), folds label values beyond their caps into `other`, and writes the text
//! exposition format 0.0.4. Nothing here adds a shared atomic or a lock to a
//! per-message path.
//!
//! ```no_run
//! use std::sync::Arc;
//! use mycelium_metrics::{build_info, catalogue, collector, MetricsServer, ProcessCollector, Registry, ServerConfig};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let registry = Arc::new(Registry::new());
//! registry.register(ProcessCollector);
//! registry.register(build_info());
//! registry.register(collector::from_fn("feed", |batch| {
//!     batch.counter(&catalogue::FEED_TICKS, ["BTCUSDT"], 1234u64);
//! }));
//! let server = MetricsServer::start(registry, ServerConfig::default()).await?;
//! println!("scrape http://{}/metrics", server.local_addr());
//! server.stop().await;
//! # Ok(()) }
//! ```
//!
//! # Histograms that aggregate
//! Every latency histogram uses one bucket layout ([`latency_bounds`]), so histograms
//! from several actors or nodes add up with `sum by (le)`, and `histogram_quantile`
//! over them stays within 4.5% of the HDR figures of the same samples, whatever their
//! distribution. [`latency_bounds`] says how the boundaries were chosen.
//! Classic buckets, not native histograms: the Prometheus this project tests against
//! (2.42, Debian's) reads native histograms only in the protobuf format.
//!
//! # Bounded labels
//! Families and their labels are constants of the [`catalogue`]; each label has a
//! cap on its distinct values, and values beyond it become [`OVERFLOW_VALUE`] and
//! are counted in `mycelium_metrics_label_overflows_total`. An order id in a label
//! costs a bounded number of series and is visible, not a memory leak in Prometheus.
//!
//! # The text format
//! Written here (`encode`), and checked byte for byte against `prometheus-client`'s
//! encoder of the same format. That encoder would accept this crate's pre-aggregated
//! buckets, but it formats every bucket's `le` anew on every line, and bucket lines
//! are nine in ten of an exposition: through it a desk-sized scrape took about 26 ms,
//! against 4.6 ms with the 450 `le` strings formatted once (`cargo bench -p
//! mycelium-metrics --bench scrape`, same machine, shared). The family model is this
//! crate's own because its figures are produced at scrape time by collectors, not
//! held in long-lived metric objects, and because the label caps must see every
//! sample.
//!
//! # Layout
//! - `spec`: [`Counter`], [`Gauge`], [`LatencyHistogram`], [`Label`], [`Descriptor`];
//!   names and labels checked at compile time.
//! - [`catalogue`]: every family exposed; the reference page and the dashboard
//!   are checked against it.
//! - `buckets`: the shared latency layout and [`Buckets`] (from HDR histograms).
//! - `batch`: [`Batch`], one collector's samples of one scrape.
//! - `figures`: [`ActorFigures`], [`LinkFigures`], [`TradingFigures`],
//!   [`FeedFigures`]: what an exporter hands over, and the families each field feeds.
//! - `collector`: the [`Collector`] trait and [`collector::from_fn`].
//! - `fold`: the label guard: caps, `other`, merging of equal series.
//! - `encode`: the text format 0.0.4.
//! - `registry`: [`Registry`], collectors and the scrape.
//! - `server`: [`MetricsServer`], the HTTP endpoint.
//! - `process`: [`ProcessCollector`], `process_*` from `/proc`.
//! - `build_info`: [`build_info()`], `mycelium_build_info`.
#![warn(clippy::unwrap_used)]

mod batch;
mod buckets;
mod build_info;
pub mod catalogue;
pub mod collector;
mod encode;
mod figures;
mod fold;
mod process;
mod registry;
mod server;
mod spec;

pub use batch::{Batch, Number};
pub use buckets::{latency_bounds, Buckets};
pub use build_info::{build_info, BUILD_COMMIT, BUILD_VERSION};
pub use collector::{CollectError, Collector};
pub use encode::CONTENT_TYPE;
pub use figures::{ActorFigures, FeedFigures, LinkFigures, TradingFigures};
pub use fold::{MAX_LABEL_VALUE_BYTES, OVERFLOW_VALUE};
pub use process::ProcessCollector;
pub use registry::{Registry, DEFAULT_COLLECT_TIMEOUT};
pub use server::{MetricsServer, ServeError, ServerConfig, DEFAULT_ADDR};
pub use spec::{Counter, Descriptor, Gauge, Kind, Label, LatencyHistogram};
