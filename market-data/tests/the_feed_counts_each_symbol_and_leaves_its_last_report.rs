//! The feed counts what it does per symbol (ticks published, ticks conflated for a
//! slow subscriber, sequence gaps of the source), and the counts add up to its
//! totals. As it ends with its source it leaves its last report where it was told
//! to, so its figures outlive it.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use mycelium::{Actor, ActorError, Context, Node, SpawnOptions};
use mycelium_market_data::book::SequenceError;
use mycelium_market_data::{
    Feed, FeedTick, Policy, SequenceGap, Speed, Symbol, SyntheticConfig, SyntheticSource, TickError,
};
use tokio::sync::{oneshot, watch};

const WAIT: Duration = Duration::from_secs(10);
const N: usize = 5_000;

enum SubMsg {
    Tick,
    Hold(oneshot::Receiver<()>),
}

impl From<Arc<FeedTick>> for SubMsg {
    fn from(_: Arc<FeedTick>) -> Self {
        SubMsg::Tick
    }
}

struct Sub;

impl Actor for Sub {
    type Msg = SubMsg;
    async fn handle(&mut self, msg: SubMsg, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        if let SubMsg::Hold(gate) = msg {
            let _ = gate.await;
        }
        Ok(())
    }
}

#[tokio::test]
async fn per_symbol_counts_add_up_and_outlive_the_feed() {
    let cfg = SyntheticConfig { symbols: 3, seed: 5, ..SyntheticConfig::default() };
    let ticks: Vec<_> = SyntheticSource::new(cfg).unwrap().take(N).collect();
    let mut want: HashMap<Symbol, u64> = HashMap::new();
    for t in &ticks {
        *want.entry(t.symbol).or_default() += 1;
    }
    let gap_symbol = ticks[0].symbol;
    let gap = SequenceGap {
        symbol: gap_symbol,
        line: 7,
        error: SequenceError::PrevMismatch { expected: 1, prev: 2, first: 3, last: 4 },
    };
    // Two gaps in the source, between ticks.
    let mut items: Vec<Result<_, TickError>> = ticks.into_iter().map(Ok).collect();
    items.insert(100, Err(TickError::Gap(gap.clone())));
    items.insert(200, Err(TickError::Gap(gap)));

    let node = Node::new("feed");
    let slow = node.spawn_with(Sub, SpawnOptions::new().capacity(8)).unwrap();
    let (open, held) = oneshot::channel();
    slow.send(SubMsg::Hold(held)).await.unwrap();
    let (slot, mut last) = watch::channel(None);
    let feed = node
        .spawn(
            Feed::new(Box::new(items.into_iter()), Speed::Max)
                .subscriber(slow.clone(), None, Policy::Conflate)
                .final_report_to(slot),
        )
        .unwrap();
    tokio::time::timeout(WAIT, feed.join()).await.expect("the feed ends");
    drop(open);

    let report = tokio::time::timeout(WAIT, last.wait_for(Option::is_some))
        .await
        .expect("the last report")
        .expect("slot")
        .clone()
        .expect("a report");
    assert!(report.finished);
    assert_eq!(report.ticks, N as u64);
    assert_eq!(report.gaps, 2);
    let got: HashMap<Symbol, u64> = report.per_symbol.iter().map(|(s, c)| (*s, c.ticks)).collect();
    assert_eq!(got, want);
    let gaps: HashMap<Symbol, u64> =
        report.per_symbol.iter().filter(|(_, c)| c.gaps > 0).map(|(s, c)| (*s, c.gaps)).collect();
    assert_eq!(gaps, HashMap::from([(gap_symbol, 2)]));
    let conflated: u64 = report.per_symbol.iter().map(|(_, c)| c.conflated).sum();
    let total: u64 = report.conflated.iter().map(|(_, n)| n).sum();
    assert!(conflated > 0, "the held subscriber had ticks replaced");
    assert_eq!(conflated, total);
}
