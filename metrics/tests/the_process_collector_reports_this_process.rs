//! The process collector reports this process under the standard names: open file
//! descriptors follow the files it opens, CPU seconds grow with work done, resident
//! and virtual memory are non-zero, the start time is in the past, and the fd limit
//! is at least the fds open.

use std::time::{SystemTime, UNIX_EPOCH};

use mycelium_metrics::{ProcessCollector, Registry};

fn value(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} in\n{text}"))
}

#[tokio::test]
async fn it_reports_what_this_process_does() {
    let registry = Registry::new();
    registry.register(ProcessCollector);

    let before = registry.scrape().await;
    let files: Vec<_> = (0..20).map(|_| tempfile::tempfile().expect("a temp file")).collect();
    // Burn CPU until the kernel's tick accounting shows it (bounded).
    let cpu_before = value(&before, "process_cpu_seconds_total");
    let mut after = before.clone();
    for round in 0..2_000u64 {
        let mut x = round;
        for i in 0..1_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
        }
        after = registry.scrape().await;
        if value(&after, "process_cpu_seconds_total") > cpu_before {
            break;
        }
    }

    assert!(value(&after, "process_cpu_seconds_total") > cpu_before, "CPU seconds grow with work");
    let opened = value(&after, "process_open_fds") - value(&before, "process_open_fds");
    assert!(opened >= 20.0, "20 files opened, open fds grew by {opened}");
    assert!(value(&after, "process_max_fds") >= value(&after, "process_open_fds"));
    assert!(value(&after, "process_resident_memory_bytes") > 1_000_000.0);
    assert!(
        value(&after, "process_virtual_memory_bytes")
            >= value(&after, "process_resident_memory_bytes")
    );
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970").as_secs_f64();
    let start = value(&after, "process_start_time_seconds");
    assert!(start <= now + 1.0 && start > now - 24.0 * 3600.0, "started at {start}, now {now}");
    assert!(after.contains("mycelium_scrape_collector_success{collector=\"process\"} 1\n"));
    drop(files);
}
