//! [`Registry`]: the collectors of one endpoint, and a scrape: collect from all of
//! them at once, fold label values, write the text.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures_util::FutureExt as _;

use crate::batch::Batch;
use crate::catalogue::{SCRAPE_COLLECTOR_DURATION, SCRAPE_COLLECTOR_SUCCESS};
use crate::collector::Collector;
use crate::encode::encode;
use crate::fold::LabelGuard;

/// How long a collector may take by default before its families are left out of a
/// scrape. Below the one-second scrape interval a trading desk would use.
pub const DEFAULT_COLLECT_TIMEOUT: Duration = Duration::from_millis(500);

/// The collectors behind one endpoint, and the label values they have been admitted.
///
/// Registering is cheap and may happen while the endpoint serves; a scrape uses the
/// collectors registered when it starts.
pub struct Registry {
    collectors: Mutex<Vec<Arc<dyn Collector>>>,
    guard: Mutex<LabelGuard>,
    collect_timeout: Duration,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> =
            lock(&self.collectors).iter().map(|c| c.name().to_owned()).collect();
        f.debug_struct("Registry")
            .field("collectors", &names)
            .field("collect_timeout", &self.collect_timeout)
            .finish()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// An empty registry with the default collection timeout.
    pub fn new() -> Self {
        Self::with_collect_timeout(DEFAULT_COLLECT_TIMEOUT)
    }

    /// An empty registry whose collectors each get `timeout` per scrape.
    pub fn with_collect_timeout(timeout: Duration) -> Self {
        Registry {
            collectors: Mutex::new(Vec::new()),
            guard: Mutex::default(),
            collect_timeout: timeout,
        }
    }

    /// Adds a collector.
    pub fn register(&self, collector: impl Collector) {
        self.register_arc(Arc::new(collector));
    }

    /// Adds a collector that is shared with its owner.
    pub fn register_arc(&self, collector: Arc<dyn Collector>) {
        lock(&self.collectors).push(collector);
    }

    /// Collects from every collector at once and writes the exposition.
    ///
    /// A collector that fails, panics or outlasts the timeout contributes nothing
    /// this time; `mycelium_scrape_collector_success` says which. Each collector's
    /// time is in `mycelium_scrape_collector_duration_seconds`.
    pub async fn scrape(&self) -> String {
        let collectors = lock(&self.collectors).clone();
        let runs = collectors.iter().map(|c| self.collect_one(c.as_ref()));
        let results = futures_util::future::join_all(runs).await;

        let mut own = Batch::new();
        let mut batches = Vec::with_capacity(results.len() + 1);
        for (collector, (elapsed, batch)) in collectors.iter().zip(results) {
            own.gauge(&SCRAPE_COLLECTOR_DURATION, [collector.name()], elapsed.as_secs_f64());
            own.gauge(&SCRAPE_COLLECTOR_SUCCESS, [collector.name()], u32::from(batch.is_some()));
            batches.extend(batch);
        }
        batches.push(own);
        let families = lock(&self.guard).fold(batches);
        encode(&families)
    }

    async fn collect_one(&self, collector: &dyn Collector) -> (Duration, Option<Batch>) {
        let start = Instant::now();
        // `collect` itself is called inside the guarded future: a collector may do
        // its work (and panic) before returning one.
        let run = AssertUnwindSafe(async { collector.collect().await }).catch_unwind();
        let outcome = tokio::time::timeout(self.collect_timeout, run).await;
        let batch = match outcome {
            Ok(Ok(Ok(batch))) => Some(batch),
            Ok(Ok(Err(e))) => {
                tracing::debug!(collector = collector.name(), error = %e, "collector failed");
                None
            }
            Ok(Err(_)) => {
                tracing::warn!(collector = collector.name(), "collector panicked");
                None
            }
            Err(_) => {
                tracing::warn!(collector = collector.name(), timeout = ?self.collect_timeout, "collector timed out");
                None
            }
        };
        (start.elapsed(), batch)
    }
}

/// Locks `m`, taking the data of a poisoned lock (a panic elsewhere leaves the
/// collector list and the admitted labels consistent: each update is one push or
/// insert).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
