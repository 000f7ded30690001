//! `mycelium_build_info{version, commit} 1`: the workspace version, and the commit of
//! the checkout it was built from (`unknown` outside git).

use std::process::Command;

use mycelium_metrics::{build_info, Registry, BUILD_COMMIT, BUILD_VERSION};

#[tokio::test]
async fn build_info_is_one_with_version_and_commit() {
    let registry = Registry::new();
    registry.register(build_info());
    let text = registry.scrape().await;

    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let expected =
        std::env::var("MYCELIUM_GIT_COMMIT").ok().or(head).unwrap_or_else(|| "unknown".into());
    assert_eq!(BUILD_COMMIT, expected);
    assert_eq!(BUILD_VERSION, env!("CARGO_PKG_VERSION"));
    let line =
        format!("mycelium_build_info{{version=\"{BUILD_VERSION}\",commit=\"{BUILD_COMMIT}\"}} 1\n");
    assert!(text.contains(&line), "{line} in\n{text}");
}
