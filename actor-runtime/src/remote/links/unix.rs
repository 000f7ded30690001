//! Unix sockets on a shared host. A node listens only in a directory that belongs
//! to its user and that nobody else can write to (anyone who can write there can put
//! their own socket at the path and sit between the node and its peers), replaces
//! nothing at its socket path but a stale socket, removes at shutdown only the
//! socket it bound, and checks the user of every process on the other end of a
//! socket (`SO_PEERCRED`) against [`UnixPeers`].

use std::fs;
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tokio::net::{UnixListener, UnixStream};

use super::net::RemoteError;
use crate::remote::config::UnixPeers;

/// The user this process runs as (its effective uid).
pub(crate) fn this_user() -> u32 {
    // SAFETY: `geteuid` takes no arguments, touches no memory of ours and cannot
    // fail (POSIX: "always successful").
    unsafe { libc::geteuid() }
}

/// Whether a process of user `uid` may be on the other end of a Unix socket.
pub(crate) fn allowed(peers: &UnixPeers, uid: u32) -> bool {
    match peers {
        UnixPeers::SameUser => uid == this_user(),
        UnixPeers::Users(uids) => uids.contains(&uid),
        UnixPeers::Anyone => true,
    }
}

/// The user of the process on the other end of `stream`, if the kernel says.
pub(crate) fn peer_user(stream: &UnixStream) -> io::Result<(u32, i32)> {
    let cred = stream.peer_cred()?;
    Ok((cred.uid(), cred.pid().unwrap_or(0)))
}

/// A bound listening socket and the file it made, to remove at shutdown only if it
/// is still that file.
pub(crate) struct Bound {
    pub(crate) listener: UnixListener,
    path: PathBuf,
    /// Device and inode of the socket file.
    id: (u64, u64),
}

/// Binds a Unix socket at `path`, mode 0600 (only this user may connect), after
/// checking its directory, and replacing a stale socket left there by a dead node.
pub(crate) fn bind(path: &Path) -> Result<Bound, RemoteError> {
    let err = |source| RemoteError::Listen { what: path.display().to_string(), source };
    check_dir(path)?;
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => {
            if std::os::unix::net::UnixStream::connect(path).is_ok() {
                return Err(err(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    "another node is listening there",
                )));
            }
            // A socket nobody listens on: left by a node that died.
            fs::remove_file(path).map_err(err)?;
        }
        Ok(meta) => {
            return Err(RemoteError::NotASocket {
                path: path.to_owned(),
                found: kind_of(&meta.file_type()),
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(err(e)),
    }
    // Bind with a umask-independent mode: set 0600 right after bind, before accepting.
    let listener = UnixListener::bind(path).map_err(err)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(err)?;
    let meta = fs::symlink_metadata(path).map_err(err)?;
    Ok(Bound { listener, path: path.to_owned(), id: (meta.dev(), meta.ino()) })
}

impl Bound {
    /// The socket file's path and identity, for [`remove`].
    pub(crate) fn file(&self) -> (PathBuf, (u64, u64)) {
        (self.path.clone(), self.id)
    }
}

/// Removes the socket file at `path` if it is still the one this node bound.
pub(crate) fn remove(path: &Path, id: (u64, u64)) {
    if let Ok(meta) = fs::symlink_metadata(path) {
        if meta.file_type().is_socket() && (meta.dev(), meta.ino()) == id {
            let _ = fs::remove_file(path);
        }
    }
}

/// The directory of `path` must belong to this user and be writable by no one else.
fn check_dir(path: &Path) -> Result<(), RemoteError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let meta = fs::metadata(dir)
        .map_err(|source| RemoteError::Listen { what: dir.display().to_string(), source })?;
    let unsafe_dir = |why| RemoteError::UnsafeSocketDir {
        dir: dir.to_owned(),
        owner: meta.uid(),
        mode: meta.mode() & 0o7777,
        why,
    };
    if meta.uid() != this_user() {
        return Err(unsafe_dir("it belongs to another user"));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(unsafe_dir("others can write to it"));
    }
    Ok(())
}

fn kind_of(t: &fs::FileType) -> &'static str {
    if t.is_file() {
        "a regular file"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_fifo() {
        "a named pipe"
    } else {
        "a device"
    }
}
