//! With a backoff, a restart waits: `initial` after the first failure in the window,
//! doubling for each further one. Checked on tokio's paused clock, so the delays are
//! exact and no wall-clock time passes.
mod support;

use std::time::Duration;

use mycelium::{Backoff, Node, RestartStrategy, SpawnOptions, Supervisor};
use support::*;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn restarts_wait_a_doubling_backoff() {
    let node = Node::new("backoff");
    let (events, mut rx) = events();
    let sup = Supervisor::new(RestartStrategy::OneForOne)
        .intensity(10, Duration::from_secs(60))
        .backoff(Backoff { initial: Duration::from_millis(100), max: Duration::from_secs(1) })
        .child(probe("worker", &events));
    node.spawn_started(sup, SpawnOptions::new()).await.unwrap();
    expect_events(&mut rx, &[started("worker", 0)]).await;
    let worker = node.lookup::<ProbeMsg>("worker").unwrap();

    let mut delays = Vec::new();
    for generation in 1..=3 {
        let crashed = Instant::now();
        worker.send(ProbeMsg::Panic("boom")).await.unwrap();
        skip_until(&mut rx, &started("worker", generation)).await;
        delays.push(crashed.elapsed());
    }
    let ms: Vec<u128> = delays.iter().map(|d| d.as_millis()).collect();
    assert_eq!(ms, vec![100, 200, 400], "backoff doubles from 100 ms");
}
