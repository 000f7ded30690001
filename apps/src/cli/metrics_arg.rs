//! `--metrics [ADDR]` of run, replay and node: a Prometheus endpoint while running.

use std::net::SocketAddr;
use std::sync::Arc;

use mycelium_metrics::{MetricsServer, Registry};

/// The `--metrics` option.
#[derive(clap::Args)]
pub(crate) struct MetricsArgs {
    /// Serve Prometheus metrics at http://ADDR/metrics while running (ADDR defaults
    /// to 127.0.0.1:9464, loopback only; write `--metrics=ADDR` before file
    /// arguments).
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:9464")]
    metrics: Option<SocketAddr>,
}

impl MetricsArgs {
    /// The registry and its endpoint, when `--metrics` was given; the pipeline
    /// registers its collectors in the registry once it is up.
    pub(crate) async fn start(&self) -> anyhow::Result<Option<(Arc<Registry>, MetricsServer)>> {
        let Some(addr) = self.metrics else {
            return Ok(None);
        };
        let registry = mycelium_apps::metrics::registry();
        let server = mycelium_apps::metrics::serve(registry.clone(), addr).await?;
        Ok(Some((registry, server)))
    }
}
