//! The library behind the `mycelium` command line: the pipeline's configuration, its
//! assembly under a supervisor, and its reports. The binary is a thin layer over it,
//! and so is `examples/custom_strategy.rs`.
//!
//! # Layout
//! - [`config`]: [`PipelineConfig`], from TOML or the embedded default.
//! - [`pipeline`]: [`Pipeline`]: start, run to the end, collect the figures.
//! - [`summary`]: the console summary.
//! - [`sources`]: the synthetic feed of `run`, built from the config.
//! - [`report`]: latency reports: histogram files, `.hgrm`, `summary.json`, chart.
//! - [`cluster`]: the pipeline split across nodes by a cluster file.
#![warn(clippy::unwrap_used)]

pub mod cluster;
pub mod config;
pub mod pipeline;
pub mod report;
pub mod sources;
pub mod summary;

pub use config::{ConfigError, PipelineConfig, DEFAULT_CONFIG};
pub use pipeline::{pin_runtime_thread, trading_fingerprint, Pipeline, RunOutcome};
