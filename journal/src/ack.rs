//! [`AckQueue`]: acknowledgements held until the journal's watermark passes their record.

use std::collections::VecDeque;

/// Acknowledgements (replies, callbacks, anything) each held back until the record
/// they acknowledge is durable. The writer appends a record, acts on it, parks its
/// acknowledgements here under the record's sequence, and releases them whenever
/// [`Journal::durable_through`](crate::Journal::durable_through) moves.
#[derive(Debug)]
pub struct AckQueue<A> {
    queue: VecDeque<(u64, A)>,
}

impl<A> Default for AckQueue<A> {
    fn default() -> Self {
        AckQueue { queue: VecDeque::new() }
    }
}

impl<A> AckQueue<A> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Holds `ack` until record `seq` is durable. Sequences must not decrease (records
    /// are appended in order); several acknowledgements may share one.
    pub fn hold(&mut self, seq: u64, ack: A) {
        debug_assert!(self.queue.back().is_none_or(|(s, _)| *s <= seq), "acks held out of order");
        self.queue.push_back((seq, ack));
    }

    /// Removes and returns, oldest first, every acknowledgement whose record is at or
    /// below `durable_through`.
    pub fn release(&mut self, durable_through: u64) -> impl Iterator<Item = A> + '_ {
        let n = self.queue.partition_point(|(s, _)| *s <= durable_through);
        self.queue.drain(..n).map(|(_, a)| a)
    }

    /// Acknowledgements still held.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}
