//! Shared helpers for the Mycelium benches (see `benches/`).
