//! The message slots of a spinning receiver's queue: a bounded ring, many senders, one
//! receiver, no lock (the stamped-slot design of crossbeam's `ArrayQueue`, with one
//! reader and a closed bit).
//!
//! # Why
//! A receiver on its own core that polls without pause pays for every cache line a
//! message makes cross between the cores. Behind the queue's mutex a message moves
//! about seven: the lock's line to the sender and back, the queue's slot and its
//! length count each way. Here a send claims a slot with one compare-and-swap on the
//! tail (a line the senders keep among themselves), writes the message and the slot's
//! stamp; the receiver reads the stamp and the message, and stamps the slot free for
//! the next lap. The slot's line crosses once each way.
//!
//! # Stamps
//! A position is a lap and an index: `lap + index`, the lap a multiple of `one_lap`
//! (the power of two above the capacity), so moving on never divides. A slot's stamp
//! is the position that may write it next (free), or that position plus one (written,
//! unread). The senders' tail and the receiver's head are positions.
//!
//! # Closing
//! The tail's top bit closes the ring: a sender that finds it set gets its message
//! back, and one that claimed a slot before it was set has its message read (a claim
//! is a compare-and-swap on the whole tail, so it lands before the close or fails).
//! A claimed slot may be a moment away from written; [`Ring::has_claimed`] tells the
//! receiver that more is coming, so a drain waits for it instead of losing it.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

/// The tail's closed bit. Positions stay below it: laps wrap within the other bits.
const CLOSED: usize = 1 << (usize::BITS - 1);

/// Why a push was refused; the message is handed back.
pub(crate) enum Refused<M> {
    Full(M),
    Closed(M),
}

/// A slot starts a cache line of its own: a message and its stamp then cross between
/// the cores as one line (for messages up to 56 bytes) instead of straddling two.
#[repr(align(64))]
struct Slot<M> {
    stamp: AtomicUsize,
    msg: UnsafeCell<MaybeUninit<M>>,
}

/// Keeps the senders' tail and the receiver's head on lines of their own.
#[repr(align(128))]
struct Padded(AtomicUsize);

/// The receiver's line: its head, and whether it has closed the ring (only it does),
/// so that its every empty poll need not read the tail, a line the senders write:
/// that look would pull the line away from them on each message.
#[repr(align(128))]
struct HeadLine {
    head: AtomicUsize,
    closed: AtomicBool,
}

pub(crate) struct Ring<M> {
    slots: Box<[Slot<M>]>,
    /// Each slot's push time, for a timed ring (empty otherwise); guarded by the
    /// slot's stamp like the message.
    times: Box<[UnsafeCell<MaybeUninit<Instant>>]>,
    capacity: usize,
    one_lap: usize,
    timed: bool,
    /// The next position to claim, and the closed bit. Written by senders.
    tail: Padded,
    /// The next position to read. Written only by the receiver.
    head: HeadLine,
}

// SAFETY: a slot's message is written by the one sender whose compare-and-swap
// claimed its position, before the Release store of the "written" stamp, and read by
// the one receiver after an Acquire load of that stamp, before its Release store of
// the "free" stamp, which the next lap's sender loads with Acquire before writing.
// So no two threads touch a slot's cells at once, and values of `M` move between
// threads: `M: Send`.
unsafe impl<M: Send> Sync for Ring<M> {}

impl<M> Ring<M> {
    pub(crate) fn new(capacity: usize, timed: bool) -> Self {
        let capacity = capacity.max(1);
        let one_lap = (capacity + 1).next_power_of_two();
        let slots = (0..capacity)
            .map(|i| Slot {
                stamp: AtomicUsize::new(i),
                msg: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        let times = (0..if timed { capacity } else { 0 })
            .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
            .collect();
        Self {
            slots,
            times,
            capacity,
            one_lap,
            timed,
            tail: Padded(AtomicUsize::new(0)),
            head: HeadLine { head: AtomicUsize::new(0), closed: AtomicBool::new(false) },
        }
    }

    /// The position after `pos`.
    #[inline]
    fn after(&self, pos: usize) -> usize {
        let index = pos & (self.one_lap - 1);
        if index + 1 < self.capacity {
            pos + 1
        } else {
            (pos & !(self.one_lap - 1)).wrapping_add(self.one_lap) & !CLOSED
        }
    }

    /// The free stamp a slot read at `pos` gets: the position of its next lap.
    #[inline]
    fn next_lap(&self, pos: usize) -> usize {
        pos.wrapping_add(self.one_lap) & !CLOSED
    }

    /// How many positions come before `pos`: lap after lap of `capacity` slots.
    #[inline]
    fn count(&self, pos: usize) -> u64 {
        let laps = (pos >> self.one_lap.trailing_zeros()) as u64;
        laps * self.capacity as u64 + (pos & (self.one_lap - 1)) as u64
    }

    /// Queues `msg` (any thread) and returns its position: the how-manieth message
    /// the ring took (from 1).
    pub(crate) fn push(&self, msg: M) -> Result<u64, Refused<M>> {
        let mut tail = self.tail.0.load(Ordering::Relaxed);
        loop {
            if tail & CLOSED != 0 {
                return Err(Refused::Closed(msg));
            }
            let index = tail & (self.one_lap - 1);
            let slot = &self.slots[index];
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == tail {
                let claimed = self.tail.0.compare_exchange_weak(
                    tail,
                    self.after(tail),
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                );
                match claimed {
                    Ok(_) => {
                        // SAFETY: our compare-and-swap claimed this position, and the
                        // slot's free stamp (Acquire) says its last reader is done: no
                        // one else touches the slot until we stamp it written.
                        unsafe {
                            (*slot.msg.get()).write(msg);
                            if self.timed {
                                (*self.times[index].get()).write(Instant::now());
                            }
                        }
                        slot.stamp.store(tail + 1, Ordering::Release);
                        return Ok(self.count(tail) + 1);
                    }
                    Err(current) => tail = current,
                }
            } else if self.next_lap(stamp) == tail + 1 {
                // The slot still holds last lap's message: full, unless the head
                // moved since (then look again).
                fence(Ordering::SeqCst);
                if self.next_lap(self.head.head.load(Ordering::Relaxed)) == tail {
                    return Err(Refused::Full(msg));
                }
                tail = self.tail.0.load(Ordering::Relaxed);
            } else {
                // Another sender claimed this position and has not moved the tail
                // past it in our view yet.
                std::hint::spin_loop();
                tail = self.tail.0.load(Ordering::Relaxed);
            }
        }
    }

    /// Whether the oldest position is written: `pop` would return it. Only the
    /// receiver calls this.
    pub(crate) fn ready(&self) -> bool {
        let head = self.head.head.load(Ordering::Relaxed);
        self.slots[head & (self.one_lap - 1)].stamp.load(Ordering::Acquire) == head + 1
    }

    /// The oldest written message and its push time (timed rings). Only the receiver
    /// calls this.
    pub(crate) fn pop(&self) -> Option<(M, Option<Instant>)> {
        let head = self.head.head.load(Ordering::Relaxed);
        let index = head & (self.one_lap - 1);
        let slot = &self.slots[index];
        if slot.stamp.load(Ordering::Acquire) != head + 1 {
            return None;
        }
        // SAFETY: the written stamp (Acquire) says the claiming sender has finished
        // writing, and only this receiver reads, once, before stamping the slot free.
        let popped = unsafe {
            let msg = (*slot.msg.get()).assume_init_read();
            let at = self.timed.then(|| (*self.times[index].get()).assume_init_read());
            (msg, at)
        };
        slot.stamp.store(self.next_lap(head), Ordering::Release);
        self.head.head.store(self.after(head), Ordering::Release);
        Some(popped)
    }

    /// Closes the ring to senders; what was claimed before can still be popped. Only
    /// the receiver calls this.
    pub(crate) fn close(&self) {
        self.head.closed.store(true, Ordering::Relaxed);
        self.tail.0.fetch_or(CLOSED, Ordering::SeqCst);
    }

    /// Closes the ring to senders, leaving the receiver's view alone: for the sending
    /// side, while an instance holds the receiver.
    pub(crate) fn close_to_senders(&self) {
        self.tail.0.fetch_or(CLOSED, Ordering::SeqCst);
    }

    /// Takes messages again after [`close_to_senders`](Self::close_to_senders).
    pub(crate) fn reopen(&self) {
        if !self.closed_by_receiver() {
            self.tail.0.fetch_and(!CLOSED, Ordering::SeqCst);
        }
    }

    /// How many messages the receiver has popped: the position of the last one.
    pub(crate) fn handed_out(&self) -> u64 {
        self.count(self.head.head.load(Ordering::Relaxed))
    }

    /// Whether the receiver has closed the ring, read from its own line.
    pub(crate) fn closed_by_receiver(&self) -> bool {
        self.head.closed.load(Ordering::Relaxed)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.tail.0.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Whether a position past the head is claimed: a message is written or about to
    /// be, though `pop` may not see it yet.
    pub(crate) fn has_claimed(&self) -> bool {
        self.tail.0.load(Ordering::Acquire) & !CLOSED != self.head.head.load(Ordering::Relaxed)
    }

    /// Claimed positions not yet read.
    pub(crate) fn len(&self) -> usize {
        loop {
            let tail = self.tail.0.load(Ordering::SeqCst) & !CLOSED;
            let head = self.head.head.load(Ordering::SeqCst);
            if self.tail.0.load(Ordering::SeqCst) & !CLOSED != tail {
                continue;
            }
            let (hix, tix) = (head & (self.one_lap - 1), tail & (self.one_lap - 1));
            return if hix < tix {
                tix - hix
            } else if hix > tix {
                self.capacity - hix + tix
            } else if tail == head {
                0
            } else {
                self.capacity
            };
        }
    }
}

impl<M> Drop for Ring<M> {
    fn drop(&mut self) {
        // `&mut self`: every sender and the receiver are gone; drop what is unread.
        let mut head = *self.head.head.get_mut();
        let tail = *self.tail.0.get_mut() & !CLOSED;
        while head != tail {
            let slot = &mut self.slots[head & (self.one_lap - 1)];
            if *slot.stamp.get_mut() == head + 1 {
                // SAFETY: stamped written and not read (the head has not passed it).
                unsafe { slot.msg.get_mut().assume_init_drop() };
            }
            head = self.after(head);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    use super::*;

    #[test]
    fn holds_exactly_its_capacity_across_laps() {
        for capacity in [1, 2, 3, 5, 8] {
            let ring = Ring::new(capacity, false);
            for lap in 0..4u32 {
                for i in 0..capacity as u32 {
                    assert!(ring.push(lap * 100 + i).is_ok(), "capacity {capacity}");
                }
                assert!(matches!(ring.push(999), Err(Refused::Full(999))));
                assert_eq!(ring.len(), capacity);
                for i in 0..capacity as u32 {
                    assert_eq!(ring.pop().map(|(m, _)| m), Some(lap * 100 + i));
                }
                assert!(ring.pop().is_none());
                assert_eq!(ring.len(), 0);
            }
        }
    }

    #[test]
    fn a_closed_ring_refuses_pushes_and_still_hands_out_what_it_holds() {
        let ring = Ring::new(4, true);
        assert!(ring.push(1).is_ok());
        ring.close();
        assert!(ring.is_closed());
        assert!(matches!(ring.push(2), Err(Refused::Closed(2))));
        let (msg, at) = ring.pop().expect("queued before the close");
        assert_eq!(msg, 1);
        assert!(at.is_some(), "a timed ring stamps each push");
        assert!(!ring.has_claimed());
    }

    /// Counts drops, so a lost or doubled message shows.
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn dropping_the_ring_drops_each_unread_message_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let ring = Ring::new(3, false);
        for _ in 0..3 {
            assert!(ring.push(Counted(drops.clone())).is_ok());
        }
        drop(ring.pop());
        drop(ring);
        assert_eq!(drops.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn four_threads_lose_and_double_nothing() {
        const PER_SENDER: u64 = 50_000;
        let ring = Arc::new(Ring::<(u64, u64)>::new(64, false));
        let senders: Vec<_> = (0..4u64)
            .map(|s| {
                let ring = ring.clone();
                std::thread::spawn(move || {
                    for i in 0..PER_SENDER {
                        let mut msg = (s, i);
                        loop {
                            match ring.push(msg) {
                                Ok(_) => break,
                                Err(Refused::Full(m)) => {
                                    msg = m;
                                    std::thread::yield_now();
                                }
                                Err(Refused::Closed(_)) => panic!("never closed"),
                            }
                        }
                    }
                })
            })
            .collect();
        let mut next = [0u64; 4];
        let mut got = 0;
        let deadline = Instant::now() + std::time::Duration::from_secs(60);
        while got < 4 * PER_SENDER {
            assert!(Instant::now() < deadline, "the receiver stalled at {got}");
            match ring.pop() {
                Some(((s, i), _)) => {
                    assert_eq!(i, next[s as usize], "FIFO per sender");
                    next[s as usize] += 1;
                    got += 1;
                }
                None => std::thread::yield_now(),
            }
        }
        for s in senders {
            s.join().expect("sender");
        }
        assert!(ring.pop().is_none());
    }
}
