//! Transparent huge pages, off for a latency-sensitive process.
//!
//! When an allocator asks for huge pages (mimalloc does, with `madvise`), the kernel
//! backs each new 2 MiB region of the heap with a huge page at its first touch and
//! zeroes all of it inside that page fault, on whichever thread touched it. On these
//! machines a profile of the pipeline showed its one hot thread stalled 6-9 ms at a
//! time in `clear_page_erms` as its heap grew (a history growing, a metrics scrape
//! copying histograms): each stall delays every tick behind it. With huge pages off,
//! a fault zeroes 4 KiB, and growth costs about a microsecond a page, spread out.
//! Measured in docs/BENCHMARKS.md.

use std::io;

/// Turns transparent huge pages off for this process (and the processes it starts),
/// from now on: `prctl(PR_SET_THP_DISABLE)`. Memory already backed by huge pages
/// stays so. Call it first thing in `main`, before the heap grows.
///
/// On systems other than Linux it does nothing.
pub fn disable_transparent_huge_pages() -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)` takes plain integers, touches
        // no memory of ours, and only changes this process's huge-page policy.
        // Pinned by tests/transparent_huge_pages_can_be_turned_off.rs.
        let rc = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}
