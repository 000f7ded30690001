//! A source read ahead on a helper thread yields exactly what it would in line: the
//! same ticks in the same order, errors where they were, and the end; dropping the
//! reader early stops the thread instead of leaving it blocked.
use std::path::PathBuf;

use mycelium_market_data::{
    prefetch, ReadError, SyntheticConfig, SyntheticSource, TickError, TickSource,
};

fn ticks(n: usize) -> Vec<mycelium_market_data::MarketTick> {
    let source = SyntheticSource::new(SyntheticConfig::default()).expect("synthetic");
    source.take(n).collect()
}

#[test]
fn prefetched_ticks_and_errors_arrive_in_order() {
    // 5000 ticks spanning several batches, with an error after tick 2500.
    let expected = ticks(5000);
    let error_at = 2500;
    let mut items: Vec<Result<_, TickError>> = expected.iter().cloned().map(Ok).collect();
    items.insert(
        error_at,
        Err(TickError::Read(ReadError::Open {
            path: PathBuf::from("bad-file"),
            source: std::io::ErrorKind::NotFound.into(),
        })),
    );
    let source: TickSource = Box::new(items.into_iter());
    let got: Vec<_> = prefetch(source, "test-prefetch").collect();
    assert_eq!(got.len(), expected.len() + 1);
    for (i, item) in got.iter().enumerate() {
        match (i.cmp(&error_at), item) {
            (std::cmp::Ordering::Equal, Err(e)) => assert!(e.to_string().contains("bad-file")),
            (std::cmp::Ordering::Less, Ok(t)) => assert_eq!(*t, expected[i]),
            (std::cmp::Ordering::Greater, Ok(t)) => assert_eq!(*t, expected[i - 1]),
            (_, other) => panic!("item {i}: unexpected {other:?}"),
        }
    }
}

#[test]
fn dropping_the_reader_early_ends_the_thread() {
    // An endless source: the helper thread must notice the reader is gone.
    let endless: TickSource =
        Box::new(SyntheticSource::new(SyntheticConfig::default()).expect("synthetic").map(Ok));
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let watched: TickSource = Box::new(Watched { inner: endless, done: Some(done_tx) });
    let mut reader = prefetch(watched, "test-prefetch");
    assert!(reader.next().is_some());
    drop(reader);
    done_rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the prefetch thread kept running after the reader was dropped");
}

/// Signals when it is dropped (the helper thread drops the source as it ends).
struct Watched {
    inner: TickSource,
    done: Option<std::sync::mpsc::Sender<()>>,
}

impl Iterator for Watched {
    type Item = Result<mycelium_market_data::MarketTick, TickError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
    }
}

#[test]
fn a_source_that_panics_ends_with_an_error_not_silently() {
    let mut n = 0u64;
    let panicking: TickSource = Box::new(std::iter::from_fn(move || {
        n += 1;
        assert!(n <= 10, "corrupt input at tick {n}");
        Some(Ok(ticks(1).remove(0)))
    }));
    let got: Vec<_> = prefetch(panicking, "test-prefetch").collect();
    assert_eq!(got.len(), 11, "ten ticks, then the error");
    match got.last() {
        Some(Err(TickError::SourcePanicked(why))) => {
            assert!(why.contains("corrupt input"), "{why}")
        }
        other => panic!("expected the panic as an error, got {other:?}"),
    }
}
