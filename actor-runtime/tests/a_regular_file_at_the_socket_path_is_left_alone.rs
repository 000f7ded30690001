//! A node replaces nothing at its socket path but a stale socket (one left by a node
//! that died, nobody listening on it): a regular file or a directory there is left
//! alone and starting fails with an error saying what is there; a live node's
//! socket is not stolen. At shutdown a node removes its socket only if it is still
//! the one it bound.
mod remote_support;

use mycelium::remote::RemoteError;
use mycelium::Node;
use remote_support::*;

async fn start(place: &Place, name: &str) -> Result<Node, RemoteError> {
    let node = Node::new(name);
    node.start_remote(config().listen_unix(place.socket("server"))).await.map(|()| node)
}

#[tokio::test]
async fn a_regular_file_or_a_directory_is_left_alone() {
    let place = Place::new();
    let path = place.socket("server");
    std::fs::write(&path, b"precious").expect("write a file");
    match start(&place, "server").await {
        Err(RemoteError::NotASocket { path: named, found }) => {
            assert_eq!(named, path);
            assert_eq!(found, "a regular file");
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    assert_eq!(std::fs::read(&path).expect("the file is still there"), b"precious");

    std::fs::remove_file(&path).expect("rm");
    std::fs::create_dir(&path).expect("mkdir");
    std::fs::write(path.join("inside"), b"also precious").expect("write");
    let err = start(&place, "server").await.map(|_| ()).expect_err("a directory");
    assert!(err.to_string().contains("a directory is there"), "{err}");
    assert_eq!(std::fs::read(path.join("inside")).expect("untouched"), b"also precious");
}

#[tokio::test]
async fn a_stale_socket_is_replaced_and_a_live_one_is_not() {
    let place = Place::new();
    let path = place.socket("server");
    // Stale: bound, then its listener gone.
    drop(std::os::unix::net::UnixListener::bind(&path).expect("bind"));
    assert!(path.exists());
    let first = start(&place, "server").await.expect("the stale socket is replaced");
    // Live: refused, and the first node keeps serving.
    let err = start(&place, "other").await.map(|_| ()).expect_err("a live socket");
    assert!(err.to_string().contains("another node is listening there"), "{err}");
    let (client, server_seen) = (node(&place, "client").await, sink(&first, "sink"));
    drop(server_seen);
    let remote = remote_sink(&client, &first, mycelium::Transport::Unix).await;
    assert_eq!(remote.transport(), Some(mycelium::Transport::Unix));
    client.shutdown(WAIT).await;
    first.shutdown(WAIT).await;
    assert!(!path.exists(), "the node's own socket is removed at shutdown");
}

#[tokio::test]
async fn shutdown_removes_only_the_socket_the_node_bound() {
    let place = Place::new();
    let path = place.socket("server");
    let node = start(&place, "server").await.expect("start");
    // Someone replaced the socket file meanwhile.
    std::fs::remove_file(&path).expect("rm the socket");
    std::fs::write(&path, b"not yours").expect("write a file");
    node.shutdown(WAIT).await;
    assert_eq!(std::fs::read(&path).expect("left alone"), b"not yours");
}
