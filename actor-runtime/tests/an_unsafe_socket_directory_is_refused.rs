//! A node listens on a Unix socket only in a directory that belongs to its user and
//! that nobody else can write to: anyone who can write there can put a socket of
//! their own at the path, and sit between the node and its peers. Any other
//! directory is refused at start, with an error naming the directory, its owner and
//! its mode; a private one (mode 0700) is fine.
mod remote_support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use mycelium::remote::RemoteError;
use mycelium::Node;
use remote_support::*;

fn set_mode(dir: &Path, mode: u32) {
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

async fn start_in(dir: &Path) -> Result<Node, RemoteError> {
    let node = Node::new("server");
    node.start_remote(config().listen_unix(dir.join("server.sock"))).await.map(|()| node)
}

#[tokio::test]
async fn a_directory_others_can_write_to_is_refused_naming_it_its_owner_and_mode() {
    let place = Place::new();
    let dir = place.dir.path().join("shared");
    std::fs::create_dir(&dir).expect("mkdir");
    let me = std::fs::metadata(&dir).expect("stat").uid();
    for mode in [0o777, 0o770, 0o1777, 0o702] {
        set_mode(&dir, mode);
        let err = start_in(&dir).await.map(|_| ()).expect_err("an unsafe directory");
        match &err {
            RemoteError::UnsafeSocketDir { dir: named, owner, mode: found, .. } => {
                assert_eq!((named.as_path(), *owner, *found), (dir.as_path(), me, mode));
            }
            other => panic!("{mode:o}: {other:?}"),
        }
        let text = err.to_string();
        assert!(text.contains(&*dir.to_string_lossy()), "{text}");
        assert!(text.contains(&format!("uid {me}")), "{text}");
        assert!(text.contains(&format!("{mode:04o}")), "{text}");
        assert!(!dir.join("server.sock").exists(), "{mode:o}: a socket was made anyway");
    }
    // Private: fine.
    set_mode(&dir, 0o700);
    let node = start_in(&dir).await.expect("a private directory");
    node.shutdown(WAIT).await;
}

#[tokio::test]
async fn a_directory_of_another_user_is_refused() {
    let place = Place::new();
    let dir = place.dir.path().join("theirs");
    std::fs::create_dir(&dir).expect("mkdir");
    set_mode(&dir, 0o700);
    let me = std::fs::metadata(&dir).expect("stat").uid();
    // As root, give the directory away; otherwise a directory root owns will do.
    let (dir, owner) = if me == 0 {
        std::os::unix::fs::chown(&dir, Some(65534), None).expect("chown");
        (dir, 65534)
    } else {
        (Path::new("/").to_owned(), 0)
    };
    match start_in(&dir).await {
        Err(RemoteError::UnsafeSocketDir { owner: found, why, .. }) => {
            assert_eq!(found, owner);
            assert!(why.contains("another user"), "{why}");
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
}
