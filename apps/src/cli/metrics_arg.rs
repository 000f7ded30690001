//! `--metrics [ADDR]` of run, replay and node: a Prometheus endpoint while running,
//! and `--metrics-linger D`: the final figures served a while after the end.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use mycelium_metrics::{MetricsServer, Registry};

/// The `--metrics` options.
#[derive(clap::Args)]
pub(crate) struct MetricsArgs {
    /// Serve Prometheus metrics at http://ADDR/metrics while running (ADDR defaults
    /// to 127.0.0.1:9464, loopback only; before file arguments write `--metrics=ADDR`).
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:9464")]
    metrics: Option<SocketAddr>,
    /// After the run, keep serving its final figures (those of its summary) this long,
    /// so a scraper reads them, or until SIGINT or SIGTERM (e.g. 30s).
    #[arg(long, value_name = "D", value_parser = super::run::parse_duration, requires = "metrics")]
    metrics_linger: Option<Duration>,
}

/// A running endpoint and the registry the pipeline registers its collectors in.
pub(crate) struct Endpoint {
    pub(crate) registry: Arc<Registry>,
    server: MetricsServer,
    linger: Option<Duration>,
}

impl MetricsArgs {
    /// Whether `--metrics` was given.
    pub(crate) fn is_set(&self) -> bool {
        self.metrics.is_some()
    }

    /// The endpoint, when `--metrics` was given. Says on stderr where it listens.
    pub(crate) async fn start(&self) -> anyhow::Result<Option<Endpoint>> {
        let Some(addr) = self.metrics else {
            return Ok(None);
        };
        let registry = mycelium_apps::metrics::registry();
        let server = mycelium_apps::metrics::serve(registry.clone(), addr).await?;
        eprintln!("metrics: http://{}/metrics", server.local_addr());
        Ok(Some(Endpoint { registry, server, linger: self.metrics_linger }))
    }
}

impl Endpoint {
    /// Serves the final figures for the linger, if any (a signal cuts it short), then
    /// closes the endpoint.
    pub(crate) async fn finish(self) {
        if let Some(linger) = self.linger {
            let stop = super::signals::stop_signal();
            tokio::select! {
                _ = tokio::time::sleep(linger) => {}
                _ = stop => {}
            }
        }
        self.server.stop().await;
    }
}
