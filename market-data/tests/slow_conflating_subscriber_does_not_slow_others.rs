//! A conflating subscriber that is stuck does not hold the feed back: a blocking
//! subscriber receives every tick meanwhile, and the stuck one later gets the latest
//! tick of each symbol, with the replaced ticks counted.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use mycelium::{Actor, ActorError, Context, Node, SpawnOptions};
use mycelium_market_data::{
    Feed, FeedMsg, FeedTick, MarketTick, Policy, Speed, SyntheticConfig, SyntheticSource,
};
use tokio::sync::{mpsc, oneshot};

const WAIT: Duration = Duration::from_secs(10);

enum SubMsg {
    Tick(Arc<FeedTick>),
    Hold(oneshot::Receiver<()>),
}

impl From<Arc<FeedTick>> for SubMsg {
    fn from(t: Arc<FeedTick>) -> Self {
        SubMsg::Tick(t)
    }
}

struct Sub(mpsc::UnboundedSender<Arc<FeedTick>>);

impl Actor for Sub {
    type Msg = SubMsg;
    async fn handle(&mut self, msg: SubMsg, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        match msg {
            SubMsg::Tick(t) => {
                let _ = self.0.send(t);
            }
            SubMsg::Hold(gate) => {
                let _ = gate.await;
            }
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_conflating_subscriber_does_not_stall_a_fast_one() {
    const N: usize = 20_000;
    let cfg = SyntheticConfig { symbols: 4, seed: 3, ..SyntheticConfig::default() };
    let expected: Vec<MarketTick> = SyntheticSource::new(cfg.clone()).unwrap().take(N).collect();
    let node = Node::new("feed");
    let (fast_tx, mut fast_rx) = mpsc::unbounded_channel();
    let (slow_tx, mut slow_rx) = mpsc::unbounded_channel();
    let fast = node.spawn(Sub(fast_tx)).unwrap();
    let slow = node.spawn_with(Sub(slow_tx), SpawnOptions::new().capacity(16)).unwrap();
    let (gate, held) = oneshot::channel();
    slow.send(SubMsg::Hold(held)).await.unwrap();

    let source = Box::new(SyntheticSource::new(cfg).unwrap().take(N).map(Ok));
    let feed = node
        .spawn(Feed::new(source, Speed::Max).subscriber(fast, None, Policy::Block).subscriber(
            slow.clone(),
            None,
            Policy::Conflate,
        ))
        .unwrap();

    // Every tick reaches the fast subscriber while the slow one is still held.
    for want in &expected {
        let got = tokio::time::timeout(WAIT, fast_rx.recv()).await.unwrap().unwrap();
        assert_eq!(&got.tick, want);
    }
    // The feed may already have finished and stopped (its report is then gone); the
    // conflation is also checked through what the slow subscriber receives below.
    if let Ok(report) = feed.ask(FeedMsg::Report, WAIT).await {
        let (_, conflated) =
            report.conflated.iter().find(|(id, _)| *id == slow.id()).copied().unwrap();
        assert!(conflated > 0);
    }

    gate.send(()).unwrap();
    tokio::time::timeout(WAIT, feed.join()).await.unwrap();
    // The last tick it receives of each symbol is that symbol's last tick: wait until
    // it has them all.
    let mut last_expected = HashMap::new();
    for t in &expected {
        last_expected.insert(t.symbol, t.seq);
    }
    let mut last_got = HashMap::new();
    let mut received = 0;
    while last_got != last_expected {
        let t = tokio::time::timeout(WAIT, slow_rx.recv())
            .await
            .expect("the slow subscriber's remaining ticks")
            .unwrap();
        last_got.insert(t.symbol, t.seq);
        received += 1;
    }
    assert!(received < N / 10, "the slow subscriber was conflated, got {received}");
}
