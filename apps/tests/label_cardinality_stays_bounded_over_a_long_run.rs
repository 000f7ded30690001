//! However many orders a run sends, the endpoint's series stay a small set fixed by
//! the configuration: every `strategy` label is a configured strategy, every
//! `instrument` and `symbol` a configured symbol, every `reason` one of a fixed list,
//! every `actor` a pipeline actor; no label is ever folded into `other`; and all the
//! series seen in scrapes throughout a long run number fewer than a quarter of its orders.
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use mycelium::Node;
use support::*;

const TICKS: u64 = 100_000;

/// The label pairs of a sample line (`name{k="v",...} value`).
fn labels(line: &str) -> Vec<(String, String)> {
    let Some((_, rest)) = line.split_once('{') else {
        return Vec::new();
    };
    let Some((inner, _)) = rest.rsplit_once('}') else {
        return Vec::new();
    };
    inner
        .split("\",")
        .filter_map(|pair| {
            let (k, v) = pair.split_once("=\"")?;
            Some((k.to_owned(), v.trim_end_matches('"').to_owned()))
        })
        .collect()
}

#[tokio::test]
async fn series_are_fixed_by_the_config_not_by_the_orders() {
    let config = config(TICKS);
    let metrics = mycelium_apps::metrics::registry();
    let node = Node::new("cardinality");
    let pipeline = start_with_metrics(&config, &node, metrics.clone()).await;
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let scraping = tokio::spawn({
        let metrics = metrics.clone();
        async move {
            let mut texts = Vec::new();
            loop {
                texts.push(metrics.scrape().await);
                tokio::select! {
                    _ = &mut stopped => return texts,
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                }
            }
        }
    });
    let run = pipeline.finish(std::future::pending(), None);
    let outcome = tokio::time::timeout(WAIT, run).await.expect("in time").expect("finishes").run;
    let _ = stop.send(());
    let mut texts = scraping.await.expect("scrapes");
    texts.push(metrics.scrape().await);

    let names: BTreeSet<String> = config.strategies.iter().map(|s| s.name.clone()).collect();
    let symbols: BTreeSet<String> = (0..config.feed.symbols).map(|i| format!("SYN{i}")).collect();
    let mut series = BTreeSet::new();
    let mut values: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for text in &texts {
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let Some((key, value)) = line.rsplit_once(' ') else { continue };
            if key.starts_with("mycelium_metrics_label_overflows_total") {
                assert_eq!(value, "0", "{key}: a label was folded into other");
            }
            series.insert(key.to_owned());
            for (label, v) in labels(line) {
                values.entry(label).or_default().insert(v);
            }
        }
    }
    let orders = outcome.execution.stats.orders;
    println!("{} scrapes, {} distinct series, {orders} orders", texts.len(), series.len());
    assert!(4 * series.len() as u64 <= orders, "a run with many orders: {orders}");
    assert!(values["strategy"].is_subset(&names), "{:?}", values["strategy"]);
    assert!(values["instrument"].is_subset(&symbols), "{:?}", values["instrument"]);
    assert!(values["symbol"].is_subset(&symbols), "{:?}", values["symbol"]);
    let reasons = [
        "actor_ended",
        "handler_failed",
        "remote_undelivered",
        "max_order_qty",
        "max_notional",
        "position_limit",
        "order_rate",
        "price_collar",
        "duplicate_client_order_id",
        "unknown_symbol",
        "no_market",
        "unknown_order",
        "invalid_order",
    ];
    for reason in values.get("reason").into_iter().flatten() {
        assert!(reasons.contains(&reason.as_str()), "reason {reason}");
    }
    let actors = ["pipeline", "execution", "feed"];
    for actor in &values["actor"] {
        assert!(actors.contains(&actor.as_str()) || names.contains(actor), "actor {actor}");
    }
    // Per strategy and instrument: 4 gauges, orders and fills, and at most one
    // series per reject reason.
    let trading = names.len() * symbols.len() * (6 + reasons.len());
    let families_per_actor = 3;
    let hops = 6 * 452;
    let bound = trading
        + families_per_actor * (actors.len() + names.len())
        + hops
        + 3 * symbols.len()
        + 200;
    assert!(series.len() <= bound, "{} series, bound {bound}", series.len());
}
