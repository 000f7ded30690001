//! `kill` on a supervised child ends its instance after the current message; the
//! queue is kept, not dead-lettered: the supervisor's next instance handles it, in
//! order, and answers the asks queued in it.
mod support;

use mycelium::{Node, RestartStrategy, Supervisor};
use support::*;

#[tokio::test]
async fn a_killed_supervised_childs_queued_request_is_answered_by_its_next_instance() {
    let node = Node::new("ask-kill-supervised");
    let (tx, mut rx) = events();
    let sup = Supervisor::new(RestartStrategy::OneForOne).child(probe("a", &tx));
    let (_sup, a) = tree_of_one(&node, &mut rx, sup, "a").await;
    let (open, gate) = tokio::sync::oneshot::channel::<()>();
    a.send(ProbeMsg::Gate(gate)).await.unwrap();
    assert_eq!(next(&mut rx).await, blocked("a", 0));
    let ask = ask_queued(&a).await;
    for v in 0..3 {
        a.send(ProbeMsg::Value(v)).await.unwrap();
    }
    a.kill();
    open.send(()).unwrap();
    assert_eq!(within("the answer", ask).await.unwrap().unwrap(), 1);
    let mut want = vec![stopped("a", 0), dropped("a", 0), started("a", 1)];
    want.extend((0..3).map(|v| handled("a", 1, v)));
    expect_events(&mut rx, &want).await;
    assert_eq!(node.dead_letters().total(), 0);
}
