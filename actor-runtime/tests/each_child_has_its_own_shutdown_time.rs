//! Each child is given its own shutdown time, as in OTP: a stuck child's deadline
//! does not eat its siblings' drain time. A supervisor that is itself a child waits
//! for its children by default (OTP's `infinity` for supervisors), each within its
//! own time; `Node::shutdown(deadline)` still bounds the whole. On tokio's paused
//! clock, so the deadlines pass without wall-clock time.
mod support;

use std::time::Duration;

use mycelium::{ChildSpec, ExitReason, Node, RestartStrategy, SpawnOptions, Supervisor};
use support::*;
use tokio::time::Instant;

/// Longer than `DEFAULT_SHUTDOWN`: a nested supervisor given the default worker
/// deadline would be aborted before this child's own deadline passes.
const STUCK: Duration = Duration::from_secs(8);

/// root -> inner -> [a, b]: `a` is busy with a gate and has values queued, `b` hangs
/// (with a deadline of `STUCK`). Returns `a`'s gate.
async fn tree(node: &Node, tx: &Events, rx: &mut EventRx) -> tokio::sync::oneshot::Sender<()> {
    let inner_tx = tx.clone();
    let root =
        Supervisor::new(RestartStrategy::OneForOne).child(ChildSpec::new("inner", move || {
            Supervisor::new(RestartStrategy::OneForOne)
                .child(probe("a", &inner_tx).shutdown(Duration::from_secs(60)))
                .child(probe("b", &inner_tx).shutdown(STUCK))
        }));
    node.spawn_started(root, SpawnOptions::new().name("root")).await.unwrap();
    expect_events(rx, &[started("a", 0), started("b", 0)]).await;
    let [a, b] = ["a", "b"].map(|n| node.lookup::<ProbeMsg>(n).unwrap());
    b.send(ProbeMsg::Hang).await.unwrap();
    assert_eq!(next(rx).await, blocked("b", 0));
    let (open, gate) = tokio::sync::oneshot::channel();
    a.send(ProbeMsg::Gate(gate)).await.unwrap();
    assert_eq!(next(rx).await, blocked("a", 0));
    for v in 0..5 {
        a.send(ProbeMsg::Value(v)).await.unwrap();
    }
    open
}

#[tokio::test(start_paused = true)]
async fn a_stuck_child_does_not_eat_its_siblings_drain_time() {
    let node = Node::new("own-shutdown");
    let (tx, mut rx) = events();
    let open = tree(&node, &tx, &mut rx).await;
    let began = Instant::now();
    let shutdown = tokio::spawn({
        let node = node.clone();
        async move { node.shutdown(Duration::from_secs(60)).await }
    });
    // b, stopped first (reverse order), is aborted at its own deadline ...
    assert_eq!(next(&mut rx).await, dropped("b", 0));
    assert_eq!(began.elapsed(), STUCK);
    // ... and a still drains its queue in its own time.
    open.send(()).unwrap();
    let mut want: Vec<_> = (0..5).map(|v| handled("a", 0, v)).collect();
    want.extend([stopped("a", 0), dropped("a", 0)]);
    expect_events(&mut rx, &want).await;
    let report = within("shutdown", shutdown).await.unwrap();
    assert_eq!(report.stopped.len(), 1, "the root stopped in time: {report:?}");
    // Only b's message in hand when it was aborted: a handled its whole queue.
    let letters = node.dead_letters().drain();
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0].recipient_name.as_deref(), Some("b"));
    assert!(letters[0].message.is_none());
}

#[tokio::test(start_paused = true)]
async fn the_node_deadline_still_bounds_the_whole() {
    let node = Node::new("own-shutdown-bounded");
    let (tx, mut rx) = events();
    let _gate = tree(&node, &tx, &mut rx).await;
    let a = node.lookup::<ProbeMsg>("a").unwrap();
    let began = Instant::now();
    let deadline = Duration::from_secs(2);
    let report = within("shutdown", node.shutdown(deadline)).await;
    assert_eq!(report.killed.len(), 1, "the root is aborted at the node deadline: {report:?}");
    assert!(began.elapsed() <= deadline + Duration::from_millis(10), "{:?}", began.elapsed());
    assert_eq!(within("a's end", a.join()).await, ExitReason::Killed);
    let letters = node.dead_letters().wait_for(5, WAIT).await;
    assert_eq!(dead_values(&letters), vec![0, 1, 2, 3, 4]);
}
