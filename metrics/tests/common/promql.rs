//! The metric names a PromQL expression reads: enough of PromQL's lexer to tell a
//! metric name from a function, an aggregation, a keyword, a label in a matcher or a
//! grouping clause, a string, a duration or a Grafana variable.
#![allow(dead_code, unreachable_pub, missing_docs)]

const AGGREGATIONS: &[&str] = &[
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "limitk",
    "limit_ratio",
];
const KEYWORDS: &[&str] =
    &["and", "or", "unless", "offset", "bool", "atan2", "inf", "nan", "start", "end"];
/// Keywords followed by a parenthesized list of label names.
const LABEL_LISTS: &[&str] = &["by", "without", "on", "ignoring", "group_left", "group_right"];

/// The metric names `expr` selects, in order of appearance.
pub fn metric_names(expr: &str) -> Vec<String> {
    let s = expr.as_bytes();
    let mut names = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        match c {
            b'"' | b'\'' | b'`' => i = skip_string(s, i),
            b'{' => i = skip_group(s, i, b'{', b'}'),
            b'[' => i = skip_group(s, i, b'[', b']'),
            b'#' => i = s[i..].iter().position(|&b| b == b'\n').map_or(s.len(), |p| i + p),
            b'$' => {
                i += 1;
                if s.get(i) == Some(&b'{') {
                    i = skip_group(s, i, b'{', b'}');
                } else {
                    while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'_') {
                        i += 1;
                    }
                }
            }
            b'0'..=b'9' | b'.' => {
                // Numbers, durations (5m), hex and exponents.
                while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'.') {
                    i += 1;
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b':' => {
                let start = i;
                while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'_' || s[i] == b':')
                {
                    i += 1;
                }
                let word = &expr[start..i];
                let lower = word.to_ascii_lowercase();
                let next = s[i..].iter().position(|b| !b.is_ascii_whitespace()).map(|p| i + p);
                if LABEL_LISTS.contains(&lower.as_str()) {
                    if let Some(p) = next.filter(|&p| s[p] == b'(') {
                        i = skip_group(s, p, b'(', b')');
                    }
                } else if AGGREGATIONS.contains(&lower.as_str())
                    || KEYWORDS.contains(&lower.as_str())
                {
                    // Not a selector.
                } else if next.is_some_and(|p| s[p] == b'(') {
                    // A function call.
                } else {
                    names.push(word.to_owned());
                }
            }
            _ => i += 1,
        }
    }
    names
}

/// The index after the string opening at `i`.
fn skip_string(s: &[u8], i: usize) -> usize {
    let quote = s[i];
    let mut j = i + 1;
    while j < s.len() && s[j] != quote {
        if s[j] == b'\\' && quote != b'`' {
            j += 1;
        }
        j += 1;
    }
    j + 1
}

/// The index after the group opening at `i`, minding strings and nesting.
fn skip_group(s: &[u8], i: usize, open: u8, close: u8) -> usize {
    let mut depth = 0;
    let mut j = i;
    while j < s.len() {
        match s[j] {
            b'"' | b'\'' | b'`' => {
                j = skip_string(s, j);
                continue;
            }
            b if b == open => depth += 1,
            b if b == close => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
        j += 1;
    }
    s.len()
}
