//! Two OS processes: the test talks to a node in a child process over a Unix socket;
//! when the child is killed with SIGKILL, the link is declared lost and the watcher
//! told; when a new child comes up at the same place, the same ref works again.
//!
//! The child is this test binary itself, run with `child_process_node` as its only
//! test and the socket path in `MYCELIUM_TEST_CHILD_SOCKET`.
mod remote_support;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use mycelium::{ExitReason, Node, PeerAddr, Transport};
use remote_support::*;

const CHILD_ENV: &str = "MYCELIUM_TEST_CHILD_SOCKET";

/// The child's body; does nothing unless run as the child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_process_node() {
    let Ok(path) = std::env::var(CHILD_ENV) else { return };
    let node = Node::new("child");
    let _seen = sink(&node, "sink");
    node.start_remote(config().listen_unix(&path)).await.expect("child: start remote");
    // Stay up until killed; never longer than the parent's own bound.
    tokio::time::sleep(Duration::from_secs(60)).await;
}

struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_child(path: &std::path::Path) -> Guard {
    let exe = std::env::current_exe().expect("test binary");
    let child = Command::new(exe)
        .args(["--exact", "child_process_node", "--test-threads=1"])
        .env(CHILD_ENV, path)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn child process");
    Guard(child)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_in_another_process_is_reached_lost_and_found_again() {
    if std::env::var(CHILD_ENV).is_ok() {
        return; // We are the child: only `child_process_node` runs here.
    }
    let place = Place::new();
    let path = place.socket("child");
    let mut child = start_child(&path);

    let parent = node(&place, "parent").await;
    parent.connect(PeerAddr::new("child").unix(&path)).expect("connect");
    let remote =
        within("lookup", parent.lookup_remote::<Msg>("sink@child", WAIT)).await.expect("lookup");
    assert_eq!(remote.transport(), Some(Transport::Unix));
    for seq in 0..1000 {
        remote.send(Msg::Put { sender: 0, seq }).await.expect("send");
    }
    assert_eq!(remote.ask(Msg::Count, WAIT).await.expect("ask"), 1000);

    let (_watcher, mut told) = watching(&parent, &remote).await;
    // An ask the child holds unanswered when it dies.
    let stalled = tokio::spawn({
        let remote = remote.clone();
        async move { remote.ask(Msg::Stall, Duration::from_secs(60)).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    child.0.kill().expect("SIGKILL the child");
    let _ = child.0.wait();
    let t = within("Terminated after the kill", told.recv()).await.expect("watcher");
    assert!(matches!(t.reason, ExitReason::Unreachable(_)), "{t:?}");

    // A new child at the same path (its stale socket file is replaced): the dialer
    // finds it, and the same ref reaches the new sink.
    let _child = start_child(&path);
    assert!(parent.wait_for_link("child", WAIT).await, "link did not come back");
    let count = remote.ask(Msg::Count, WAIT).await.expect("ask the new child");
    assert_eq!(count, 0, "a new process starts from zero");
    // The new process never saw that ask: it fails as soon as the link finds out.
    let stalled = within("the stalled ask", stalled).await.expect("task");
    assert!(matches!(stalled, Err(mycelium::AskError::LinkLost)), "{stalled:?}");
    assert!(parent.link_metrics("child").expect("link").losses >= 1);
    parent.shutdown(WAIT).await;
}
