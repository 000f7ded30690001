//! Fuzzes a link's connection state machine: an authenticated peer (it knows the
//! secret and seals its frames) sending arbitrary resumes, tells, acks, heartbeats,
//! requests, replies, closes, unsealed bytes and corrupted seals to a node.
//!
//! Run: (from the repository root)
//! `cargo install cargo-fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run link`
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mycelium_fuzz::link(data);
});
