//! `dashboards/mycelium.json` is an import-ready Grafana dashboard whose every query
//! names only families the catalogue declares: valid JSON, a `DS_PROMETHEUS` data
//! source input that every panel and query uses, unique panel ids, and every PromQL
//! expression (panel targets and template variables) reading only catalogued metric
//! names. It shows what a desk watches: tick-to-order p50, p99 and p99.9 per hop,
//! mailbox depth of the top actors, link round trips and reconnects, orders, fills and
//! rejects per second, and PnL per strategy.

mod common;

use std::collections::HashSet;
use std::path::PathBuf;

use common::promql::metric_names;
use mycelium_metrics::catalogue;
use serde_json::Value;

fn dashboard() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dashboards/mycelium.json");
    let text = std::fs::read_to_string(&path).expect("dashboards/mycelium.json");
    serde_json::from_str(&text).expect("the dashboard is valid JSON")
}

/// Every panel, rows' nested ones included.
fn panels(d: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for p in d["panels"].as_array().expect("panels") {
        out.push(p);
        out.extend(p["panels"].as_array().into_iter().flatten());
    }
    out
}

/// Every PromQL expression: panel targets, and template variables' queries
/// (`label_values(selector, label)` reads the selector).
fn expressions(d: &Value) -> Vec<String> {
    let mut out: Vec<String> = panels(d)
        .iter()
        .flat_map(|p| p["targets"].as_array().into_iter().flatten())
        .map(|t| t["expr"].as_str().expect("every target has an expr").to_owned())
        .collect();
    for v in d["templating"]["list"].as_array().expect("templating") {
        let query = v["query"]["query"].as_str().or(v["query"].as_str()).expect("a variable query");
        let query = match query.strip_prefix("label_values(").and_then(|q| q.strip_suffix(')')) {
            Some(args) => args.rsplit_once(',').map_or("", |(selector, _label)| selector),
            None => query,
        };
        out.push(query.to_owned());
    }
    out
}

#[test]
fn every_query_names_only_catalogued_metrics() {
    let d = dashboard();
    let exprs = expressions(&d);
    assert!(exprs.len() > 30, "{} expressions", exprs.len());
    let mut named = HashSet::new();
    for expr in &exprs {
        let names = metric_names(expr);
        assert!(!names.is_empty() || expr.is_empty(), "no metric in {expr}");
        for name in names {
            let family = catalogue::find(&name);
            assert!(family.is_some(), "`{name}` in `{expr}` is not in the catalogue");
            named.insert(family.map(|f| f.name()).unwrap_or_default());
        }
    }
    for wanted in [
        "mycelium_hop_latency_seconds",
        "mycelium_actor_mailbox_depth",
        "mycelium_link_heartbeat_rtt_seconds",
        "mycelium_link_reconnects_total",
        "mycelium_orders_total",
        "mycelium_fills_total",
        "mycelium_order_rejects_total",
        "mycelium_realized_pnl",
        "mycelium_unrealized_pnl",
    ] {
        assert!(named.contains(wanted), "the dashboard shows {wanted}");
    }
    for q in ["0.5", "0.99", "0.999"] {
        let per_hop = format!(
            "histogram_quantile({q}, sum by (le, hop) (rate(mycelium_hop_latency_seconds_bucket"
        );
        assert!(exprs.iter().any(|e| e.starts_with(&per_hop)), "p{q} per hop");
    }
}

#[test]
fn it_imports_with_a_prometheus_data_source_input() {
    let d = dashboard();
    let inputs = d["__inputs"].as_array().expect("__inputs");
    assert!(inputs.iter().any(|i| i["name"] == "DS_PROMETHEUS"
        && i["pluginId"] == "prometheus"
        && i["type"] == "datasource"));
    assert!(d["title"].is_string() && d["uid"].is_string() && d["schemaVersion"].is_number());
    assert!(d["id"].is_null(), "an import-ready dashboard has no database id");

    let mut ids = HashSet::new();
    for p in panels(&d) {
        assert!(ids.insert(p["id"].as_i64().expect("a panel id")), "panel id {} twice", p["id"]);
        let grid = &p["gridPos"];
        let (x, w) = (grid["x"].as_i64().expect("x"), grid["w"].as_i64().expect("w"));
        assert!(x >= 0 && w > 0 && x + w <= 24, "panel {} fits the 24 columns", p["title"]);
        if p["type"] == "row" {
            continue;
        }
        assert_eq!(p["datasource"]["uid"], "${DS_PROMETHEUS}", "panel {}", p["title"]);
        let targets = p["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "panel {} has a query", p["title"]);
        let mut refs = HashSet::new();
        for t in targets {
            assert_eq!(t["datasource"]["uid"], "${DS_PROMETHEUS}");
            assert!(
                refs.insert(t["refId"].as_str().expect("refId")),
                "refIds are unique per panel"
            );
        }
    }
    for v in d["templating"]["list"].as_array().expect("templating") {
        assert_eq!(v["datasource"]["uid"], "${DS_PROMETHEUS}", "variable {}", v["name"]);
    }
}

#[test]
fn the_name_extractor_tells_metrics_from_the_rest_of_promql() {
    let names = |e: &str| metric_names(e);
    assert_eq!(
        names(
            r#"histogram_quantile(0.99, sum by (le, hop) (rate(a_bucket{hop=~"$hop",job="x"}[$__rate_interval])))"#
        ),
        ["a_bucket"]
    );
    assert_eq!(names("topk(10, max by (actor) (b))"), ["b"]);
    assert_eq!(names("sum without (instance) (c) / on (job) group_left (version) d"), ["c", "d"]);
    assert_eq!(names(r#"e{l="sum(f)", m='g'} offset 5m > bool 1e3"#), ["e"]);
    assert_eq!(names("time() - h"), ["h"]);
    assert_eq!(names("rate(i[5m:1m]) and j unless k or l"), ["i", "j", "k", "l"]);
    assert_eq!(names(r#"count_values("v", m) # a comment naming n"#), ["m"]);
    assert_eq!(names("${var} + o"), ["o"]);
    assert!(names("vector(1)").is_empty());
    // A name the catalogue lacks is caught.
    assert!(catalogue::find(&names("mycelium_made_up_total")[0]).is_none());
}
