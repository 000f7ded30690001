//! Puts the git commit of the checkout into `MYCELIUM_GIT_COMMIT` for the build-info
//! gauge: `MYCELIUM_GIT_COMMIT` from the environment if set, else
//! `git rev-parse --short=12 HEAD`, else `unknown` (a source tarball, no git).

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=MYCELIUM_GIT_COMMIT");
    let commit = std::env::var("MYCELIUM_GIT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(head)
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=MYCELIUM_GIT_COMMIT={commit}");
}

/// The checkout's HEAD commit, and rebuild triggers on the files that move it.
fn head() -> Option<String> {
    let commit = git(&["rev-parse", "--short=12", "HEAD"])?;
    // HEAD names the branch; the branch's ref file (or packed-refs) names the commit.
    let mut watched = vec![git(&["rev-parse", "--git-path", "HEAD"])?];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.extend(git(&["rev-parse", "--git-path", &branch]));
    }
    watched.extend(git(&["rev-parse", "--git-path", "packed-refs"]));
    let dir = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    for path in watched {
        let path = Path::new(&dir).join(path);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    Some(commit)
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}
