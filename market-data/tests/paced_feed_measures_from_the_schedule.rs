//! A paced feed stamps each tick with its scheduled time, so latency measured from it
//! includes the feed's own lateness (no coordinated omission): when a subscriber
//! stalls the feed, the next ticks keep their schedule and their ingress shows the
//! delay; the feed's report holds each tick's lateness. Runs on tokio's paused clock: exact, and no wall-clock time passes.
use std::sync::Arc;
use std::time::Duration;

use mycelium::{Actor, ActorError, Context, Node};
use mycelium_market_data::{Feed, FeedTick, Policy, Speed, SyntheticConfig, SyntheticSource};
use tokio::sync::mpsc;

/// Stalls 10 ms on the first tick it handles.
struct Slow {
    out: mpsc::UnboundedSender<Arc<FeedTick>>,
    stalled: bool,
}

impl Actor for Slow {
    type Msg = Arc<FeedTick>;
    async fn handle(
        &mut self,
        t: Arc<FeedTick>,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        if !self.stalled {
            self.stalled = true;
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let _ = self.out.send(t);
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn late_ticks_keep_their_schedule() {
    // 1000 ticks/s of exchange time: one every millisecond.
    let cfg = SyntheticConfig { symbols: 1, rate_per_sec: 1000.0, ..SyntheticConfig::default() };
    let source = Box::new(SyntheticSource::new(cfg).unwrap().take(5).map(Ok));
    let node = Node::new("paced");
    let (out, mut rx) = mpsc::unbounded_channel();
    let slow = node
        .spawn_with(Slow { out, stalled: false }, mycelium::SpawnOptions::new().capacity(1))
        .unwrap();
    let (final_tx, mut final_report) = tokio::sync::watch::channel(None);
    let feed = Feed::new(source, Speed::Realtime)
        .subscriber(slow, None, Policy::Block)
        .final_report_to(final_tx);
    node.spawn(feed).unwrap();
    let mut ticks = Vec::new();
    for _ in 0..5 {
        ticks
            .push(tokio::time::timeout(Duration::from_secs(60), rx.recv()).await.unwrap().unwrap());
    }
    for (i, t) in ticks.iter().enumerate() {
        let on_schedule = t.scheduled.duration_since(ticks[0].scheduled);
        assert_eq!(on_schedule, Duration::from_millis(i as u64), "tick {i} keeps its slot");
        assert!(t.ingress >= t.scheduled);
    }
    // The stall held up later ticks: their ingress is late, and the latency taken from
    // the schedule shows it.
    let late = ticks[3].ingress.duration_since(ticks[3].scheduled);
    assert!(late >= Duration::from_millis(5), "tick 3 was published {late:?} after its slot");
    // The feed's own record of it: one sample a tick, the worst the stall's.
    let report =
        tokio::time::timeout(Duration::from_secs(60), final_report.wait_for(Option::is_some))
            .await
            .unwrap()
            .unwrap()
            .clone()
            .unwrap();
    let lateness = report.lateness.expect("a paced feed records its lateness");
    assert_eq!(lateness.len(), 5);
    assert!(lateness.max() >= 5_000_000, "worst {} ns", lateness.max());
}
