//! Across the wire, messages from one sender arrive in the order sent, and a burst
//! of a million tells over each transport arrives complete: none lost, none doubled.
mod remote_support;

use mycelium::Transport;
use remote_support::*;

/// Messages per transport in the completeness test.
const BURST: u64 = 1_000_000;

async fn burst(transport: Transport) {
    let place = Place::new();
    let server = node(&place, "server").await;
    let client = node(&place, "client").await;
    let mut seen = sink(&server, "sink");
    let remote = remote_sink(&client, &server, transport).await;
    let sender = tokio::spawn({
        let client = client.clone();
        async move {
            for seq in 0..BURST {
                // A starved machine may stall a link past its loss timeout: a send
                // refused meanwhile comes back, and goes again once the link is back.
                send_retrying(&client, &remote, Msg::Put { sender: 0, seq }).await;
            }
        }
    });
    let mut next = 0;
    while next < BURST {
        let (_, seq) = within("the burst", seen.recv()).await.expect("sink ended");
        assert_eq!(seq, next, "lost, doubled or reordered");
        next += 1;
    }
    within("the sender", sender).await.expect("sender");
    client.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_tells_over_unix_arrive_once_each() {
    burst(Transport::Unix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_tells_over_tcp_arrive_once_each() {
    burst(Transport::Tcp).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_senders_order_is_kept_across_the_wire() {
    const SENDERS: u32 = 4;
    const EACH: u64 = 20_000;
    let place = Place::new();
    let server = node(&place, "server").await;
    let client = node(&place, "client").await;
    let mut seen = sink(&server, "sink");
    let remote = remote_sink(&client, &server, Transport::Unix).await;
    let mut tasks = Vec::new();
    for sender in 0..SENDERS {
        let remote = remote.clone();
        tasks.push(tokio::spawn(async move {
            for seq in 0..EACH {
                // Mix the calls: each keeps the per-sender order.
                let msg = Msg::Put { sender, seq };
                match seq % 3 {
                    0 => remote.send(msg).await.expect("send"),
                    1 => remote.send_timeout(msg, WAIT).await.expect("send_timeout"),
                    _ => {
                        if let Err(e) = remote.try_send(msg) {
                            remote.send(e.into_inner()).await.expect("send after full");
                        }
                    }
                }
            }
        }));
    }
    let mut next = vec![0u64; SENDERS as usize];
    for _ in 0..u64::from(SENDERS) * EACH {
        let (sender, seq) = within("the messages", seen.recv()).await.expect("sink ended");
        assert_eq!(seq, next[sender as usize], "sender {sender} out of order");
        next[sender as usize] += 1;
    }
    for t in tasks {
        within("a sender", t).await.expect("sender");
    }
    client.shutdown(WAIT).await;
    server.shutdown(WAIT).await;
}
