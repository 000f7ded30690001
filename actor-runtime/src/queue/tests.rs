//! The queue's own invariants; the actor-level behaviour (backpressure, signals
//! overtaking, FIFO per sender) is pinned by the integration tests.
use std::task::Poll;
use std::time::Duration;

use futures_util::task::noop_waker;

use super::*;

/// Each invariant holds for both kinds of queue: locked, and a spinning receiver's ring.
const MODES: [bool; 2] = [false, true];

fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    let waker = noop_waker();
    Pin::new(f).poll(&mut Context::from_waker(&waker))
}

fn next<M>(rx: &mut Receiver<M>) -> Poll<Next<M>> {
    let waker = noop_waker();
    rx.poll_next(&mut Context::from_waker(&waker))
}

fn message<M>(p: Poll<Next<M>>) -> M {
    match p {
        Poll::Ready(Next::Message(m)) => m,
        _ => panic!("expected a message"),
    }
}

#[test]
fn a_taken_batch_counts_against_capacity_until_handled() {
    for spinning in MODES {
        let (tx, mut rx) = channel::<u32>(3, false, spinning);
        for i in 0..3 {
            tx.try_send(i).expect("room");
        }
        assert!(matches!(tx.try_send(9), Err(TrySendError::Full(9))));
        // The receiver takes all three in one batch and handles one: one slot frees.
        assert_eq!(message(next(&mut rx)), 0);
        assert_eq!(tx.queued(), 2);
        tx.try_send(3).expect("room");
        assert!(matches!(tx.try_send(9), Err(TrySendError::Full(9))));
        assert_eq!(rx.len(), 3);
        for expected in 1..=3 {
            assert_eq!(message(next(&mut rx)), expected);
        }
        assert!(next(&mut rx).is_pending());
        assert_eq!(tx.queued(), 0);
    }
}

#[test]
fn waiting_senders_are_served_in_order_and_before_newcomers() {
    for spinning in MODES {
        let (tx, mut rx) = channel::<u32>(1, false, spinning);
        tx.try_send(0).expect("room");
        let mut first = tx.send(1);
        let mut second = tx.send(2);
        assert!(poll_once(&mut first).is_pending());
        assert!(poll_once(&mut second).is_pending());
        assert_eq!(message(next(&mut rx)), 0);
        // Room for one: a newcomer must not take it from the line.
        assert!(matches!(tx.try_send(7), Err(TrySendError::Full(7))));
        assert!(poll_once(&mut second).is_pending(), "second must wait behind first");
        assert!(matches!(poll_once(&mut first), Poll::Ready(Ok(()))));
        assert_eq!(message(next(&mut rx)), 1);
        assert!(matches!(poll_once(&mut second), Poll::Ready(Ok(()))));
        assert_eq!(message(next(&mut rx)), 2);
    }
}

#[test]
fn room_freed_for_a_woken_sender_is_kept_for_it() {
    for spinning in MODES {
        let (tx, mut rx) = channel::<u32>(1, false, spinning);
        tx.try_send(0).expect("room");
        let mut waiting = tx.send(1);
        assert!(poll_once(&mut waiting).is_pending());
        assert_eq!(message(next(&mut rx)), 0); // wakes `waiting`, the line is now empty
        assert!(matches!(tx.try_send(7), Err(TrySendError::Full(7))), "the room is promised");
        let mut newcomer = tx.send(8);
        assert!(poll_once(&mut newcomer).is_pending(), "a newcomer waits behind the promise");
        assert!(matches!(poll_once(&mut waiting), Poll::Ready(Ok(()))));
        assert_eq!(message(next(&mut rx)), 1);
        assert!(matches!(poll_once(&mut newcomer), Poll::Ready(Ok(()))));
    }
}

#[test]
fn a_woken_sender_that_gives_up_passes_its_turn_on() {
    for spinning in MODES {
        let (tx, mut rx) = channel::<u32>(1, false, spinning);
        tx.try_send(0).expect("room");
        let mut first = tx.send(1);
        let mut second = tx.send(2);
        assert!(poll_once(&mut first).is_pending());
        assert!(poll_once(&mut second).is_pending());
        assert_eq!(message(next(&mut rx)), 0); // wakes `first`
        drop(first);
        assert!(matches!(poll_once(&mut second), Poll::Ready(Ok(()))));
        assert_eq!(message(next(&mut rx)), 2);
    }
}

#[test]
fn signals_overtake_queued_messages() {
    for spinning in MODES {
        let (tx, mut rx) = channel::<u32>(4, false, spinning);
        tx.try_send(1).expect("room");
        assert!(tx.signals().send(Signal::Kill));
        assert!(matches!(next(&mut rx), Poll::Ready(Next::Signal(Signal::Kill))));
        assert_eq!(message(next(&mut rx)), 1);
        // A signal sent while a batch is out is still seen before its next message.
        tx.try_send(2).expect("room");
        tx.try_send(3).expect("room");
        assert_eq!(message(next(&mut rx)), 2);
        tx.signals().send(Signal::Stop);
        assert!(matches!(next(&mut rx), Poll::Ready(Next::Signal(Signal::Stop))));
        assert_eq!(message(next(&mut rx)), 3);
    }
}

#[test]
fn close_hands_messages_back_and_keeps_the_queued_ones() {
    for spinning in MODES {
        let (tx, mut rx) = channel::<u32>(1, false, spinning);
        tx.try_send(1).expect("room");
        let mut waiting = tx.send(2);
        assert!(poll_once(&mut waiting).is_pending());
        rx.close();
        assert!(matches!(poll_once(&mut waiting), Poll::Ready(Err(2))));
        assert!(matches!(tx.try_send(3), Err(TrySendError::Closed(3))));
        assert_eq!(message(next(&mut rx)), 1);
        assert!(matches!(next(&mut rx), Poll::Ready(Next::Closed)));
        let signals = tx.signals();
        assert!(signals.send(Signal::Stop), "a closed queue still takes signals");
        drop(rx);
        assert!(!signals.send(Signal::Stop), "no receiver: the signal is refused");
    }
}

#[tokio::test]
async fn a_parked_receiver_is_woken_by_a_message_and_by_a_signal() {
    let (tx, mut rx) = channel::<u32>(4, false, false);
    let signals = tx.signals();
    let receiver = tokio::spawn(async move {
        let mut got = Vec::new();
        for _ in 0..3 {
            match std::future::poll_fn(|cx| rx.poll_next(cx)).await {
                Next::Message(m) => got.push(m),
                Next::Signal(_) => got.push(99),
                Next::Closed => break,
            }
        }
        got
    });
    for step in 0..3 {
        // Let the receiver park (twice, to take the lock-free path) first.
        for _ in 0..2 {
            tokio::task::yield_now().await;
        }
        match step {
            1 => assert!(signals.send(Signal::Stop)),
            _ => tx.send(step).await.expect("open"),
        }
    }
    let got = tokio::time::timeout(Duration::from_secs(5), receiver)
        .await
        .expect("no hang")
        .expect("receiver task");
    assert_eq!(got, vec![0, 99, 2]);
}

#[tokio::test]
async fn send_timeout_hands_the_message_back() {
    for spinning in MODES {
        let (tx, _rx) = channel::<u32>(1, false, spinning);
        tx.try_send(0).expect("room");
        match tx.send_timeout::<()>(1, Duration::from_millis(10)).await {
            Err(SendTimeoutError::Timeout(1)) => {}
            other => panic!("expected a timeout with the message, got {other:?}"),
        }
        assert_eq!(tx.queued(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_senders_on_a_tiny_queue_lose_nothing_and_keep_their_order() {
    const SENDERS: u64 = 4;
    const EACH: u64 = 20_000;
    let (tx, mut rx) = channel::<(u64, u64)>(2, false, false);
    let tx = Arc::new(tx);
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let tx = tx.clone();
            tokio::spawn(async move {
                for i in 0..EACH {
                    tx.send((s, i)).await.expect("open");
                }
            })
        })
        .collect();
    let receiver = tokio::spawn(async move {
        let mut next_of = [0u64; SENDERS as usize];
        for _ in 0..SENDERS * EACH {
            match std::future::poll_fn(|cx| rx.poll_next(cx)).await {
                Next::Message((s, i)) => {
                    assert_eq!(i, next_of[s as usize], "sender {s} out of order");
                    next_of[s as usize] += 1;
                }
                _ => panic!("expected only messages"),
            }
        }
        next_of
    });
    let all = async {
        for s in senders {
            s.await.expect("sender task");
        }
        receiver.await.expect("receiver task")
    };
    let next_of = tokio::time::timeout(Duration::from_secs(60), all).await.expect("no hang");
    assert_eq!(next_of, [EACH; SENDERS as usize]);
}

/// A receiver spinning on its own thread (as a pinned actor's does) against a sender
/// on another: with a capacity of one, every message fills the batch, the case where
/// a sender may register as waiting just after the receiver's last look.
#[test]
fn a_spinning_receiver_on_a_full_queue_never_strands_a_waiting_sender() {
    for spinning in MODES {
        const N: u32 = 50_000;
        let (tx, mut rx) = channel::<u32>(1, false, spinning);
        let receiver = std::thread::spawn(move || {
            let waker = noop_waker();
            let mut cx = Context::from_waker(&waker);
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            let mut expected = 0;
            while expected < N {
                assert!(std::time::Instant::now() < deadline, "stuck at {expected}");
                if let Poll::Ready(Next::Message(m)) = rx.poll_next(&mut cx) {
                    assert_eq!(m, expected);
                    expected += 1;
                }
            }
        });
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        runtime.block_on(async {
            for i in 0..N {
                // The receiver spins with a no-op waker: only the queue's own wake-ups of
                // waiting senders can move this send on.
                let sent = tokio::time::timeout(Duration::from_secs(10), tx.send(i)).await;
                assert!(matches!(sent, Ok(Ok(()))), "send {i} stranded");
            }
        });
        receiver.join().expect("receiver thread");
    }
}

#[test]
fn a_timed_queue_hands_out_each_enqueue_time_with_its_message() {
    for spinning in MODES {
        let (tx, mut rx) = channel::<u32>(8, true, spinning);
        let before = Instant::now();
        tx.try_send(0).expect("room");
        tx.try_send(1).expect("room");
        let between = Instant::now();
        assert_eq!(message(next(&mut rx)), 0);
        let first = rx.enqueued_at().expect("stamped");
        assert!(before <= first && first <= between);
        // A message queued while the batch is out lands in the next batch, its time with it.
        std::thread::sleep(Duration::from_millis(2));
        let late = Instant::now();
        tx.try_send(2).expect("room");
        assert_eq!(message(next(&mut rx)), 1);
        let second = rx.enqueued_at().expect("stamped");
        assert!(first <= second && second <= between);
        assert_eq!(rx.try_recv(), Some(2));
        assert!(rx.enqueued_at().expect("stamped") >= late);

        let (tx, mut rx) = channel::<u32>(8, false, spinning);
        tx.try_send(0).expect("room");
        assert_eq!(message(next(&mut rx)), 0);
        assert_eq!(rx.enqueued_at(), None, "an untimed queue stamps nothing");
    }
}

/// The ring's own race: senders on two workers, a tiny ring always full, the receiver
/// spinning on its own thread as a pinned actor's does. Nothing lost, nothing doubled,
/// each sender's order kept, and no sender stranded in the line.
#[test]
fn racing_senders_into_a_spinning_receivers_ring_lose_nothing_and_keep_their_order() {
    const SENDERS: u64 = 4;
    const EACH: u64 = 20_000;
    let (tx, mut rx) = channel::<(u64, u64)>(2, false, true);
    let receiver = std::thread::spawn(move || {
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let mut next_of = [0u64; SENDERS as usize];
        let mut got = 0;
        while got < SENDERS * EACH {
            assert!(std::time::Instant::now() < deadline, "stuck at {got}");
            if let Poll::Ready(Next::Message((s, i))) = rx.poll_next(&mut cx) {
                assert_eq!(i, next_of[s as usize], "sender {s} out of order");
                next_of[s as usize] += 1;
                got += 1;
            }
        }
        assert!(rx.try_recv().is_none(), "nothing beyond what was sent");
        next_of
    });
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
    let runtime = runtime.expect("rt");
    let tx = Arc::new(tx);
    runtime.block_on(async {
        let senders: Vec<_> = (0..SENDERS)
            .map(|s| {
                let tx = tx.clone();
                tokio::spawn(async move {
                    for i in 0..EACH {
                        // Every other message through `try_send`, which must not jump
                        // the line.
                        let mut msg = (s, i);
                        if i % 2 == 0 {
                            match tx.try_send(msg) {
                                Ok(()) => continue,
                                Err(TrySendError::Full(m)) => msg = m,
                                Err(TrySendError::Closed(_)) => panic!("closed"),
                            }
                        }
                        tx.send(msg).await.expect("open");
                    }
                })
            })
            .collect();
        let all = async {
            for s in senders {
                s.await.expect("sender task");
            }
        };
        tokio::time::timeout(Duration::from_secs(60), all).await.expect("no sender stranded");
    });
    assert_eq!(receiver.join().expect("receiver thread"), [EACH; SENDERS as usize]);
}

/// A stop closes the queue and drains it: every message a sender was told was queued
/// is received, however the close races the senders.
#[test]
fn a_closed_ring_drains_every_message_whose_send_succeeded() {
    for _ in 0..50 {
        let (tx, mut rx) = channel::<u64>(64, false, true);
        let tx = Arc::new(tx);
        let accepted = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let senders: Vec<_> = (0..3)
            .map(|_| {
                let (tx, accepted) = (tx.clone(), accepted.clone());
                std::thread::spawn(move || loop {
                    match tx.try_send(1) {
                        Ok(()) => {
                            accepted.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(TrySendError::Full(_)) => std::thread::yield_now(),
                        Err(TrySendError::Closed(_)) => return,
                    }
                })
            })
            .collect();
        let mut received = 0u64;
        for _ in 0..200 {
            received += rx.try_recv().unwrap_or(0);
        }
        rx.close();
        while let Some(m) = rx.try_recv() {
            received += m;
        }
        for s in senders {
            s.join().expect("sender");
        }
        assert_eq!(received, accepted.load(Ordering::SeqCst));
    }
}

/// A message's position is the how-manieth message the queue took over its whole
/// life, across batches (and a ring's laps); `handed_out` is the position of the
/// last one the receiver took.
#[test]
fn positions_count_every_message_and_hand_outs_follow_them() {
    for spinning in MODES {
        let (tx, mut rx) = channel::<u64>(3, false, spinning);
        let mut last = 0;
        for _round in 0..5 {
            for _ in 0..3 {
                last += 1;
                assert_eq!(tx.try_send_at(last).expect("room"), last);
            }
            assert_eq!(rx.handed_out(), last - 3);
            for _ in 0..3 {
                let m = message(next(&mut rx));
                assert_eq!(rx.handed_out(), m);
            }
        }
    }
}

/// The sending side can close the queue while a receiver holds it, take what the
/// receiver has not taken yet (the rest stays with the receiver), and open it again.
#[test]
fn the_sending_side_closes_takes_the_queue_and_reopens() {
    let (tx, mut rx) = channel::<u32>(8, false, false);
    for m in [1, 2] {
        tx.try_send(m).expect("room");
    }
    assert_eq!(message(next(&mut rx)), 1);
    for m in [3, 4] {
        tx.try_send(m).expect("room");
    }
    tx.close();
    assert!(matches!(tx.try_send(5), Err(TrySendError::Closed(5))));
    tx.reopen();
    assert_eq!(tx.try_send_at(5).expect("open again"), 5);
    tx.close();
    let (first, taken) = tx.take_queued().expect("a locked queue");
    assert_eq!((first, Vec::from(taken)), (3, vec![3, 4, 5]));
    assert_eq!(rx.try_recv(), Some(2), "the batch stays with the receiver");
    assert_eq!(rx.try_recv(), None);
    assert_eq!(rx.handed_out(), 2);

    let (tx, mut rx) = channel::<u32>(8, false, true);
    tx.try_send(1).expect("room");
    tx.close();
    assert!(matches!(tx.try_send(2), Err(TrySendError::Closed(2))));
    assert!(tx.take_queued().is_none(), "only its receiver reads a ring");
    assert_eq!(message(next(&mut rx)), 1);
    tx.reopen();
    assert_eq!(tx.try_send_at(3).expect("open again"), 2);
}
