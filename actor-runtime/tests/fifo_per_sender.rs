//! Messages from one sender are handled in the order sent, for each of several senders.
mod common;
use common::*;
use mycelium::Node;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_senders_messages_arrive_in_send_order() {
    let node = Node::new("fifo");
    let (rec, mut rx) = recorder::<(u32, u32)>();
    let actor = node.spawn(rec).unwrap();
    let senders = 3u32;
    let per_sender = 10_000u32;
    for s in 0..senders {
        let actor = actor.clone();
        tokio::spawn(async move {
            for i in 0..per_sender {
                actor.send(RecMsg::Put((s, i))).await.unwrap();
            }
        });
    }
    let mut next_expected = vec![0u32; senders as usize];
    for _ in 0..senders * per_sender {
        let (s, i) = next(&mut rx).await;
        assert_eq!(i, next_expected[s as usize], "sender {s} reordered");
        next_expected[s as usize] += 1;
    }
}
