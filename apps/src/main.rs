//! The `mycelium` command line.
fn main() {}
