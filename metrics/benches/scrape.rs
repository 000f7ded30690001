//! Placeholder, replaced by the scrape bench.
fn main() {}
