//! Snapshots are taken off execution's thread, by a replica that replays the journal:
//! each one holds exactly the books execution had after the record it names, and
//! recovery starts from it.

mod common;

use std::collections::HashMap;

use common::*;
use mycelium_execution::{Books, ExecutionConfig, Input, JournalConfig, Journaled};
use mycelium_journal::{Bytes, Durability, Journal, Options};
use mycelium_market_data::Side;

fn config() -> ExecutionConfig {
    ExecutionConfig { risk: loose_limits(), ..Default::default() }
}

/// Ticks and orders that rest, fill and cancel: books that change at every input.
fn input(i: u64) -> Input {
    let ts = 1_000 + i as i64 * 10;
    let px = 100.0 + (i % 7) as f64;
    match i % 4 {
        0 => Input::Step {
            strategy: S1,
            seq: i,
            orders: vec![limit(
                i,
                if i.is_multiple_of(8) { Side::Buy } else { Side::Sell },
                1.0,
                px,
                ts,
            )],
            cancels: vec![],
        },
        1 => Input::Step { strategy: S1, seq: i, orders: vec![], cancels: vec![cancel(i - 1, ts)] },
        2 => Input::Tick { seq: i, tick: Some(trade(ts, px, 2.0)) },
        _ => Input::Tick { seq: i, tick: Some(quote(ts, px - 1.0, 3.0, px + 1.0, 3.0)) },
    }
}

#[test]
fn each_snapshot_equals_the_live_books_after_its_record() {
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = JournalConfig {
        dir: Some(dir.path().to_owned()),
        mode: Durability::Process,
        snapshot_interval: 25,
    };
    let mut journaled = Journaled::<()>::open(&journal, &config()).expect("open");
    let mut live = Books::new(config());
    journaled.record(Input::Register { strategy: S1, live: false }).expect("register");
    live.register(S1, false);
    // The live books' bytes after each record (record 1 is the config, 2 the registration).
    let mut at: HashMap<u64, Vec<u8>> = HashMap::new();
    at.insert(2, live.snapshot().expect("encode"));
    for i in 1..=400u64 {
        let input = input(i);
        assert_eq!(journaled.record(input.clone()).expect("record"), live.apply(&input));
        at.insert(i + 2, live.snapshot().expect("encode"));
        journaled.commit().expect("commit").for_each(drop);
    }
    journaled.close().expect("close");

    // The newest snapshot, as the journal itself loads it.
    let (_log, recovery) =
        Journal::<Bytes>::open(dir.path(), Options::new(Durability::Process)).expect("open");
    let snap = recovery.snapshot().expect("snapshots were taken");
    // Asked for every 25 records; how many the replica took depends on how fast it ran.
    assert!(snap.seq() >= 27, "no snapshot after the first 25 records: {}", snap.seq());
    let want = at.get(&snap.seq()).expect("a record's sequence");
    assert!(
        snap.bytes() == &want[..],
        "the snapshot at {} differs from the live books",
        snap.seq()
    );
    drop(_log);

    let recovered = Journaled::<()>::open(&journal, &config()).expect("recover");
    assert!(recovered.books().snapshot().expect("encode") == live.snapshot().expect("encode"));
}
