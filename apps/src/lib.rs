//! The library behind the `mycelium` command line: the pipeline's configuration, its
//! assembly under a supervisor on one node or split across several, and its reports.
//! The binary is a thin layer over it, and so is `examples/custom_strategy.rs`.
//!
//! # Layout
//! - [`config`]: [`PipelineConfig`], from TOML or the embedded default.
//! - [`pipeline`]: [`Pipeline`]: assembled once for every placement, run to the end,
//!   its figures collected; [`FeedSource`], the feed's input.
//! - [`summary`]: the console summary.
//! - [`report`]: latency reports: histogram files, `.hgrm`, `summary.json`, chart.
//! - [`blotter`]: orders and fills replayed from execution's journal
//!   (`mycelium journal export`).
//! - [`metrics`]: the node's and the pipeline's live figures for `--metrics`.
//! - [`cluster`]: the cluster file, the bridges between nodes, and [`cluster::run_node`].
#![warn(clippy::unwrap_used)]

pub mod blotter;
pub mod cluster;
pub mod config;
pub mod metrics;
pub mod pipeline;
pub mod report;
pub mod summary;

pub use config::{ConfigError, PipelineConfig, DEFAULT_CONFIG};
pub use pipeline::{
    pin_runtime_thread, trading_fingerprint, FeedSource, NodeOutcome, Pipeline, RunOutcome,
};
