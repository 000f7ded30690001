//! The catalogue follows Prometheus's naming conventions beyond what the constants
//! check at compile time: one prefix per owner (`mycelium_`, or `process_` for the
//! standard process collector), snake case, unique names, series names of histograms
//! resolving to their family, and hop and transport values that are label-safe.

use std::collections::HashSet;

use mycelium_metrics::catalogue::{self, HOPS, TRANSPORTS};
use mycelium_metrics::Kind;

#[test]
fn every_name_is_prefixed_snake_case_and_unique() {
    let mut seen = HashSet::new();
    for d in catalogue::all() {
        let name = d.name();
        assert!(name.starts_with("mycelium_") || name.starts_with("process_"), "{name}: prefix");
        assert!(
            name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{name}: snake case"
        );
        assert!(!name.contains("__") && !name.ends_with('_'), "{name}");
        assert!(seen.insert(name), "{name} twice");
        // Units are spelled out, never abbreviated.
        for abbreviation in ["_ms", "_us", "_ns", "_sec", "_kb", "_mb"] {
            assert!(
                !name.contains(&format!("{abbreviation}_")) && !name.ends_with(abbreviation),
                "{name}"
            );
        }
        if d.kind() == Kind::Histogram {
            assert_eq!(d.unit(), "seconds", "{name}");
        }
        for label in d.labels() {
            assert!(
                label.name().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{name}: {}",
                label.name()
            );
        }
    }
}

#[test]
fn histogram_series_resolve_to_their_family_and_nothing_else_does() {
    assert_eq!(
        catalogue::find("mycelium_hop_latency_seconds_bucket").map(|d| d.name()),
        Some("mycelium_hop_latency_seconds")
    );
    assert_eq!(
        catalogue::find("mycelium_hop_latency_seconds_count").map(|d| d.name()),
        Some("mycelium_hop_latency_seconds")
    );
    assert_eq!(
        catalogue::find("mycelium_orders_total").map(|d| d.name()),
        Some("mycelium_orders_total")
    );
    assert!(catalogue::find("mycelium_orders_total_bucket").is_none());
    assert!(catalogue::find("mycelium_orders").is_none());
}

#[test]
fn hop_and_transport_values_are_distinct_snake_case_words() {
    let values: Vec<&str> = HOPS.iter().chain(TRANSPORTS.iter()).copied().collect();
    assert_eq!(values.iter().collect::<HashSet<_>>().len(), values.len());
    assert!(values.iter().all(|v| v.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
    assert!(
        HOPS.len() <= catalogue::HOP.max_values()
            && TRANSPORTS.len() <= catalogue::TRANSPORT.max_values()
    );
}
