//! Any sequence of inputs, journaled then replayed (from the latest snapshot and the
//! tail, across reopens at any point), gives the same books as applying them live
//! without a journal: open and finished orders, dedup state, positions and PnL, risk
//! counters, the simulated exchange's resting and scheduled orders, the barrier's
//! position. Orders of every type and option (FOK, post-only repriced, good-till-date,
//! reduce-only), amends and cancel-alls included.

mod common;

use common::*;
use mycelium_execution::{
    Books, Cancel, ClientOrderId, ExchangeConfig, ExecutionConfig, FeeSchedule, Input,
    JournalConfig, Journaled, Order, PostOnly, RiskLimits, StrategyId, TickStamp,
};
use mycelium_journal::Durability;
use mycelium_market_data::{
    DepthKind, DepthUpdate, Level, MarketTick, Quote, Side, TickEvent, Trade,
};
use proptest::prelude::*;

fn config() -> ExecutionConfig {
    ExecutionConfig {
        // Tight enough that some orders are rejected (each check's state is journaled
        // state too), and a short finished-order history so that it wraps.
        risk: RiskLimits {
            max_order_qty: 8.0,
            max_position: 12.0,
            max_orders_per_sec: 20,
            dedup_window: 16,
            ..loose_limits()
        },
        exchange: ExchangeConfig {
            order_latency_ns: 30,
            max_terminal_orders: 8,
            post_only: PostOnly::Reprice,
            ..Default::default()
        },
        fees: FeeSchedule { maker_bps: Some(-0.5), taker_bps: Some(2.0) },
        ..Default::default()
    }
}

/// One step of the generated run; times are offsets added to a running clock.
#[derive(Debug, Clone)]
enum Gen {
    Quote {
        dt: i64,
        bid: u8,
        spread: u8,
        bid_qty: u8,
        ask_qty: u8,
    },
    Trade {
        dt: i64,
        px: u8,
        qty: u8,
    },
    /// One depth level set (size 0 removes it); a snapshot replaces the levels.
    Depth {
        dt: i64,
        snapshot: bool,
        bid: bool,
        px: u8,
        qty: u8,
    },
    Order {
        strategy: u32,
        id: u8,
        buy: bool,
        kind: u8,
        qty: u8,
        px: u8,
    },
    /// `kind` 0: a cancel; 1: an amend to `qty` at `px`; 2: a cancel-all.
    Cancel {
        strategy: u32,
        id: u8,
        kind: u8,
        qty: u8,
        px: u8,
    },
    Advance {
        dt: i64,
    },
    Register {
        strategy: u32,
        live: bool,
    },
    Unregister {
        strategy: u32,
    },
    FeedRestart,
    /// Close the journal and open it again (recovery) before going on.
    Reopen,
}

fn gen() -> impl Strategy<Value = Gen> {
    prop_oneof![
        4 => (0..50i64, 90..110u8, 1..4u8, 0..6u8, 0..6u8).prop_map(|(dt, bid, spread, bid_qty, ask_qty)| Gen::Quote { dt, bid, spread, bid_qty, ask_qty }),
        2 => (0..50i64, 88..112u8, 1..5u8).prop_map(|(dt, px, qty)| Gen::Trade { dt, px, qty }),
        2 => (0..50i64, any::<bool>(), any::<bool>(), 85..115u8, 0..6u8).prop_map(|(dt, snapshot, bid, px, qty)| Gen::Depth { dt, snapshot, bid, px, qty }),
        5 => (1..3u32, 1..40u8, any::<bool>(), 0..7u8, 1..10u8, 88..112u8).prop_map(|(strategy, id, buy, kind, qty, px)| Gen::Order { strategy, id, buy, kind, qty, px }),
        3 => (1..3u32, 1..40u8, 0..3u8, 1..10u8, 88..112u8).prop_map(|(strategy, id, kind, qty, px)| Gen::Cancel { strategy, id, kind, qty, px }),
        1 => (0..200i64).prop_map(|dt| Gen::Advance { dt }),
        1 => (1..3u32, any::<bool>()).prop_map(|(strategy, live)| Gen::Register { strategy, live }),
        1 => (1..3u32).prop_map(|strategy| Gen::Unregister { strategy }),
        1 => Just(Gen::FeedRestart),
        1 => Just(Gen::Reopen),
    ]
}

/// Turns the generated steps into inputs (and reopen points), with a running clock.
fn inputs(steps: &[Gen]) -> Vec<Option<Input>> {
    let mut now = 1_000i64;
    let mut seq = 0u64;
    let tick = |seq: u64, ts: i64, event| MarketTick {
        symbol: sym(),
        seq,
        exchange_ts_ns: ts,
        local_ts_ns: ts,
        event,
    };
    steps
        .iter()
        .map(|g| {
            let stamp = TickStamp { exchange_ts_ns: now, seq };
            Some(match *g {
                Gen::Quote { dt, bid, spread, bid_qty, ask_qty } => {
                    now += dt;
                    seq += 1;
                    let bid_px = f64::from(bid);
                    let event = TickEvent::Quote(Quote {
                        bid_px,
                        bid_qty: f64::from(bid_qty),
                        ask_px: bid_px + f64::from(spread),
                        ask_qty: f64::from(ask_qty),
                        from_book: false,
                    });
                    Input::Tick { seq, tick: Some(tick(seq, now, event)) }
                }
                Gen::Trade { dt, px, qty } => {
                    now += dt;
                    seq += 1;
                    let event = TickEvent::Trade(Trade {
                        px: f64::from(px),
                        qty: f64::from(qty),
                        aggressor: None,
                    });
                    Input::Tick { seq, tick: Some(tick(seq, now, event)) }
                }
                Gen::Depth { dt, snapshot, bid, px, qty } => {
                    now += dt;
                    seq += 1;
                    let level = vec![Level { price: f64::from(px), qty: f64::from(qty) }];
                    let (bids, asks) = if bid { (level, vec![]) } else { (vec![], level) };
                    let kind = if snapshot { DepthKind::Snapshot } else { DepthKind::Diff };
                    let update = DepthUpdate { kind, ids: None, end_of_event: true, bids, asks };
                    let event = TickEvent::Depth(Box::new(update));
                    Input::Tick { seq, tick: Some(tick(seq, now, event)) }
                }
                Gen::Order { strategy, id, buy, kind, qty, px } => {
                    let (s, id) = (StrategyId(strategy), ClientOrderId(u64::from(id)));
                    let side = if buy { Side::Buy } else { Side::Sell };
                    let (qty, px) = (f64::from(qty), f64::from(px));
                    let limit = Order::limit(s, id, sym(), side, qty, px, stamp);
                    let order = match kind {
                        0 => limit,
                        1 => Order::ioc(s, id, sym(), side, qty, px, stamp),
                        2 => Order::fok(s, id, sym(), side, qty, px, stamp),
                        3 => limit.post_only(),
                        4 => limit.good_till(now + qty as i64 * 20),
                        5 => limit.reduce_only(),
                        _ => Order::market(s, id, sym(), side, qty, stamp),
                    };
                    Input::Step { strategy: s, seq, orders: vec![order], cancels: Vec::new() }
                }
                Gen::Cancel { strategy, id, kind, qty, px } => {
                    let (s, id) = (StrategyId(strategy), ClientOrderId(u64::from(id)));
                    let (qty, px) = (f64::from(qty), f64::from(px));
                    let cancel = match kind {
                        0 => Cancel::order(s, id, sym(), stamp),
                        1 => Cancel::amend(s, id, sym(), qty, px, stamp),
                        _ => Cancel::all(s, sym(), stamp),
                    };
                    Input::Step { strategy: s, seq, orders: Vec::new(), cancels: vec![cancel] }
                }
                Gen::Unregister { strategy } => {
                    Input::Unregister { strategy: StrategyId(strategy) }
                }
                Gen::Advance { dt } => {
                    now += dt;
                    Input::AdvanceTo(now)
                }
                Gen::Register { strategy, live } => {
                    Input::Register { strategy: StrategyId(strategy), live }
                }
                Gen::FeedRestart => Input::FeedRestart,
                Gen::Reopen => return None,
            })
        })
        .collect()
}

fn snapshot(books: &Books) -> Vec<u8> {
    books.snapshot().expect("books encode")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn journaled_then_replayed_gives_the_books_applied_live(
        steps in proptest::collection::vec(gen(), 1..160),
        snapshot_interval in prop_oneof![Just(0u64), 1..24u64],
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let journal = JournalConfig {
            dir: Some(dir.path().to_owned()),
            mode: Durability::Process,
            snapshot_interval,
        };
        let mut live = Books::new(config());
        let mut journaled = Journaled::<()>::open(&journal, &config()).expect("open");
        for input in inputs(&steps) {
            match input {
                Some(input) => {
                    let expected = live.apply(&input);
                    let got = journaled.record(input).expect("journaled");
                    prop_assert_eq!(got, expected, "the journaled books answered differently");
                    journaled.commit().expect("commit").for_each(drop);
                }
                None => {
                    journaled.close().expect("close");
                    journaled = Journaled::open(&journal, &config()).expect("reopen");
                    prop_assert!(
                        snapshot(journaled.books()) == snapshot(&live),
                        "books recovered mid-run differ from the live ones"
                    );
                }
            }
        }
        journaled.close().expect("close");
        let recovered = Journaled::<()>::open(&journal, &config()).expect("recover");
        let (got, want) = (recovered.books(), &live);
        prop_assert_eq!(got.engine().stats(), want.engine().stats());
        prop_assert_eq!(
            got.engine().positions().collect::<Vec<_>>(),
            want.engine().positions().collect::<Vec<_>>()
        );
        for s in [StrategyId(1), StrategyId(2)] {
            prop_assert_eq!(got.engine().open_orders(s), want.engine().open_orders(s));
            prop_assert_eq!(got.last_order_id(s), want.last_order_id(s));
        }
        prop_assert!(snapshot(got) == snapshot(want), "recovered books differ from the live ones");
    }
}

/// The comparison above can fail: books that saw one input more are not equal.
#[test]
fn books_that_saw_different_inputs_compare_unequal() {
    let mut a = Books::new(config());
    let b = Books::new(config());
    a.apply(&Input::Tick { seq: 1, tick: Some(quote(1_000, 99.0, 1.0, 101.0, 1.0)) });
    assert!(snapshot(&a) != snapshot(&b));
}

/// A journal replays under the config it was written with, whatever the config of
/// the start that reads it; that start's config rules what comes after.
#[test]
fn a_journal_replays_under_its_own_config() {
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = JournalConfig {
        dir: Some(dir.path().to_owned()),
        mode: Durability::Process,
        snapshot_interval: 0,
    };
    let mut live = Books::new(config());
    let mut journaled = Journaled::<()>::open(&journal, &config()).expect("open");
    let inputs = [
        Input::Tick { seq: 1, tick: Some(quote(1_000, 99.0, 5.0, 101.0, 5.0)) },
        // 9 lots: over config()'s max_order_qty of 8, rejected.
        Input::Step {
            strategy: S1,
            seq: 1,
            orders: vec![limit(1, Side::Buy, 9.0, 100.0, 1_000)],
            cancels: vec![],
        },
    ];
    for input in inputs {
        assert_eq!(journaled.record(input.clone()).expect("journaled"), live.apply(&input));
    }
    journaled.commit().expect("commit").for_each(drop);
    journaled.close().expect("close");

    let loose = ExecutionConfig { risk: loose_limits(), ..config() };
    let mut reopened = Journaled::<()>::open(&journal, &loose).expect("reopen");
    assert_eq!(reopened.books().engine().stats(), live.engine().stats());
    assert_eq!(reopened.books().engine().stats().rejects(), 1);
    let step = Input::Step {
        strategy: S1,
        seq: 2,
        orders: vec![limit(2, Side::Buy, 9.0, 100.0, 1_000)],
        cancels: vec![],
    };
    let after = reopened.record(step).unwrap();
    assert_eq!(after[0].status, mycelium_execution::OrderStatus::Accepted, "the new config rules");
}
