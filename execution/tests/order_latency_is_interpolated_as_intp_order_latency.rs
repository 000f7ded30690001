//! Order entry and response latency from a recorded file, interpolated in time as
//! hftbacktest's `IntpOrderLatency` does; constants; and feed latency per tick.

use mycelium_execution::latency_model::{Latency, LatencyTable};
use mycelium_execution::{feed_latency_ns, LatencySetting, OrderLatency, OrderLatencyConfig};
use mycelium_market_data::{MarketTick, Quote, Symbol, TickEvent};

const FILE: &str = "req_ts,exch_ts,resp_ts
1000,1100,1300
2000,2300,2400
3000,0,3500
4000,4050,4100
";

fn table() -> LatencyTable {
    LatencyTable::read(FILE.as_bytes()).expect("valid file")
}

#[test]
fn entry_latency_is_interpolated_in_request_time() {
    let t = table();
    assert_eq!(t.entry(500), 100, "before the first row: the first row's");
    assert_eq!(t.entry(1000), 100);
    assert_eq!(t.entry(1500), 200, "halfway between 100 and 300");
    assert_eq!(t.entry(1750), 250);
    assert_eq!(t.entry(9000), 50, "after the last row: the last row's");
}

#[test]
fn a_rejected_row_gives_a_negative_entry_latency() {
    // Between row 2 (resp - req = 400) and the rejected row 3 (500): -(450).
    assert_eq!(table().entry(2500), -450);
    assert_eq!(table().entry(3500), -(500 + (100 - 500) / 2));
}

#[test]
fn response_latency_is_interpolated_in_exchange_time_over_accepted_rows() {
    let t = table();
    assert_eq!(t.response(100), 200, "before the first: the first accepted row's");
    // (100 - 200) / 1200 * 100 = -8.33, truncated to -8, as hftbacktest's intp.
    assert_eq!(t.response(1200), 192);
    assert_eq!(t.response(2300), 100);
    assert_eq!(t.response(3175), 75, "the rejected row takes no part");
    assert_eq!(t.response(9000), 50);
}

#[test]
fn entry_and_response_are_separate_settings() {
    let cfg: OrderLatencyConfig =
        toml::from_str("entry = { constant_ns = 250000 }\nresponse = { constant_ns = 40000 }")
            .expect("config");
    assert_eq!(cfg.entry, LatencySetting::ConstantNs(250_000));
    let lat = OrderLatency::from_config(&cfg).expect("constants need no file");
    assert_eq!((lat.entry(123), lat.response(456)), (250_000, 40_000));

    let mixed = OrderLatency::new(Latency::Constant(7), Latency::Recorded(table().into()));
    assert_eq!((mixed.entry(1500), mixed.response(1200)), (7, 192));

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("latency.csv");
    std::fs::write(&path, FILE).expect("write");
    let cfg = OrderLatencyConfig {
        entry: LatencySetting::File(path.clone()),
        response: LatencySetting::File(path),
    };
    let lat = OrderLatency::from_config(&cfg).expect("file loads");
    assert_eq!((lat.entry(1500), lat.response(1200)), (200, 192));
}

#[test]
fn feed_latency_is_receive_minus_exchange_time_where_both_exist() {
    let quote = Quote { bid_px: 1.0, bid_qty: 1.0, ask_px: 2.0, ask_qty: 1.0, from_book: false };
    let tick = |exchange_ts_ns, local_ts_ns| MarketTick {
        symbol: Symbol::new("X").expect("symbol"),
        seq: 1,
        exchange_ts_ns,
        local_ts_ns,
        event: TickEvent::Quote(quote),
    };
    assert_eq!(feed_latency_ns(&tick(1_000, 4_500)), Some(3_500));
    assert_eq!(feed_latency_ns(&tick(1_000, 1_000)), None, "one clock only");
}
