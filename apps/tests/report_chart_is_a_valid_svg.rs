//! The chart is a well-formed SVG with a line per hop and the percentile axis labels.
mod report_support;

use mycelium_apps::report::{Counts, CHART_FILE};
use mycelium_execution::Hop;
use report_support::{report, samples};

/// Every tag closed in order (no XML parser needed for what plotters writes).
fn assert_well_formed(svg: &str) {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = svg;
    while let Some(open) = rest.find('<') {
        let close = rest[open..].find('>').expect("unclosed '<'") + open;
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        let name = tag.trim_start_matches('/').split_whitespace().next().unwrap_or("");
        if tag.starts_with('/') {
            assert_eq!(stack.pop(), Some(name), "mismatched </{name}>");
        } else if !tag.ends_with('/') {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

#[test]
fn chart_is_a_well_formed_svg_with_a_line_per_hop() {
    let a = samples(21, 20_000);
    let b = samples(22, 2_000);
    let c = samples(23, 50);
    let hops = [(Hop::TickToStrategy, &a[..]), (Hop::StrategyHandler, &b), (Hop::OrderToFill, &c)];
    let dir = tempfile::tempdir().expect("tempdir");
    report(&hops, Counts::default()).write_dir(dir.path()).expect("written");
    let svg = std::fs::read_to_string(dir.path().join(CHART_FILE)).expect("chart");
    assert!(svg.len() > 4_000, "{} bytes", svg.len());
    assert!(svg.starts_with("<svg") && svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_well_formed(&svg);
    for label in ["0%", "90%", "99%", "99.9%", "99.99%", "percentile", "1 µs"] {
        assert!(svg.contains(&format!("\n{label}\n")), "axis label {label}");
    }
    for (hop, _) in hops {
        assert!(svg.contains(hop.name()), "legend has {}", hop.name());
    }
    assert!(svg.matches("<polyline").count() >= 3, "a line per hop");
}
