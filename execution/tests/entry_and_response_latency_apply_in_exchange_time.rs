//! An order reaches the exchange after its entry latency and the exchange's answers
//! reach the strategy after the response latency, both in exchange time, each constant
//! or interpolated from a recorded latency file; a rejected row refuses the request.

mod common;

use std::io::Write;

use common::*;
use mycelium_execution::{
    Books, ExchangeConfig, ExecutionConfig, ExecutionEngine, LatencySetting, OrderLatencyConfig,
    OrderStatus, RejectReason,
};
use mycelium_market_data::Side;

const T0: i64 = 1_000_000;

fn config(latency: OrderLatencyConfig) -> ExecutionConfig {
    ExecutionConfig {
        risk: loose_limits(),
        exchange: ExchangeConfig { latency: Some(latency), ..ExchangeConfig::default() },
        instruments: no_instruments(),
        ..ExecutionConfig::default()
    }
}

fn constant(entry: i64, response: i64) -> OrderLatencyConfig {
    OrderLatencyConfig {
        entry: LatencySetting::ConstantNs(entry),
        response: LatencySetting::ConstantNs(response),
    }
}

#[test]
fn answers_reach_the_strategy_after_the_response_latency() {
    let mut books = Books::new(config(constant(1_000, 500)));
    books.register(S1, true);
    books.tick(1, Some(&quote(T0, 99.0, 5.0, 100.0, 5.0)));
    // A marketable buy: accepted at T0 (seen at T0 + 500), filled on arrival at T0 + 1000
    // (seen at T0 + 1500).
    assert!(books.step(S1, 1, vec![limit(1, Side::Buy, 1.0, 100.0, T0)], vec![]).is_empty());
    let seen_at = |books: &mut Books, seq: u64, ts: i64| {
        books.tick(seq, Some(&quote(ts, 99.0, 5.0, 100.0, 5.0)));
        statuses(&books.step(S1, seq, vec![], vec![]))
    };
    assert_eq!(seen_at(&mut books, 2, T0 + 499), []);
    assert_eq!(seen_at(&mut books, 3, T0 + 500), [OrderStatus::Accepted]);
    assert_eq!(seen_at(&mut books, 4, T0 + 1_499), [], "filled at T0 + 1000, still on its way");
    assert_eq!(seen_at(&mut books, 5, T0 + 1_500), [OrderStatus::Filled]);
}

#[test]
fn without_response_latency_answers_come_in_the_same_reply() {
    let mut books = Books::new(config(constant(1_000, 0)));
    books.register(S1, true);
    books.tick(1, Some(&quote(T0, 99.0, 5.0, 100.0, 5.0)));
    let reply = books.step(S1, 1, vec![limit(1, Side::Buy, 1.0, 100.0, T0)], vec![]);
    assert_eq!(statuses(&reply), [OrderStatus::Accepted]);
}

#[test]
fn entry_latency_is_interpolated_from_a_recorded_file_and_a_rejected_row_refuses() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("latency.csv");
    let mut file = std::fs::File::create(&path).expect("create");
    // Entry 2 µs at T0, 4 µs at T0 + 10 µs; the exchange refused what was sent at T0 + 20 µs.
    writeln!(file, "req_ts,exch_ts,resp_ts").expect("write");
    writeln!(file, "{},{},{}", T0, T0 + 2_000, T0 + 3_000).expect("write");
    writeln!(file, "{},{},{}", T0 + 10_000, T0 + 14_000, T0 + 15_000).expect("write");
    writeln!(file, "{},0,{}", T0 + 20_000, T0 + 21_000).expect("write");
    writeln!(file, "{},0,{}", T0 + 30_000, T0 + 31_000).expect("write");
    drop(file);
    let from_file = OrderLatencyConfig {
        entry: LatencySetting::File(path.clone()),
        response: LatencySetting::File(path),
    };
    let mut e = ExecutionEngine::new(config(from_file));
    e.on_tick(&quote(T0, 99.0, 5.0, 100.0, 5.0));
    // Sent at T0 + 5 µs: entry interpolated halfway, 3 µs; it arrives at T0 + 8 µs.
    let sent = T0 + 5_000;
    assert_eq!(statuses(&e.submit(limit(1, Side::Buy, 1.0, 100.0, sent))), [OrderStatus::Accepted]);
    assert!(e.advance_to(T0 + 7_999).is_empty());
    assert_eq!(statuses(&e.advance_to(T0 + 8_000)), [OrderStatus::Filled]);
    // Sent past the rejected rows: refused by the exchange.
    let refused = e.submit(limit(2, Side::Buy, 1.0, 100.0, T0 + 30_000));
    assert_eq!(statuses(&refused), [OrderStatus::Rejected(RejectReason::ExchangeRefused)]);
}
