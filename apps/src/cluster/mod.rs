//! The pipeline split across nodes (processes on one host, or hosts), by a cluster
//! file alone: the same feed, strategy hosts and execution actor as in one process,
//! joined over links.
//!
//! # Layout
//! - [`config`]: [`ClusterConfig`], the cluster file.
//! - [`wire`]: the messages between nodes, and the clock anchor for timestamps.
//! - [`ticks`]: the feed's ticks to a strategy node, and its ingress there.
//! - [`bridge`]: registrations and steps to the execution node, and looking up peers.
//! - [`resume`]: a restarted strategy node resumes the feed where it left off.
//! - [`node`]: [`run_node`], one node's whole run.

pub mod bridge;
pub mod config;
pub mod node;
pub mod resume;
pub mod ticks;
pub mod wire;

pub use crate::pipeline::{NodeOutcome, Roles};
pub use config::{ClusterConfig, NodeSpec};
pub use node::{run_node, run_node_with};
