//! A cluster file: the nodes (names, Unix socket paths, TCP addresses), the shared
//! secret, which node runs which role, and the pipeline itself. The same kind of file
//! describes a one-process run, processes on one host (Unix sockets, chosen by the
//! runtime because the paths exist) and hosts apart (TCP).
//!
//! ```toml
//! secret_file = "cookie"          # or: secret = "..."
//! [roles]
//! feed = "md"
//! execution = "exec"
//! strategies = { mm = "alpha", trend = "alpha" }
//! live = []                       # strategy nodes fed conflated, outside the barrier
//! [[node]]
//! name = "md"
//! unix = "run/md.sock"             # relative: beside this file
//! tcp = "127.0.0.1:7101"
//! core = 0                         # pin its runtime thread (optional)
//! [pipeline]                       # what `mycelium config` prints
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::{ConfigError, PipelineConfig};
use crate::pipeline::Roles;

/// A whole cluster.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// The shared secret, inline.
    #[serde(default)]
    pub secret: Option<String>,
    /// Or the file holding it (relative to the cluster file).
    #[serde(default)]
    pub secret_file: Option<PathBuf>,
    /// Which node runs what.
    pub roles: Roles,
    /// The nodes.
    #[serde(rename = "node")]
    pub nodes: Vec<NodeSpec>,
    /// The pipeline: feed, execution, strategies.
    pub pipeline: PipelineConfig,
}

/// One node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    /// Its name (unique, the `@node` of its actors).
    pub name: String,
    /// The Unix socket it listens on (used by peers on the same host).
    #[serde(default)]
    pub unix: Option<PathBuf>,
    /// The TCP address it listens on (used by peers elsewhere); loopback unless set
    /// otherwise.
    #[serde(default)]
    pub tcp: Option<SocketAddr>,
    /// Busy-poll its links (spinning readers, inline writes): lower latency for a core.
    #[serde(default)]
    pub busy_poll: bool,
    /// Pin its runtime thread to this core: nodes on one host that spin (a paced feed,
    /// busy-poll links) or must wake at once each get a core of their own instead of
    /// the scheduler moving them onto one another's. Unset: the scheduler places it
    /// (away from its pinned strategies, if any).
    #[serde(default)]
    pub core: Option<usize>,
}

impl ClusterConfig {
    /// Reads and checks a cluster file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Io { path: origin.clone(), source })?;
        let mut cfg = Self::parse(&text, &origin)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        // Relative socket paths are the file's own: a cluster file copied into a
        // private directory for a run keeps its sockets there.
        for node in &mut cfg.nodes {
            if let Some(unix) = node.unix.as_mut().filter(|p| p.is_relative()) {
                *unix = dir.join(&*unix);
            }
        }
        if let (None, Some(file)) = (&cfg.secret, &cfg.secret_file) {
            let file = dir.join(file);
            let secret = std::fs::read_to_string(&file)
                .map_err(|source| ConfigError::Io { path: file.display().to_string(), source })?;
            cfg.secret = Some(secret.trim().to_owned());
        }
        if cfg.secret.as_deref().is_none_or(str::is_empty) {
            return Err(invalid(&origin, "no secret: set `secret` or `secret_file`".into()));
        }
        Ok(cfg)
    }

    /// Parses `text` (a `secret_file` is not read here); `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let cfg: Self = toml::from_str(text)
            .map_err(|source| ConfigError::Parse { origin: origin.to_owned(), source })?;
        cfg.pipeline.check_values(origin)?;
        cfg.validate(origin)?;
        let roles = &cfg.roles;
        cfg.pipeline
            .check_pinned(origin, |s| roles.strategies.get(s).map_or("", String::as_str))?;
        Ok(cfg)
    }

    fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        let mut names: Vec<&str> = self.nodes.iter().map(|n| n.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(invalid(origin, format!("two nodes are named {:?}", w[0])));
        }
        let known = |node: &str, what: &str| {
            if self.node(node).is_none() {
                return Err(invalid(
                    origin,
                    format!("{what} runs on {node:?}, which is not a [[node]]"),
                ));
            }
            Ok(())
        };
        known(&self.roles.feed, "the feed")?;
        known(&self.roles.execution, "execution")?;
        for spec in &self.pipeline.strategies {
            match self.roles.strategies.get(&spec.name) {
                Some(node) => known(node, &format!("strategy {:?}", spec.name))?,
                None => {
                    return Err(invalid(
                        origin,
                        format!("strategy {:?} has no node in [roles.strategies]", spec.name),
                    ))
                }
            }
        }
        for node in &self.roles.live {
            if !self.roles.strategy_nodes().contains(&node.as_str()) {
                return Err(invalid(
                    origin,
                    format!("[roles] live names {node:?}, which runs no strategy"),
                ));
            }
            if *node == self.roles.execution {
                return Err(invalid(
                    origin,
                    format!("{node:?} runs execution: its strategies cannot trade live"),
                ));
            }
        }
        if let Some(extra) = self
            .roles
            .strategies
            .keys()
            .find(|s| !self.pipeline.strategies.iter().any(|p| &p.name == *s))
        {
            return Err(invalid(
                origin,
                format!("[roles.strategies] names {extra:?}, which is not a strategy"),
            ));
        }
        for node in &self.nodes {
            let Some(core) = node.core else { continue };
            if let Some(spec) = self.pipeline.strategies.iter().find(|s| {
                s.pinned_core == Some(core)
                    && self.roles.strategies.get(&s.name) == Some(&node.name)
            }) {
                return Err(invalid(
                    origin,
                    format!(
                        "node {:?} pins its runtime to core {core}, where strategy {:?} \
                         spins (pinned_core)",
                        node.name, spec.name
                    ),
                ));
            }
        }
        for node in &self.nodes {
            if node.unix.is_none() && node.tcp.is_none() && self.nodes.len() > 1 {
                return Err(invalid(
                    origin,
                    format!("node {:?} has neither `unix` nor `tcp`", node.name),
                ));
            }
        }
        Ok(())
    }

    /// The node named `name`.
    pub fn node(&self, name: &str) -> Option<&NodeSpec> {
        self.nodes.iter().find(|n| n.name == name)
    }
}

fn invalid(origin: &str, reason: String) -> ConfigError {
    ConfigError::Invalid { origin: origin.to_owned(), reason }
}
