//! The pacer spaces events by exchange time divided by the speed factor, measured under
//! tokio's paused clock; `max` never waits; a late consumer does not drift.

use std::time::Duration;

use mycelium_market_data::{Pacer, Speed};
use tokio::time::Instant;

const SEC: i64 = 1_000_000_000;

async fn elapsed_at_each(speed: Speed, ts: &[i64]) -> Vec<Duration> {
    let mut pacer = Pacer::new(speed);
    let start = Instant::now();
    let mut out = Vec::new();
    for &t in ts {
        pacer.wait(t).await;
        out.push(start.elapsed());
    }
    out
}

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

#[tokio::test(start_paused = true)]
async fn ten_x() {
    let base = 1_723_161_256_299_000_000;
    let ts = [base, base + SEC, base + 3 * SEC, base + 3 * SEC, base + 13 * SEC / 10];
    let got = elapsed_at_each("10x".parse().expect("speed"), &ts).await;
    // The last event goes back in exchange time: it is due at once.
    assert_eq!(got, [ms(0), ms(100), ms(300), ms(300), ms(300)]);
}

#[tokio::test(start_paused = true)]
async fn realtime_half_and_max() {
    let ts = [0, SEC / 2, 2 * SEC];
    assert_eq!(elapsed_at_each(Speed::Realtime, &ts).await, [ms(0), ms(500), ms(2_000)]);
    assert_eq!(
        elapsed_at_each("0.5x".parse().expect("speed"), &ts).await,
        [ms(0), ms(1_000), ms(4_000)]
    );
    assert_eq!(elapsed_at_each(Speed::Max, &ts).await, [ms(0); 3]);
}

#[tokio::test(start_paused = true)]
async fn late_consumer_catches_up_without_drift() {
    let mut pacer = Pacer::new(Speed::Multiple(2.0));
    let start = Instant::now();
    pacer.wait(0).await;
    assert_eq!(pacer.delay(SEC), ms(500));
    tokio::time::sleep(ms(700)).await; // processing took longer than the gap
    assert_eq!(pacer.delay(SEC), Duration::ZERO);
    pacer.wait(SEC).await;
    pacer.wait(2 * SEC).await;
    assert_eq!(start.elapsed(), ms(1_000), "deadlines are absolute");
}
