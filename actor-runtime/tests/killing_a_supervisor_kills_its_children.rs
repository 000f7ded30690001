//! `kill` on a supervisor kills its children, as OTP's `exit(Sup, kill)` does: each
//! ends after its current message with `Killed`, in reverse start order, without
//! handling what is queued; that goes to dead letters, each message once.
mod support;

use mycelium::{ExitReason, Node, RestartStrategy, SpawnOptions, Supervisor};
use support::*;

#[tokio::test]
async fn killed_supervisor_kills_its_children_without_draining() {
    let node = Node::new("kill-supervisor");
    let (tx, mut rx) = events();
    let sup = node
        .spawn_started(
            Supervisor::new(RestartStrategy::OneForOne)
                .child(probe("a", &tx).shutdown(WAIT))
                .child(probe("b", &tx)),
            SpawnOptions::new().name("sup"),
        )
        .await
        .unwrap();
    expect_events(&mut rx, &[started("a", 0), started("b", 0)]).await;
    let [a, b] = ["a", "b"].map(|n| node.lookup::<ProbeMsg>(n).unwrap());
    let (open, gate) = tokio::sync::oneshot::channel();
    a.send(ProbeMsg::Gate(gate)).await.unwrap();
    assert_eq!(next(&mut rx).await, blocked("a", 0));
    for v in 0..10 {
        a.send(ProbeMsg::Value(v)).await.unwrap();
        b.send(ProbeMsg::Value(100 + v)).await.unwrap();
    }
    // b may handle some of its queue before the kill reaches it, never after.
    sup.kill();
    let b_handled = skip_until(&mut rx, &stopped("b", 0)).await;
    assert!(b_handled.iter().all(|e| matches!(e, Event::Handled { name: "b", .. })));
    assert_eq!(next(&mut rx).await, dropped("b", 0));
    // a is killed after the message it is handling.
    open.send(()).unwrap();
    expect_events(&mut rx, &[stopped("a", 0), dropped("a", 0)]).await;
    assert_eq!(within("the supervisor's end", sup.join()).await, ExitReason::Killed);
    assert_eq!(within("a's end", a.join()).await, ExitReason::Killed);
    assert_eq!(within("b's end", b.join()).await, ExitReason::Killed);

    let letters = node.dead_letters().wait_for(20 - b_handled.len(), WAIT).await;
    let mut want: Vec<u64> = (100 + b_handled.len() as u64..110).collect();
    want.extend(0..10);
    assert_eq!(dead_values(&letters), want, "{letters:?}");
    assert_eq!(node.supervision_counters().restarts(), 0);
    assert_quiet(&mut rx);
}
