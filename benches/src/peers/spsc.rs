//! The raw cross-core baseline: a minimal bounded single-producer single-consumer ring
//! between two threads, both sides busy-waiting (no parking, no wake-ups), the
//! consumer pinned to [`PINNED_CORE`].

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use super::PINNED_CORE;
use crate::{histogram, record, Tick};

/// One index on its own cache line, so producer and consumer do not false-share.
#[repr(align(128))]
struct Padded(AtomicUsize);

struct Ring<T> {
    slots: Box<[UnsafeCell<MaybeUninit<T>>]>,
    mask: usize,
    /// Next slot to read; written only by the consumer.
    head: Padded,
    /// Next slot to write; written only by the producer.
    tail: Padded,
}

// SAFETY: a slot is accessed by one side at a time: the producer writes slots in
// `[tail, head + capacity)`, the consumer reads slots in `[head, tail)`, and each
// hand-over is a Release store of an index paired with an Acquire load of it. Values
// of `T` move between threads, hence `T: Send`.
unsafe impl<T: Send> Sync for Ring<T> {}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        let (mut head, tail) = (*self.head.0.get_mut(), *self.tail.0.get_mut());
        while head != tail {
            // SAFETY: slots in `[head, tail)` were written and not yet read; `&mut self`
            // means neither side is still running.
            unsafe { self.slots[head & self.mask].get_mut().assume_init_drop() };
            head = head.wrapping_add(1);
        }
    }
}

/// The sending half: exactly one exists per ring (not `Clone`).
pub struct Producer<T>(Arc<Ring<T>>);

/// The receiving half: exactly one exists per ring (not `Clone`).
pub struct Consumer<T>(Arc<Ring<T>>);

/// A ring of at least `capacity` slots (rounded up to a power of two).
pub fn ring<T: Send>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    let capacity = capacity.max(1).next_power_of_two();
    let slots = (0..capacity).map(|_| UnsafeCell::new(MaybeUninit::uninit())).collect();
    let ring = Arc::new(Ring {
        slots,
        mask: capacity - 1,
        head: Padded(AtomicUsize::new(0)),
        tail: Padded(AtomicUsize::new(0)),
    });
    (Producer(ring.clone()), Consumer(ring))
}

impl<T> Producer<T> {
    /// Pushes `value`, or hands it back if the ring is full.
    #[inline]
    pub fn try_push(&mut self, value: T) -> Result<(), T> {
        let ring = &*self.0;
        let tail = ring.tail.0.load(Ordering::Relaxed);
        let head = ring.head.0.load(Ordering::Acquire);
        if tail.wrapping_sub(head) > ring.mask {
            return Err(value);
        }
        // SAFETY: `tail - head < capacity`, so the slot is not in `[head, tail)`: the
        // consumer is not reading it (its Acquire load of `head` saw the consumer's
        // read of the previous occupant finish), and only this (unique) producer writes.
        unsafe { (*ring.slots[tail & ring.mask].get()).write(value) };
        ring.tail.0.store(tail.wrapping_add(1), Ordering::Release);
        Ok(())
    }

    /// Pushes `value`, spinning while the ring is full.
    #[inline]
    pub fn push(&mut self, mut value: T) {
        while let Err(v) = self.try_push(value) {
            value = v;
            std::hint::spin_loop();
        }
    }
}

impl<T> Consumer<T> {
    /// Pops the oldest value, if any.
    #[inline]
    pub fn try_pop(&mut self) -> Option<T> {
        let ring = &*self.0;
        let head = ring.head.0.load(Ordering::Relaxed);
        let tail = ring.tail.0.load(Ordering::Acquire);
        if head == tail {
            return None;
        }
        // SAFETY: `head != tail`, so the slot was written by the producer (made visible
        // by the Acquire load of `tail`) and is read once, by this (unique) consumer,
        // before `head` moves past it.
        let value = unsafe { (*ring.slots[head & ring.mask].get()).assume_init_read() };
        ring.head.0.store(head.wrapping_add(1), Ordering::Release);
        Some(value)
    }

    /// Pops the oldest value, spinning while the ring is empty.
    #[inline]
    pub fn pop(&mut self) -> T {
        loop {
            if let Some(v) = self.try_pop() {
                return v;
            }
            std::hint::spin_loop();
        }
    }
}

/// Spawns `f` on a thread pinned to [`PINNED_CORE`] (best effort).
fn pinned<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> thread::JoinHandle<R> {
    thread::spawn(move || {
        if let Some(core) = core_affinity::get_core_ids()
            .and_then(|ids| ids.into_iter().find(|c| c.id == PINNED_CORE))
        {
            core_affinity::set_for_current(core);
        }
        f()
    })
}

/// Ring capacity for the burst: Mycelium's default mailbox capacity.
const CAPACITY: usize = mycelium::DEFAULT_CAPACITY;

/// One-way latency across cores: push a stamped `Arc<Tick>`, the consumer records
/// push-to-pop time, and the producer spins until it has before pushing the next
/// (the same protocol as [`crate::myc::one_way`]).
pub fn one_way(n: u64) -> Histogram<u64> {
    let (mut tx, mut rx) = ring::<(Instant, Arc<Tick>)>(CAPACITY);
    let received = Arc::new(AtomicU64::new(0));
    let count = received.clone();
    let consumer = pinned(move || {
        let mut h = histogram();
        for _ in 0..n {
            let (sent, _tick) = rx.pop();
            record(&mut h, sent.elapsed());
            count.fetch_add(1, Ordering::Release);
        }
        h
    });
    let tick = Arc::new(Tick::new(0));
    for i in 1..=n {
        tx.push((Instant::now(), tick.clone()));
        while received.load(Ordering::Acquire) < i {
            std::hint::spin_loop();
        }
    }
    consumer.join().expect("consumer thread")
}

/// Request-reply across cores: a `Tick` out on one ring, its `seq` back on another,
/// both sides spinning; one sample per round trip.
pub fn ask(n: u64) -> Histogram<u64> {
    let (mut req_tx, mut req_rx) = ring::<Tick>(CAPACITY);
    let (mut rep_tx, mut rep_rx) = ring::<u64>(CAPACITY);
    let server = pinned(move || {
        for _ in 0..n {
            let tick = req_rx.pop();
            rep_tx.push(tick.seq);
        }
    });
    let mut h = histogram();
    for i in 0..n {
        let start = Instant::now();
        req_tx.push(Tick::new(i));
        let seq = rep_rx.pop();
        record(&mut h, start.elapsed());
        debug_assert_eq!(seq, i);
    }
    server.join().expect("server thread");
    h
}

/// A burst of `n` fresh `Arc<Tick>`s across cores; time until the consumer has
/// counted them all.
pub fn tell(n: u64) -> Duration {
    let (mut tx, mut rx) = ring::<Arc<Tick>>(CAPACITY);
    let ready = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let (r, d) = (ready.clone(), done.clone());
    let consumer = pinned(move || {
        r.store(true, Ordering::Release);
        let mut sum = 0u64;
        for _ in 0..n {
            sum = sum.wrapping_add(rx.pop().seq);
        }
        d.store(true, Ordering::Release);
        sum
    });
    while !ready.load(Ordering::Acquire) {
        std::hint::spin_loop();
    }
    let start = Instant::now();
    for i in 0..n {
        tx.push(Arc::new(Tick::new(i)));
    }
    while !done.load(Ordering::Acquire) {
        std::hint::spin_loop();
    }
    let elapsed = start.elapsed();
    consumer.join().expect("consumer thread");
    elapsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_is_fifo_bounded_and_drops_leftovers() {
        let (mut tx, mut rx) = ring::<Arc<u32>>(3);
        let probe = Arc::new(0);
        for _ in 0..4 {
            tx.try_push(probe.clone()).expect("room");
        }
        assert!(tx.try_push(probe.clone()).is_err());
        assert!(rx.try_pop().is_some());
        tx.try_push(probe.clone()).expect("room again");
        drop((tx, rx));
        assert_eq!(Arc::strong_count(&probe), 1);
    }

    #[test]
    fn ring_across_threads() {
        let (mut tx, mut rx) = ring::<u64>(8);
        let t = thread::spawn(move || (0..10_000u64).map(|_| rx.pop()).collect::<Vec<_>>());
        for i in 0..10_000 {
            tx.push(i);
        }
        assert_eq!(t.join().unwrap(), (0..10_000).collect::<Vec<_>>());
    }
}
