//! The baseline: the same scenarios on raw tokio `mpsc` channels and tasks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::sync::{mpsc, oneshot};

use crate::{histogram, record, Tick, ASK_TIMEOUT};

const CAPACITY: usize = mycelium::DEFAULT_CAPACITY;

/// One-way latency: send a stamped message, let the receiver record
/// enqueue-to-dequeue time, wait (yielding) until it has before sending the next.
pub async fn one_way(n: u64) -> Histogram<u64> {
    let (tx, mut rx) = mpsc::channel::<(Instant, Arc<Tick>)>(CAPACITY);
    let received = Arc::new(AtomicU64::new(0));
    let count = received.clone();
    let receiver = tokio::spawn(async move {
        let mut h = histogram();
        while let Some((sent, _tick)) = rx.recv().await {
            record(&mut h, sent.elapsed());
            count.fetch_add(1, Ordering::Release);
        }
        h
    });
    let tick = Arc::new(Tick::new(0));
    for i in 1..=n {
        tx.send((Instant::now(), tick.clone())).await.expect("receiver alive");
        wait_for(&received, i).await;
    }
    drop(tx);
    receiver.await.expect("receiver task")
}

/// Yields until `counter` reaches `n`: the sender waits for each delivery without
/// parking, so a one-way figure is one message's trip, not a queue.
pub async fn wait_for(counter: &AtomicU64, n: u64) {
    while counter.load(Ordering::Acquire) < n {
        tokio::task::yield_now().await;
    }
}

/// Round trips between two tasks over two channels.
pub async fn ping_pong(n: u64) -> Histogram<u64> {
    let (ping_tx, mut ping_rx) = mpsc::channel::<Instant>(CAPACITY);
    let (pong_tx, mut pong_rx) = mpsc::channel::<Instant>(CAPACITY);
    tokio::spawn(async move {
        while let Some(t) = ping_rx.recv().await {
            if pong_tx.send(t).await.is_err() {
                break;
            }
        }
    });
    let pinger = tokio::spawn(async move {
        let mut h = histogram();
        for _ in 0..n {
            ping_tx.send(Instant::now()).await.expect("ponger alive");
            let t = pong_rx.recv().await.expect("pong");
            record(&mut h, t.elapsed());
        }
        h
    });
    pinger.await.expect("pinger task")
}

/// Request-reply: `mpsc` + `oneshot`, optionally bounded by a timeout as Mycelium's
/// `ask` always is.
pub async fn ask(n: u64, with_timeout: bool) -> Histogram<u64> {
    let (tx, mut rx) = mpsc::channel::<oneshot::Sender<u64>>(CAPACITY);
    tokio::spawn(async move {
        let mut count = 0;
        while let Some(reply) = rx.recv().await {
            count += 1;
            let _ = reply.send(count);
        }
    });
    let asker = tokio::spawn(async move {
        let mut h = histogram();
        for _ in 0..n {
            let start = Instant::now();
            let (reply, answer) = oneshot::channel();
            tx.send(reply).await.expect("server alive");
            if with_timeout {
                let _ = tokio::time::timeout(ASK_TIMEOUT, answer).await.expect("in time");
            } else {
                let _ = answer.await;
            }
            record(&mut h, start.elapsed());
        }
        h
    });
    asker.await.expect("asker task")
}

/// A burst of `n` fresh `Arc<Tick>`s from one sender; time until all are received.
pub async fn throughput(n: u64) -> Duration {
    let (tx, mut rx) = mpsc::channel::<Arc<Tick>>(CAPACITY);
    let receiver = tokio::spawn(async move {
        let mut sum = 0u64;
        for _ in 0..n {
            sum = sum.wrapping_add(rx.recv().await.expect("tick").seq);
        }
        sum
    });
    let start = Instant::now();
    for i in 0..n {
        tx.send(Arc::new(Tick::new(i))).await.expect("receiver alive");
    }
    receiver.await.expect("receiver task");
    start.elapsed()
}

/// `n` ticks, each to `subscribers` receivers as one shared `Arc`; time until all
/// are received.
pub async fn broadcast(n: u64, subscribers: usize) -> Duration {
    let mut senders = Vec::new();
    let mut receivers = Vec::new();
    for _ in 0..subscribers {
        let (tx, mut rx) = mpsc::channel::<Arc<Tick>>(CAPACITY);
        senders.push(tx);
        receivers.push(tokio::spawn(async move {
            for _ in 0..n {
                rx.recv().await.expect("tick");
            }
        }));
    }
    let start = Instant::now();
    for i in 0..n {
        let tick = Arc::new(Tick::new(i));
        for tx in &senders {
            tx.send(tick.clone()).await.expect("receiver alive");
        }
    }
    for r in receivers {
        r.await.expect("receiver task");
    }
    start.elapsed()
}
