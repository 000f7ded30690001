//! Refused and dropped connections, logged as counts per interval: the first one
//! after a quiet interval gets a line of its own, with its detail; the rest are
//! counted by reason and logged as one line per interval. A flood of bad
//! connections then costs the log one line a second, not one per connection.
//! Totals by reason are kept for good, for the node's snapshot.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::cell::lock;

/// How often the counts are logged.
pub(crate) const LOG_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Default)]
struct Window {
    /// When the last line was logged.
    logged: Option<Instant>,
    counts: BTreeMap<&'static str, u64>,
}

#[derive(Default)]
pub(crate) struct Refusals {
    window: Mutex<Window>,
    /// Every refusal since the start, by reason (a few fixed strings).
    totals: Mutex<BTreeMap<&'static str, u64>>,
}

impl Refusals {
    /// Notes one connection refused or dropped before it became a link.
    pub(crate) fn note(&self, why: &'static str, detail: impl Display) {
        *lock(&self.totals).entry(why).or_default() += 1;
        let mut window = lock(&self.window);
        let quiet =
            window.counts.is_empty() && window.logged.is_none_or(|at| at.elapsed() >= LOG_INTERVAL);
        if quiet {
            window.logged = Some(Instant::now());
            drop(window);
            tracing::warn!(why, %detail, "incoming connection refused");
            return;
        }
        *window.counts.entry(why).or_default() += 1;
    }

    /// Every refusal since the start, by reason.
    pub(crate) fn totals(&self) -> BTreeMap<&'static str, u64> {
        lock(&self.totals).clone()
    }

    /// Logs what was counted since the last line, if anything (called every
    /// [`LOG_INTERVAL`]).
    pub(crate) fn flush(&self) {
        let counts = {
            let mut window = lock(&self.window);
            if window.counts.is_empty() {
                return;
            }
            window.logged = Some(Instant::now());
            std::mem::take(&mut window.counts)
        };
        let total: u64 = counts.values().sum();
        tracing::warn!(total, ?counts, "incoming connections refused in the last {LOG_INTERVAL:?}");
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Log output, shared with the test.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            lock(&self.0).extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_flood_of_refusals_is_logged_as_counts_not_lines() {
        let out = Lines::default();
        let writer = out.clone();
        let subscriber =
            tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
        tracing::subscriber::with_default(subscriber, || {
            let refusals = Refusals::default();
            for n in 0..10_000 {
                let why = if n % 2 == 0 { "evicted" } else { "wrong secret" };
                refusals.note(why, n);
            }
            refusals.flush();
            refusals.flush();
            let totals = refusals.totals();
            assert_eq!(totals.get("evicted"), Some(&5000));
            assert_eq!(totals.get("wrong secret"), Some(&5000));
        });
        let text = String::from_utf8(lock(&out.0).clone()).expect("utf-8");
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].contains("detail=0"), "the first gets its own line: {text}");
        assert!(lines[1].contains("total=9999"), "the rest are counted: {text}");
        assert!(
            lines[1].contains("\"evicted\": 4999") && lines[1].contains("\"wrong secret\": 5000")
        );
    }
}
