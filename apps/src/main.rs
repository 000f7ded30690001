//! `mycelium`, the command line: see [`cli`] for its commands.

mod cli;

/// mimalloc rather than glibc's allocator: a replay allocates ticks on its reader
/// threads and frees them on the runtime's, and glibc serves each such free under
/// the allocating thread's arena lock, so the threads queued on each other (ten
/// copies of the capture's recording replayed at 4.1M events/s with glibc, 5.4M with
/// mimalloc; docs/BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    // Before the heap grows: a huge page's first touch zeroes 2 MiB inside the fault,
    // a stall of milliseconds on the hot thread (see `disable_transparent_huge_pages`).
    if let Err(e) = mycelium::disable_transparent_huge_pages() {
        eprintln!("warning: transparent huge pages stay on: {e}");
    }
    match cli::main() {
        // Output piped into a reader that stopped (`mycelium journal inspect | head`):
        // nothing is wrong, and nobody is left to read more.
        Err(e) if reader_went_away(&e) => Ok(()),
        other => other,
    }
}

fn reader_went_away(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        let io = cause.downcast_ref::<std::io::Error>().or_else(|| {
            match cause.downcast_ref::<csv::Error>().map(csv::Error::kind) {
                Some(csv::ErrorKind::Io(io)) => Some(io),
                _ => None,
            }
        });
        io.is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
