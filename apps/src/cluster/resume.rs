//! A strategy node that restarts resumes the feed where its strategies left off, so
//! that no tick is lost to it and none is handled twice:
//!
//! - the feed node keeps the last [`RING_TICKS`] ticks sent to each strategy node
//!   ([`TickRing`], filled by its forwarder), and its [`TickReplay`] (exposed as
//!   `feed`) sends again those after a sequence the node asks for;
//! - the restarted node asks after the last tick its strategies replayed from
//!   execution's journal, and its ingress hands ticks to the hosts in sequence order
//!   from there ([`InOrder`]): the replayed ones and the live ones interleave on the
//!   way, and each is handed over once. The ingress takes ticks (holding those out of
//!   order) before the feed's node has answered: the answer comes over the same link
//!   as the ticks, which must keep flowing for it to arrive.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use mycelium::{Actor, ActorError, ActorRef, Context};
use mycelium_market_data::FeedTick;

use super::wire::{Clock, FeedWire, TickWire};

/// Ticks kept per strategy node: about 20 s at 3,000 ticks/s, 1.3 s at 50,000. A node
/// down longer than that loses what the ring no longer holds, and says so.
pub const RING_TICKS: usize = 1 << 16;

/// The last [`RING_TICKS`] ticks sent (or dropped while unreachable) to one strategy
/// node, oldest first.
#[derive(Clone, Default)]
pub struct TickRing(Arc<Mutex<VecDeque<Arc<FeedTick>>>>);

impl TickRing {
    /// Keeps `tick`, forgetting the oldest one when full.
    pub fn push(&self, tick: &Arc<FeedTick>) {
        let mut ring = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if ring.len() == RING_TICKS {
            ring.pop_front();
        }
        ring.push_back(tick.clone());
    }

    /// The ticks after `after`, in order.
    fn after(&self, after: u64) -> Vec<Arc<FeedTick>> {
        let ring = self.0.lock().unwrap_or_else(|p| p.into_inner());
        ring.iter().filter(|t| t.seq > after).cloned().collect()
    }
}

/// Each strategy node's ingress and ring, by node name: filled as forwarders start.
pub type Rings = Arc<Mutex<HashMap<String, (ActorRef<TickWire>, TickRing)>>>;

/// The feed node's `feed`: sends a restarted strategy node the ticks it asks for
/// again, from its ring.
pub struct TickReplay {
    /// The rings, by strategy node.
    pub rings: Rings,
    /// The anchor for timestamps.
    pub clock: Clock,
}

impl Actor for TickReplay {
    type Msg = FeedWire;

    async fn handle(&mut self, msg: FeedWire, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        let FeedWire::Resume { node, after, reply } = msg;
        let found = self.rings.lock().unwrap_or_else(|p| p.into_inner()).get(&node).cloned();
        let Some((ingress, ring)) = found else {
            // No tick was sent to that node yet: it misses nothing.
            let _ = reply.send(None);
            return Ok(());
        };
        let ticks = ring.after(after);
        // Answered first: the node's ingress holds what arrives until it has the answer.
        let _ = reply.send(ticks.first().map(|t| t.seq));
        tracing::info!(%node, after, ticks = ticks.len(), "sending a restarted strategy node its ticks again");
        for tick in ticks {
            let wire = TickWire::Tick {
                seq: tick.seq,
                tick: tick.tick.clone(),
                scheduled_ns: self.clock.to_unix(tick.scheduled),
            };
            if let Err(e) = ingress.send(wire).await {
                tracing::warn!(%node, error = %e, "ticks not sent again: the node is gone");
                break;
            }
        }
        Ok(())
    }
}

/// Hands ticks on in sequence order from a starting point: earlier ones (already
/// handled) are dropped, later ones held until the gap before them fills. At most
/// [`RING_TICKS`] are held: past that, the missing ones are not coming (the feed no
/// longer had them) and are reported lost.
pub struct InOrder {
    next: u64,
    held: BTreeMap<u64, Arc<FeedTick>>,
}

impl InOrder {
    /// Expects `next` first.
    pub fn from(next: u64) -> Self {
        Self { next, held: BTreeMap::new() }
    }

    /// The last tick handed on.
    pub fn through(&self) -> u64 {
        self.next - 1
    }

    /// Takes `tick`, and adds to `ready`, in order, the ticks it makes ready: it
    /// if it is the next, then those held after it.
    pub fn accept(&mut self, tick: Arc<FeedTick>, ready: &mut Vec<Arc<FeedTick>>) {
        if tick.seq == self.next && self.held.is_empty() {
            // The usual case once caught up: nothing to hold or look up.
            self.next += 1;
            ready.push(tick);
            return;
        }
        if tick.seq >= self.next {
            self.held.insert(tick.seq, tick);
        }
        match self.held.keys().next() {
            Some(&first) if self.held.len() > RING_TICKS => self.skip_to(first, ready),
            _ => self.drain(ready),
        }
    }

    /// Gives up waiting for the ticks before `seq` (the feed no longer holds them),
    /// saying so, and adds to `ready` those now ready.
    pub fn skip_to(&mut self, seq: u64, ready: &mut Vec<Arc<FeedTick>>) {
        if seq > self.next {
            tracing::error!(
                from = self.next,
                to = seq - 1,
                "ticks lost to this node: the feed no longer held them"
            );
            self.next = seq;
        }
        self.drain(ready);
    }

    fn drain(&mut self, ready: &mut Vec<Arc<FeedTick>>) {
        while let Some(tick) = self.held.remove(&self.next) {
            self.next += 1;
            ready.push(tick);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use mycelium_market_data::{MarketTick, Symbol, TickEvent, Trade};

    use super::*;

    fn tick(seq: u64) -> Arc<FeedTick> {
        let symbol = Symbol::new("SYN0").expect("symbol");
        let event = TickEvent::Trade(Trade { px: 1.0, qty: 1.0, aggressor: None });
        let tick = MarketTick { symbol, seq, exchange_ts_ns: 0, local_ts_ns: 0, event };
        Arc::new(FeedTick { seq, tick, ingress: Instant::now(), scheduled: Instant::now() })
    }

    fn seqs(ticks: Vec<Arc<FeedTick>>) -> Vec<u64> {
        ticks.iter().map(|t| t.seq).collect()
    }

    /// Feeds `order` the ticks `seqs`; what it handed on, in order.
    fn handed_on(order: &mut InOrder, arriving: impl IntoIterator<Item = u64>) -> Vec<u64> {
        let mut ready = Vec::new();
        for seq in arriving {
            order.accept(tick(seq), &mut ready);
        }
        seqs(ready)
    }

    #[test]
    fn interleaved_resent_and_live_ticks_are_handed_on_once_in_order() {
        let mut order = InOrder::from(5);
        // Live ticks from 9 on, the resent ones 3..=10 (two already handled).
        let out = handed_on(&mut order, [9, 3, 10, 4, 5, 11, 6, 7, 8, 9, 10, 12]);
        assert_eq!(out, (5..=12).collect::<Vec<_>>());
        assert_eq!(order.through(), 12);
    }

    #[test]
    fn a_gap_the_feed_cannot_fill_is_skipped_once_the_hold_is_full() {
        let mut order = InOrder::from(1);
        let out = handed_on(&mut order, 3..=(RING_TICKS as u64 + 3));
        assert_eq!(out.first(), Some(&3), "1 and 2 are lost, the rest handed on");
        assert_eq!(out.len(), RING_TICKS + 1);
    }

    #[test]
    fn the_ring_keeps_the_newest_ticks() {
        let ring = TickRing::default();
        for seq in 1..=(RING_TICKS as u64 + 10) {
            ring.push(&tick(seq));
        }
        assert_eq!(seqs(ring.after(0)).first(), Some(&11));
        assert_eq!(
            seqs(ring.after(RING_TICKS as u64 + 8)),
            [RING_TICKS as u64 + 9, RING_TICKS as u64 + 10]
        );
    }
}
