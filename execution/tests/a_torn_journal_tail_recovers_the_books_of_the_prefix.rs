//! Execution's journal cut at every byte offset of its last three records (a crash in
//! the middle of a write): recovery cuts exactly the torn record, and the books equal
//! those of the inputs before it. The inputs include an amend, a good-till-date expiry
//! and a cancel-all.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use mycelium_execution::{
    Books, Cancel, ClientOrderId, ExchangeConfig, ExecutionConfig, Input, JournalConfig, Journaled,
    OrderStatus,
};
use mycelium_journal::{Durability, Reader};
use mycelium_market_data::Side;

fn journal_in(dir: &Path) -> JournalConfig {
    JournalConfig { dir: Some(dir.to_owned()), mode: Durability::Fsync, snapshot_interval: 0 }
}

fn config() -> ExecutionConfig {
    ExecutionConfig {
        risk: loose_limits(),
        exchange: ExchangeConfig { order_latency_ns: 30, ..ExchangeConfig::default() },
        ..ExecutionConfig::default()
    }
}

fn inputs() -> Vec<Input> {
    let mut out = Vec::new();
    for i in 0..6i64 {
        let ts = 1_000 + i * 100;
        out.push(Input::Tick { seq: i as u64 + 1, tick: Some(quote(ts, 99.0, 3.0, 101.0, 3.0)) });
        let orders = vec![limit(i as u64 + 1, Side::Buy, 1.0, 101.0, ts)];
        out.push(Input::Step { strategy: S1, seq: i as u64 + 1, orders, cancels: vec![] });
    }
    // Resting orders for the last inputs: a good-till-date one, one to amend, and one
    // more for the cancel-all.
    let orders = vec![
        limit(10, Side::Buy, 2.0, 98.0, 1_600).good_till(1_750),
        limit(11, Side::Buy, 2.0, 97.0, 1_600),
        limit(12, Side::Sell, 2.0, 103.0, 1_600),
    ];
    let cancels = vec![cancel(6, 1_600)];
    out.push(Input::Step { strategy: S1, seq: 6, orders, cancels });
    out.push(Input::Tick { seq: 7, tick: Some(trade(1_700, 98.5, 2.0)) });
    let amend = Cancel::amend(S1, ClientOrderId(11), sym(), 3.0, 97.5, at(1_700));
    out.push(Input::Step { strategy: S1, seq: 7, orders: vec![], cancels: vec![amend] });
    // The amend applies at 1_730, the expiry at 1_750.
    out.push(Input::AdvanceTo(1_800));
    let all = Cancel::all(S1, sym(), at(1_800));
    out.push(Input::Step { strategy: S1, seq: 7, orders: vec![], cancels: vec![all] });
    out.push(Input::AdvanceTo(1_900));
    out
}

#[test]
fn the_inputs_amend_expire_and_cancel_all() {
    let mut live = Books::new(config());
    for input in inputs() {
        live.apply(&input);
    }
    let state = |id| live.engine().order(S1, ClientOrderId(id)).cloned().expect("remembered");
    assert_eq!(state(10).status, OrderStatus::Expired);
    let amended = state(11);
    assert_eq!(
        (amended.status, amended.order.qty, amended.order.limit_px),
        (OrderStatus::Cancelled, 3.0, Some(97.5))
    );
    assert_eq!(state(12).status, OrderStatus::Cancelled);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn segment(dir: &Path) -> PathBuf {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    assert_eq!(logs.len(), 1);
    logs.remove(0)
}

#[test]
fn a_cut_anywhere_in_the_last_three_records_recovers_the_prefix() {
    let base = tempfile::tempdir().unwrap();
    let written = base.path().join("written");
    let inputs = inputs();
    // The books after the config record (seq 1) and each input: after_seq[s - 1].
    let mut live = Books::new(config());
    let mut after_seq = vec![live.snapshot().unwrap()];
    let mut journaled = Journaled::<()>::open(&journal_in(&written), &config()).unwrap();
    for input in &inputs {
        journaled.record(input.clone()).unwrap();
        live.apply(input);
        after_seq.push(live.snapshot().unwrap());
    }
    journaled.commit().unwrap().for_each(drop);
    journaled.close().unwrap();

    let mut offsets = Vec::new();
    Reader::open(&written)
        .unwrap()
        .visit(|r| -> Result<(), mycelium_journal::JournalError> {
            offsets.push((r.seq, r.offset));
            Ok(())
        })
        .unwrap();
    let end = std::fs::metadata(segment(&written)).unwrap().len();
    assert_eq!(offsets.len(), inputs.len() + 1);
    let last3 = &offsets[offsets.len() - 3..];
    let mut cuts = 0;
    for (i, &(seq, start)) in last3.iter().enumerate() {
        let stop = last3.get(i + 1).map_or(end, |&(_, o)| o);
        for cut in start..stop {
            let dir = base.path().join(format!("cut-{cut}"));
            copy_dir(&written, &dir);
            let file = std::fs::OpenOptions::new().write(true).open(segment(&dir)).unwrap();
            file.set_len(cut).unwrap();
            drop(file);
            let recovered = Journaled::<()>::open(&journal_in(&dir), &config()).unwrap();
            assert!(
                recovered.books().snapshot().unwrap() == after_seq[seq as usize - 2],
                "cut at byte {cut} (record {seq} starts at {start}): not the books before it"
            );
            drop(recovered);
            assert_eq!(
                std::fs::metadata(segment(&dir)).unwrap().len(),
                start,
                "cut at byte {cut}: recovery must cut the file at the torn record's start"
            );
            std::fs::remove_dir_all(&dir).unwrap();
            cuts += 1;
        }
    }
    assert!(cuts > 3 * 64, "every byte of three records was cut ({cuts})");
}
