//! Writing families in the Prometheus text exposition format 0.0.4.
//!
//! The format is small and fully specified: per family a `# HELP` line (backslash and
//! newline escaped) and a `# TYPE` line, then one line per sample, `name{labels} value`,
//! label values escaping backslash, double quote and newline; a histogram's samples
//! are its cumulative `_bucket{le="..."}` series ending in `le="+Inf"`, then `_sum` and
//! `_count`.
//!
//! It is written here rather than through `prometheus-client`'s encoder, whose output
//! it reproduces byte for byte (a unit test compares the two on every kind of family,
//! value and escape). The reason is cost: nine lines in ten of an exposition are
//! bucket lines, and that encoder formats each `le` float anew for every line of
//! every histogram, most of a desk-sized scrape's time. Here the 450 `le` strings of
//! the shared layout are formatted once per process.

use std::fmt::Write as _;
use std::sync::LazyLock;

use crate::batch::Value;
use crate::buckets::latency_bounds;
use crate::fold::{Families, Family};
use crate::spec::Kind;

/// The `Content-Type` of the exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The `le` label value of each bucket of the shared layout, `+Inf` last, formatted
/// as Go's clients do (`strconv.FormatFloat(v, 'g', -1, 64)`), so the series are the
/// ones any other client would name.
static LE: LazyLock<Vec<String>> = LazyLock::new(|| {
    latency_bounds().iter().map(|&b| go_float(b)).chain(["+Inf".to_owned()]).collect()
});

/// Writes `families` as text.
pub(crate) fn encode(families: &Families) -> String {
    let lines: usize = families
        .values()
        .map(|f| {
            2 + f.series.len()
                * if f.descriptor.kind() == Kind::Histogram { LE.len() + 2 } else { 1 }
        })
        .sum();
    let mut out = String::with_capacity(lines * 80);
    for family in families.values().filter(|f| !f.series.is_empty()) {
        write_family(&mut out, family);
    }
    out
}

fn write_family(out: &mut String, family: &Family) {
    let d = family.descriptor;
    let name = d.name();
    out.push_str("# HELP ");
    out.push_str(name);
    out.push(' ');
    escape(out, d.help(), false);
    out.push_str("\n# TYPE ");
    out.push_str(name);
    out.push(' ');
    out.push_str(d.kind().as_str());
    out.push('\n');

    let mut labels = String::new();
    for (values, value) in &family.series {
        // `{a="x",b="y"` without the closing brace, or empty.
        labels.clear();
        for (i, (label, v)) in d.labels().iter().zip(values).enumerate() {
            labels.push(if i == 0 { '{' } else { ',' });
            labels.push_str(label.name());
            labels.push_str("=\"");
            escape(&mut labels, v, true);
            labels.push('"');
        }
        match value {
            Value::Number(x) => {
                out.push_str(name);
                close(out, &labels);
                out.push(' ');
                match (d.kind(), as_integer(*x)) {
                    (Kind::Counter, Some(n)) => {
                        out.push_str(itoa::Buffer::new().format(n.unsigned_abs()))
                    }
                    (_, Some(n)) => out.push_str(itoa::Buffer::new().format(n)),
                    (_, None) => float(out, *x),
                }
                out.push('\n');
            }
            Value::Histogram(h) => {
                let mut digits = itoa::Buffer::new();
                for ((_, count), le) in h.cumulative().zip(LE.iter()) {
                    out.push_str(name);
                    out.push_str("_bucket");
                    out.push_str(if labels.is_empty() { "{" } else { &labels });
                    out.push_str(if labels.is_empty() { "le=\"" } else { ",le=\"" });
                    out.push_str(le);
                    out.push_str("\"} ");
                    out.push_str(digits.format(count));
                    out.push('\n');
                }
                out.push_str(name);
                out.push_str("_sum");
                close(out, &labels);
                out.push(' ');
                float(out, h.sum_seconds());
                out.push('\n');
                out.push_str(name);
                out.push_str("_count");
                close(out, &labels);
                out.push(' ');
                out.push_str(digits.format(h.count()));
                out.push('\n');
            }
        }
    }
}

/// Writes `labels` (as built above) with its closing brace, or nothing.
fn close(out: &mut String, labels: &str) {
    if !labels.is_empty() {
        out.push_str(labels);
        out.push('}');
    }
}

/// Writes `text` escaped: backslash and newline, and in a label value double quotes.
fn escape(out: &mut String, text: &str, quotes: bool) {
    let mut last = 0;
    for (i, b) in text.bytes().enumerate() {
        let escaped = match b {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'"' if quotes => "\\\"",
            _ => continue,
        };
        out.push_str(&text[last..i]);
        out.push_str(escaped);
        last = i + 1;
    }
    out.push_str(&text[last..]);
}

/// A sample value that is not an integer: shortest round-trip digits.
fn float(out: &mut String, x: f64) {
    if x.is_finite() {
        out.push_str(dtoa::Buffer::new().format_finite(x));
    } else if x.is_nan() {
        out.push_str("NaN");
    } else {
        out.push_str(if x > 0.0 { "+Inf" } else { "-Inf" });
    }
}

/// `x` as an integer when it is one (so counts print as `42`, not `42.0`).
fn as_integer(x: f64) -> Option<i64> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    (x.fract() == 0.0 && x.abs() < EXACT).then_some(x as i64)
}

/// `x` as Go's `strconv.FormatFloat(x, 'g', -1, 64)` writes it: shortest digits,
/// exponent form outside `[1e-4, 1e6)` with a sign and at least two exponent digits.
fn go_float(x: f64) -> String {
    if (1e-4..1e6).contains(&x.abs()) || x == 0.0 {
        return format!("{x}");
    }
    let sci = format!("{x:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let mut out = String::new();
    let _ = write!(out, "{mantissa}e{}{:02}", if exponent < 0 { '-' } else { '+' }, exponent.abs());
    out
}

#[cfg(test)]
#[path = "encode_reference.rs"]
mod reference;
