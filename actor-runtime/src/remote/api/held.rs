//! Frames held for names a node has reserved but not exposed yet
//! ([`Node::reserve`](crate::Node::reserve)): a node that must be linked to its peers
//! before it can make the actors it serves refuses nothing sent to them meanwhile.
//!
//! Each link keeps its own held frames, in the order they came, until a task of its
//! own (started when the first frame is held) delivers them once their name is
//! exposed, or refuses them once it is withdrawn. While a name has frames held on a
//! link, later frames from that link to it are held behind them, so order holds.
//! Held bytes count against a bound per link (the outbound byte bound): past it the
//! link's reader waits, as it does for a full mailbox.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rkyv::util::AlignedVec;
use tokio::sync::Notify;

use crate::cell::lock;
use crate::remote::codec::frame::FrameHeader;

/// A frame held, with its payload copied into an aligned buffer of its own, and
/// the name it was sent to (for a refusal after the name is withdrawn).
pub(crate) struct HeldFrame {
    pub(crate) header: FrameHeader,
    pub(crate) payload: AlignedVec,
    pub(crate) name: String,
}

#[derive(Default)]
struct State {
    frames: VecDeque<HeldFrame>,
    bytes: usize,
    /// The target of the frame being delivered, taken out of `frames`.
    in_flight: Option<u64>,
    /// A task is delivering the held frames.
    draining: bool,
}

#[derive(Default)]
pub(crate) struct Held {
    state: Mutex<State>,
    /// Frames held or in flight: read without the lock for every frame the reader
    /// dispatches.
    count: AtomicUsize,
    /// Wakes the reader waiting for room.
    pub(crate) room: Notify,
    /// Wakes the delivering task: a frame was held.
    pub(crate) more: Notify,
}

impl Held {
    /// Whether nothing is held: the reader's fast path.
    pub(crate) fn is_empty(&self) -> bool {
        self.count.load(Ordering::Acquire) == 0
    }

    /// Frames held now (the one being delivered included).
    pub(crate) fn len(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    /// Whether frames to the name hashing to `target` are held or being delivered:
    /// later ones to it must wait behind them.
    pub(crate) fn holds(&self, target: u64) -> bool {
        let st = lock(&self.state);
        st.in_flight == Some(target) || st.frames.iter().any(|f| f.header.target == target)
    }

    pub(crate) fn bytes(&self) -> usize {
        lock(&self.state).bytes
    }

    /// Holds a frame; true if no task delivers held frames yet and one must start.
    pub(crate) fn push(&self, header: FrameHeader, payload: &[u8], name: String) -> bool {
        let mut copy = AlignedVec::with_capacity(payload.len());
        copy.extend_from_slice(payload);
        let start = {
            let mut st = lock(&self.state);
            st.bytes += copy.len();
            st.frames.push_back(HeldFrame { header, payload: copy, name });
            self.count.fetch_add(1, Ordering::AcqRel);
            !std::mem::replace(&mut st.draining, true)
        };
        self.more.notify_one();
        start
    }

    /// Takes the first frame whose target `ready` accepts (a name no longer
    /// reserved), marking it in flight until [`delivered`](Self::delivered).
    ///
    /// Each target is judged once, at its first frame: the name can be exposed while
    /// the scan runs, and a later frame to it must not go before an earlier one judged
    /// not ready.
    pub(crate) fn take_ready(&self, ready: impl Fn(u64) -> bool) -> Option<HeldFrame> {
        let mut st = lock(&self.state);
        let mut waiting = Vec::new();
        let at = st.frames.iter().position(|f| {
            let target = f.header.target;
            if waiting.contains(&target) {
                return false;
            }
            let go = ready(target);
            if !go {
                waiting.push(target);
            }
            go
        })?;
        let frame = st.frames.remove(at)?;
        st.in_flight = Some(frame.header.target);
        Some(frame)
    }

    /// The frame in flight is delivered (or refused).
    pub(crate) fn delivered(&self, frame: HeldFrame) {
        {
            let mut st = lock(&self.state);
            st.in_flight = None;
            st.bytes -= frame.payload.len();
        }
        self.count.fetch_sub(1, Ordering::AcqRel);
        self.room.notify_waiters();
    }

    /// The delivering task stops if nothing is held; true if it did.
    pub(crate) fn stop_if_empty(&self) -> bool {
        let mut st = lock(&self.state);
        if st.frames.is_empty() {
            st.draining = false;
        }
        !st.draining
    }

    /// Takes every frame held (the node shuts down, or the link is reclaimed).
    pub(crate) fn take_all(&self) -> Vec<HeldFrame> {
        let frames: Vec<_> = {
            let mut st = lock(&self.state);
            st.bytes = 0;
            st.frames.drain(..).collect()
        };
        self.count.fetch_sub(frames.len(), Ordering::AcqRel);
        self.room.notify_waiters();
        frames
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::remote::codec::frame::FrameKind;

    fn header(target: u64, sequence: u64) -> FrameHeader {
        FrameHeader { target, sequence, ..FrameHeader::new(FrameKind::Tell) }
    }

    #[test]
    fn a_name_exposed_during_the_scan_never_lets_a_later_frame_go_first() {
        let held = Held::default();
        for (target, sequence) in [(7, 1), (7, 2), (9, 3)] {
            held.push(header(target, sequence), &[0; 16], String::new());
        }
        // Target 7 is judged not ready at its first frame, then exposed mid-scan.
        let calls = Cell::new(0);
        let ready = |target: u64| {
            calls.set(calls.get() + 1);
            target == 9 || calls.get() > 1
        };
        let first = held.take_ready(ready).expect("the frame to 9 is ready");
        assert_eq!(first.header.sequence, 3, "not the second frame to 7");
        held.delivered(first);
        let next = held.take_ready(|_| true).expect("7 is exposed now");
        assert_eq!(next.header.sequence, 1);
    }
}
