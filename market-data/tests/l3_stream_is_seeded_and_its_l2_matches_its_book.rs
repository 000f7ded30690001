//! The synthetic L3 stream is a function of its seed, keeps a consistent book (every
//! cancel and execution names a resting order, executions hit the front), and the L2
//! stream derived from it shows exactly the L3 book's level sizes.

use mycelium_market_data::l3::{Grid, L2Deriver, L3Book, L3Config, L3Generator, L3Kind};
use mycelium_market_data::{OrderBook, Side, Symbol, TickEvent};

fn config(seed: u64) -> L3Config {
    L3Config { seed, events: 30_000, ..L3Config::default() }
}

#[test]
fn the_same_seed_gives_the_same_stream_and_another_seed_another() {
    let a: Vec<_> = L3Generator::new(config(7)).collect();
    let b: Vec<_> = L3Generator::new(config(7)).collect();
    let c: Vec<_> = L3Generator::new(config(8)).collect();
    assert_eq!(a.len(), 30_000);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn executions_hit_the_front_and_the_l2_stream_shows_the_l3_levels() {
    let grid = Grid::default();
    let sym = Symbol::new("SYNL3").expect("symbol");
    let mut deriver = L2Deriver::new(sym, grid);
    let mut mirror = L3Book::new();
    let mut l2 = OrderBook::new();
    let (mut adds, mut cancels, mut execs, mut trades) = (0, 0, 0, 0);
    let mut ticks = Vec::new();
    let mut last_ts = i64::MIN;
    for ev in L3Generator::new(config(3)) {
        assert!(ev.ts_ns >= last_ts, "exchange time never goes back");
        last_ts = ev.ts_ns;
        match ev.kind {
            L3Kind::Add { .. } => adds += 1,
            L3Kind::Cancel { .. } => cancels += 1,
            L3Kind::Execute { maker, .. } => {
                execs += 1;
                let fronts = [mirror.front(Side::Buy), mirror.front(Side::Sell)];
                assert!(fronts.contains(&Some(maker)), "a taker hits the front first");
            }
        }
        mirror.apply(&ev).expect("every event applies to the book");
        ticks.clear();
        let change = deriver.apply(&ev, &mut ticks).expect("applies");
        for t in &ticks {
            match &t.event {
                TickEvent::Depth(d) => l2.apply_levels(&d.bids, &d.asks),
                TickEvent::Trade(_) => trades += 1,
                TickEvent::Quote(_) => unreachable!("the stream has no quotes"),
            }
        }
        let shown = if change.side == Side::Buy {
            l2.bids().find(|l| grid.ticks(l.price) == change.px)
        } else {
            l2.asks().find(|l| grid.ticks(l.price) == change.px)
        };
        assert_eq!(shown.map_or(0, |l| grid.lots(l.qty)), change.level_qty);
        assert_eq!(mirror.level_qty(change.side, change.px), change.level_qty);
    }
    assert_eq!(trades, execs);
    assert_eq!(l2.best_bid().map(|(p, _)| grid.ticks(p)), mirror.best_bid());
    assert_eq!(l2.best_ask().map(|(p, _)| grid.ticks(p)), mirror.best_ask());
    assert!(adds > 0 && cancels > 0 && execs > 0);
}
