//! A collector that hangs, fails or panics costs only its own families: the scrape
//! comes back within the collection timeout with every other collector's samples, and
//! `mycelium_scrape_collector_success` tells which collector answered.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::FutureExt as _;
use mycelium_metrics::{catalogue, collector, Batch, CollectError, Collector, Registry};

enum Misbehaviour {
    Hang,
    Fail,
    Panic,
}

struct Bad(Misbehaviour);

impl Collector for Bad {
    fn name(&self) -> &str {
        match self.0 {
            Misbehaviour::Hang => "hangs",
            Misbehaviour::Fail => "fails",
            Misbehaviour::Panic => "panics",
        }
    }

    fn collect(&self) -> BoxFuture<'_, Result<Batch, CollectError>> {
        match self.0 {
            Misbehaviour::Hang => futures_util::future::pending().boxed(),
            Misbehaviour::Fail => {
                futures_util::future::ready(Err(CollectError::Unavailable("stopped".into())))
                    .boxed()
            }
            Misbehaviour::Panic => async { panic!("a collector bug") }.boxed(),
        }
    }
}

#[tokio::test]
async fn the_scrape_carries_on_without_the_misbehaving_collectors() {
    let registry = Arc::new(Registry::with_collect_timeout(Duration::from_millis(200)));
    registry.register(Bad(Misbehaviour::Hang));
    registry.register(collector::from_fn("good", |b| {
        b.counter(&catalogue::FEED_TICKS, ["ETHUSDT"], 7u64)
    }));
    registry.register(Bad(Misbehaviour::Fail));
    registry.register(Bad(Misbehaviour::Panic));
    registry
        .register(collector::from_fn("panics_at_once", |_| panic!("a synchronous collector bug")));

    for _ in 0..3 {
        let text = tokio::time::timeout(Duration::from_secs(20), registry.scrape())
            .await
            .expect("a hanging collector does not hang the scrape");
        assert!(text.contains("mycelium_feed_ticks_total{symbol=\"ETHUSDT\"} 7\n"), "{text}");
        for (collector, success) in
            [("good", 1), ("hangs", 0), ("fails", 0), ("panics", 0), ("panics_at_once", 0)]
        {
            let line = format!(
                "mycelium_scrape_collector_success{{collector=\"{collector}\"}} {success}\n"
            );
            assert!(text.contains(&line), "{line}in\n{text}");
            assert!(text.contains(&format!(
                "mycelium_scrape_collector_duration_seconds{{collector=\"{collector}\"}} "
            )));
        }
    }
}
