//! [`Collector`]: what produces families at scrape time.

use futures_util::future::BoxFuture;
use futures_util::FutureExt as _;

use crate::batch::Batch;

/// Produces samples when Prometheus scrapes, and only then.
///
/// This is how figures reach the endpoint without costing the hot path: an actor
/// keeps recording into its own HDR histograms and plain counters, and a collector
/// asks it for a snapshot (a message or signal the actor answers between two
/// messages) when a scrape comes. Nothing is shared per message.
///
/// A collector runs on the endpoint's own thread, concurrently with the others, under
/// the registry's collection timeout: one that hangs or panics costs only its own
/// families (and shows as `mycelium_scrape_collector_success{collector} 0`).
pub trait Collector: Send + Sync + 'static {
    /// A short name for the scrape's own figures (`collector` label).
    fn name(&self) -> &str;

    /// The samples as of now.
    fn collect(&self) -> BoxFuture<'_, Result<Batch, CollectError>>;
}

/// Why a collector produced nothing.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// Reading what it reports failed.
    #[error("collector I/O: {0}")]
    Io(#[from] std::io::Error),
    /// What it reports is not available here (another OS, a stopped node).
    #[error("unavailable: {0}")]
    Unavailable(String),
}

/// A collector from a synchronous function that fills a batch.
pub fn from_fn<F>(name: impl Into<String>, f: F) -> impl Collector
where
    F: Fn(&mut Batch) + Send + Sync + 'static,
{
    FnCollector { name: name.into(), f }
}

struct FnCollector<F> {
    name: String,
    f: F,
}

impl<F> Collector for FnCollector<F>
where
    F: Fn(&mut Batch) + Send + Sync + 'static,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn collect(&self) -> BoxFuture<'_, Result<Batch, CollectError>> {
        let mut batch = Batch::new();
        (self.f)(&mut batch);
        futures_util::future::ready(Ok(batch)).boxed()
    }
}
