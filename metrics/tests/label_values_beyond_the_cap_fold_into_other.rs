//! Label cardinality is bounded by construction: a label admits its first
//! `max_values` distinct values for good; every later value is exposed as `other`,
//! added into that series, and counted in `mycelium_metrics_label_overflows_total`.
//! Over a long run with a new "order id" in a label at every scrape, the series stay
//! few, the admitted ones stay the same, and the total stays exact.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use mycelium_metrics::{
    collector, Counter, Label, Registry, MAX_LABEL_VALUE_BYTES, OVERFLOW_VALUE,
};

const ORDER_ID: Label = Label::new("order_id", 3);
const KIND: Label = Label::new("kind", 2);
const ORDERS_BY_ID: Counter<2> = Counter::new(
    "test_orders_by_id_total",
    "What a label must never be.",
    "orders",
    &[ORDER_ID, KIND],
);

fn series(text: &str, family: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter(|l| l.starts_with(family) && l.as_bytes().get(family.len()) == Some(&b'{'))
        .map(|l| {
            let (labels, value) = l.rsplit_once(' ').expect("a sample line");
            (labels[family.len()..].to_owned(), value.parse().expect("a number"))
        })
        .collect()
}

fn overflows(text: &str) -> f64 {
    series(text, "mycelium_metrics_label_overflows_total")
        .into_iter()
        .find(|(labels, _)| labels.contains("test_orders_by_id_total"))
        .map_or(0.0, |(_, v)| v)
}

#[tokio::test]
async fn a_long_run_with_a_new_order_id_every_scrape_keeps_four_series() {
    let scrape_no = Arc::new(AtomicU64::new(0));
    let registry = Registry::new();
    let counter = scrape_no.clone();
    registry.register(collector::from_fn("orders", move |b| {
        // Every order id ever seen, each with one order: the label grows without bound.
        let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
        for id in 0..n {
            b.counter(&ORDERS_BY_ID, [&format!("ord-{id}"), "limit"], 1u64);
        }
    }));

    let mut previous_overflows = 0.0;
    for scrape in 1..=200u64 {
        let text = registry.scrape().await;
        let got = series(&text, "test_orders_by_id_total");
        assert!(got.len() <= 4, "scrape {scrape}: {} series", got.len());
        // Exact in total: nothing is lost by folding.
        let total: f64 = got.iter().map(|(_, v)| v).sum();
        assert_eq!(total, scrape as f64);
        // The admitted values are the first three, for good.
        for id in 0..scrape.min(3) {
            assert!(
                got.iter().any(|(l, v)| l.contains(&format!("\"ord-{id}\"")) && *v == 1.0),
                "ord-{id}: {got:?}"
            );
        }
        let other = got.iter().find(|(l, _)| l.contains(&format!("order_id=\"{OVERFLOW_VALUE}\"")));
        assert_eq!(other.map_or(0.0, |(_, v)| *v), scrape.saturating_sub(3) as f64);
        // The overflow counter says so, and only goes up.
        let now = overflows(&text);
        assert_eq!(now - previous_overflows, scrape.saturating_sub(3) as f64, "scrape {scrape}");
        previous_overflows = now;
    }
}

#[tokio::test]
async fn each_label_is_capped_on_its_own_and_long_values_are_cut() {
    let registry = Registry::new();
    let long = "é".repeat(200);
    let long_for_collector = long.clone();
    registry.register(collector::from_fn("kinds", move |b| {
        for kind in ["limit", "market", "ioc", "stop"] {
            b.counter(&ORDERS_BY_ID, ["ord-0", kind], 1u64);
        }
        b.counter(&ORDERS_BY_ID, [&long_for_collector, "limit"], 1u64);
    }));
    let text = registry.scrape().await;
    let got = series(&text, "test_orders_by_id_total");
    // `kind` admits two values: limit and market; ioc and stop fold into other, while
    // `order_id` keeps its own value.
    assert!(got.contains(&(r#"{order_id="ord-0",kind="limit"}"#.to_owned(), 1.0)), "{got:?}");
    assert!(got.contains(&(r#"{order_id="ord-0",kind="market"}"#.to_owned(), 1.0)), "{got:?}");
    assert!(got.contains(&(r#"{order_id="ord-0",kind="other"}"#.to_owned(), 2.0)), "{got:?}");
    let cut = "é".repeat(MAX_LABEL_VALUE_BYTES / 2);
    assert!(got.contains(&(format!(r#"{{order_id="{cut}",kind="limit"}}"#), 1.0)), "{got:?}");
    assert!(!text.contains(&long));
}
