//! Admission: the handshakes in progress on a node, bounded in all and per source.
//!
//! A connection over a bound is not refused: the oldest pending handshake is
//! dropped in its place (of its source when that source is at its bound, else of
//! all), and one whose peer has not even sent its `Hello` goes before one that has.
//! A peer that knows the secret finishes its handshake in a few round trips, long
//! before it could become the oldest of hundreds, so a flood of stalled or
//! reconnecting sockets churns through its own slots and cannot keep it out. While
//! the table is more than half full, new handshakes also get a shorter deadline.
//! Each pending handshake holds one socket: the table bounds the descriptors and
//! the memory a flood can take.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::cell::lock;

/// Deadline of a handshake admitted while the table is more than half full.
pub(crate) const PRESSURE_DEADLINE: Duration = Duration::from_millis(250);

/// Where a connection comes from, for the per-source bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Source {
    /// A TCP peer's address.
    Ip(IpAddr),
    /// A local process, from its Unix socket credentials.
    Process { uid: u32, pid: i32 },
    /// Unknown (credentials unavailable).
    Unknown,
}

struct Entry {
    source: Source,
    /// The peer's `Hello` has been read.
    greeted: bool,
    evict: CancellationToken,
}

#[derive(Default)]
struct Table {
    next_id: u64,
    /// By admission order: the first is the oldest.
    entries: BTreeMap<u64, Entry>,
    per_source: HashMap<Source, usize>,
}

/// Admission's figures.
#[derive(Default)]
pub(crate) struct AdmissionCounters {
    pub(crate) completed: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) evicted: AtomicU64,
}

pub(crate) struct Admission {
    table: Mutex<Table>,
    max_total: usize,
    max_per_source: usize,
    pub(crate) counters: AdmissionCounters,
}

/// A pending handshake's place in the table: freed when dropped.
pub(crate) struct Ticket {
    admission: Arc<Admission>,
    id: u64,
    /// Cancelled when the handshake is evicted: drop the connection.
    pub(crate) evicted: CancellationToken,
    /// Admitted while the table was more than half full.
    pub(crate) under_pressure: bool,
}

impl Admission {
    pub(crate) fn new(max_total: usize, max_per_source: usize) -> Self {
        Self {
            table: Mutex::new(Table::default()),
            max_total: max_total.max(1),
            max_per_source: max_per_source.max(1),
            counters: AdmissionCounters::default(),
        }
    }

    /// Admits a connection from `source`, evicting the oldest pending handshake (of
    /// that source if it is at its bound, else of all if the table is full).
    pub(crate) fn admit(self: &Arc<Self>, source: Source) -> Ticket {
        let mut table = lock(&self.table);
        if table.per_source.get(&source).copied().unwrap_or(0) >= self.max_per_source {
            self.evict_oldest(&mut table, Some(source));
        }
        if table.entries.len() >= self.max_total {
            self.evict_oldest(&mut table, None);
        }
        let under_pressure = table.entries.len() >= self.max_total / 2;
        let id = table.next_id;
        table.next_id += 1;
        let evicted = CancellationToken::new();
        table.entries.insert(id, Entry { source, greeted: false, evict: evicted.clone() });
        *table.per_source.entry(source).or_default() += 1;
        Ticket { admission: self.clone(), id, evicted, under_pressure }
    }

    /// Drops the oldest pending handshake (of `source`, if given) whose peer has not
    /// sent its `Hello`, or failing that the oldest of all.
    fn evict_oldest(&self, table: &mut Table, source: Option<Source>) {
        let mine = |e: &Entry| source.is_none_or(|s| e.source == s);
        let victim = table
            .entries
            .iter()
            .find(|(_, e)| mine(e) && !e.greeted)
            .or_else(|| table.entries.iter().find(|(_, e)| mine(e)))
            .map(|(id, _)| *id);
        if let Some(id) = victim {
            if let Some(entry) = Self::remove(table, id) {
                entry.evict.cancel();
                self.counters.evicted.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn remove(table: &mut Table, id: u64) -> Option<Entry> {
        let entry = table.entries.remove(&id)?;
        if let Some(n) = table.per_source.get_mut(&entry.source) {
            *n -= 1;
            if *n == 0 {
                table.per_source.remove(&entry.source);
            }
        }
        Some(entry)
    }

    /// Handshakes in progress now.
    pub(crate) fn pending(&self) -> usize {
        lock(&self.table).entries.len()
    }
}

impl Ticket {
    /// The peer's `Hello` has been read: it is getting somewhere, and is evicted
    /// only after every pending handshake that is not.
    pub(crate) fn greeted(&self) {
        if let Some(entry) = lock(&self.admission.table).entries.get_mut(&self.id) {
            entry.greeted = true;
        }
    }

    /// The deadline this handshake gets, for a configured `timeout`.
    pub(crate) fn deadline(&self, timeout: Duration) -> Duration {
        if self.under_pressure {
            timeout.min(PRESSURE_DEADLINE)
        } else {
            timeout
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        Admission::remove(&mut lock(&self.admission.table), self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u8) -> Source {
        Source::Ip(IpAddr::from([10, 0, 0, n]))
    }

    #[test]
    fn a_full_table_evicts_the_oldest_stalled_handshake_first() {
        let admission = Arc::new(Admission::new(3, 3));
        let first = admission.admit(ip(1));
        first.greeted();
        let second = admission.admit(ip(2));
        let third = admission.admit(ip(3));
        let fourth = admission.admit(ip(4));
        // The first is the oldest, but it has sent its Hello: the second goes.
        assert!(!first.evicted.is_cancelled());
        assert!(second.evicted.is_cancelled());
        assert!(!third.evicted.is_cancelled() && !fourth.evicted.is_cancelled());
        assert_eq!(admission.pending(), 3);
        assert_eq!(admission.counters.evicted.load(Ordering::Relaxed), 1);
        // Greeted ones go last, oldest first.
        third.greeted();
        fourth.greeted();
        let fifth = admission.admit(ip(5));
        assert!(first.evicted.is_cancelled());
        assert!(!fifth.evicted.is_cancelled());
    }

    #[test]
    fn a_source_at_its_bound_evicts_its_own_oldest_not_others() {
        let admission = Arc::new(Admission::new(10, 2));
        let other = admission.admit(ip(9));
        let a = admission.admit(ip(1));
        let b = admission.admit(ip(1));
        let c = admission.admit(ip(1));
        assert!(a.evicted.is_cancelled());
        assert!(!b.evicted.is_cancelled() && !c.evicted.is_cancelled());
        assert!(!other.evicted.is_cancelled());
        assert_eq!(admission.pending(), 3);
    }

    #[test]
    fn a_dropped_ticket_frees_its_place_and_pressure_shortens_deadlines() {
        let admission = Arc::new(Admission::new(4, 4));
        let tickets: Vec<_> = (0..2).map(|n| admission.admit(ip(n))).collect();
        let late = admission.admit(ip(7));
        assert!(!tickets[0].under_pressure);
        assert!(late.under_pressure);
        assert_eq!(late.deadline(Duration::from_secs(2)), PRESSURE_DEADLINE);
        drop(tickets);
        drop(late);
        assert_eq!(admission.pending(), 0);
        assert!(lock(&admission.table).per_source.is_empty());
    }
}
