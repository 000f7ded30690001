//! The feed publishes every tick once, as one `Arc` shared by all subscribers, in
//! source order, filtered per subscriber by symbol; it stops itself at the end.
use std::sync::Arc;
use std::time::Duration;

use mycelium::{Actor, ActorError, Context, ExitReason, Node};
use mycelium_market_data::{
    Feed, FeedMsg, FeedTick, MarketTick, Policy, Speed, Symbol, SyntheticConfig, SyntheticSource,
    TickSource,
};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);

struct Sink(mpsc::UnboundedSender<Arc<FeedTick>>);

impl Actor for Sink {
    type Msg = Arc<FeedTick>;
    async fn handle(
        &mut self,
        tick: Arc<FeedTick>,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        let _ = self.0.send(tick);
        Ok(())
    }
}

fn synthetic(n: usize) -> (TickSource, Vec<MarketTick>) {
    let cfg = SyntheticConfig { symbols: 3, seed: 7, ..SyntheticConfig::default() };
    let expected: Vec<MarketTick> = SyntheticSource::new(cfg.clone()).unwrap().take(n).collect();
    let source = SyntheticSource::new(cfg).unwrap().take(n).map(Ok);
    (Box::new(source), expected)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Arc<FeedTick>>) -> Arc<FeedTick> {
    tokio::time::timeout(WAIT, rx.recv()).await.expect("a tick in time").expect("open")
}

#[tokio::test]
async fn all_subscribers_share_each_tick_in_order() {
    let node = Node::new("feed");
    let (source, expected) = synthetic(2_000);
    let (tx_a, mut rx_a) = mpsc::unbounded_channel();
    let (tx_b, mut rx_b) = mpsc::unbounded_channel();
    let a = node.spawn(Sink(tx_a)).unwrap();
    let b = node.spawn(Sink(tx_b)).unwrap();
    let feed = node
        .spawn(Feed::new(source, Speed::Max).subscriber(a, None, Policy::Block).subscriber(
            b,
            None,
            Policy::Block,
        ))
        .unwrap();
    for want in &expected {
        let (ta, tb) = (next(&mut rx_a).await, next(&mut rx_b).await);
        assert!(Arc::ptr_eq(&ta, &tb), "subscribers must share one Arc");
        assert_eq!(&ta.tick, want);
    }
    let reason = tokio::time::timeout(WAIT, feed.join()).await.unwrap();
    assert_eq!(reason, ExitReason::Normal, "the feed stops itself at the end");
}

#[tokio::test]
async fn a_subscriber_gets_only_its_symbols() {
    let node = Node::new("feed");
    let (source, expected) = synthetic(3_000);
    let wanted: Symbol = expected[0].symbol;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sink = node.spawn(Sink(tx)).unwrap();
    let feed = node.spawn(Feed::new(source, Speed::Max).start_paused()).unwrap();
    feed.send(FeedMsg::Subscribe {
        actor: sink,
        symbols: Some(vec![wanted]),
        policy: Policy::Block,
    })
    .await
    .unwrap();
    feed.send(FeedMsg::Start).await.unwrap();
    let mine: Vec<_> = expected.iter().filter(|t| t.symbol == wanted).collect();
    assert!(mine.len() < expected.len(), "the test needs several symbols");
    for want in mine {
        assert_eq!(&next(&mut rx).await.tick, want);
    }
    tokio::time::timeout(WAIT, feed.join()).await.unwrap();
    assert!(rx.try_recv().is_err(), "no tick of another symbol");
}
