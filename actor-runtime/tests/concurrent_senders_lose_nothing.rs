//! Four concurrent senders, 100k messages each, on two workers: every message is
//! handled exactly once.
mod common;
use common::*;
use mycelium::{Node, SpawnOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_senders_times_100k_none_lost_or_duplicated() {
    const SENDERS: u64 = 4;
    const EACH: u64 = 100_000;
    let node = Node::new("load");
    let (rec, mut rx) = recorder::<u64>();
    let actor = node.spawn_with(rec, SpawnOptions::new().capacity(1024)).unwrap();
    for s in 0..SENDERS {
        let actor = actor.clone();
        tokio::spawn(async move {
            for i in 0..EACH {
                actor.send(RecMsg::Put(s * EACH + i)).await.unwrap();
            }
        });
    }
    let mut seen = vec![false; (SENDERS * EACH) as usize];
    for _ in 0..SENDERS * EACH {
        let v = next(&mut rx).await as usize;
        assert!(!seen[v], "message {v} delivered twice");
        seen[v] = true;
    }
    assert!(seen.iter().all(|s| *s));
    let m = node.metrics(&actor, WAIT).await.unwrap();
    assert_eq!(m.handled, SENDERS * EACH);
}
