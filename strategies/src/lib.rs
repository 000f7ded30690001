//! Strategies for Mycelium: the [`Strategy`] trait a user implements in their own
//! crate, sample strategies, a registry that builds them by name from config, and the
//! actor that hosts one strategy in the pipeline.
//!
//! # Layout
//! - `strategy`: [`Strategy`] and [`StrategyContext`] (orders, cancels, positions,
//!   open orders, exchange-time timers).
//! - `samples`: [`MovingAverageCross`] and [`MarketMaker`], each with parameters.
//! - `registry`: [`StrategyRegistry`], strategies by name.
//! - `host`: [`StrategyHost`], the actor running one strategy.
#![warn(clippy::unwrap_used)]

mod host;
mod registry;
pub mod samples;
mod strategy;

pub use host::{HostReport, StrategyHost, StrategyMsg};
pub use mycelium_execution::Holding;
pub use registry::{Factory, Maker, StrategyError, StrategyRegistry};
pub use samples::{MarketMaker, MarketMakerParams, MovingAverageCross, MovingAverageParams};
pub use strategy::{OpenOrder, Strategy, StrategyContext, TimerId};
