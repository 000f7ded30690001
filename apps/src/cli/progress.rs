//! A progress bar on a terminal; none when stderr is not one (piped, redirected, a
//! log file), so scripts and logs get no control codes.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A bar for the feed's input, drawn on stderr when it is a terminal: the pipeline's
/// [`FeedSource`](mycelium_apps::FeedSource) sets its total (ticks, or the files'
/// bytes) and advances it; call [`styled`] once it has.
pub(crate) fn bar() -> ProgressBar {
    if std::io::stderr().is_terminal() {
        ProgressBar::no_length()
    } else {
        ProgressBar::hidden()
    }
}

/// Styles `bar` for what it counts: a bar with a total and an ETA when it has a
/// total, a spinner otherwise.
pub(crate) fn styled(bar: &ProgressBar, unit: &str) {
    let template = if bar.length().is_some() {
        format!("{{wide_bar}} {{percent:>3}}% of {unit}, {{elapsed}} elapsed, ETA {{eta}}")
    } else {
        format!("{{spinner}} {{pos}} {unit} ({{per_sec}}) {{elapsed}}")
    };
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
}
