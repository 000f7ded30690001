//! The build-info gauge: `mycelium_build_info{version, commit} 1`.

use crate::catalogue::BUILD_INFO;
use crate::collector::{from_fn, Collector};

/// The version of this build (the workspace's).
pub const BUILD_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git commit this build was made from (12 hex digits), or `unknown` when it was
/// built outside a git checkout. `MYCELIUM_GIT_COMMIT` at build time overrides it.
pub const BUILD_COMMIT: &str = env!("MYCELIUM_GIT_COMMIT");

/// Reports `mycelium_build_info{version, commit} 1`.
pub fn build_info() -> impl Collector {
    from_fn("build_info", |batch| batch.gauge(&BUILD_INFO, [BUILD_VERSION, BUILD_COMMIT], 1))
}
