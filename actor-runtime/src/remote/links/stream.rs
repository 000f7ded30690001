//! The two socket kinds behind a link, split into a read half and a write half, and
//! the busy-poll reader for hot links.

use std::io::{self, Read};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};

/// A connection's read half: parks on the socket (default), or spins on it.
pub(crate) enum ReadHalf {
    Unix(tokio::net::unix::OwnedReadHalf),
    Tcp(tokio::net::tcp::OwnedReadHalf),
    /// Busy-poll: a second handle on the same socket, read with non-blocking `recv`
    /// calls; the task yields between tries instead of parking, so a frame is seen
    /// without a thread wake-up (15-25 µs on these machines).
    Spin(SpinRead),
}

/// A connection's write half.
pub(crate) enum WriteHalf {
    Unix(tokio::net::unix::OwnedWriteHalf),
    Tcp(tokio::net::tcp::OwnedWriteHalf),
}

/// A non-blocking std handle on a socket that tokio also owns (for writing).
pub(crate) enum SpinRead {
    Unix(std::os::unix::net::UnixStream),
    Tcp(std::net::TcpStream),
}

/// Splits a connected Unix socket.
pub(crate) fn split_unix(stream: UnixStream, busy_poll: bool) -> io::Result<(ReadHalf, WriteHalf)> {
    if busy_poll {
        let std = stream.into_std()?;
        let spin = std.try_clone()?;
        let (_, w) = UnixStream::from_std(std)?.into_split();
        return Ok((ReadHalf::Spin(SpinRead::Unix(spin)), WriteHalf::Unix(w)));
    }
    let (r, w) = stream.into_split();
    Ok((ReadHalf::Unix(r), WriteHalf::Unix(w)))
}

/// Splits a connected TCP socket, with `TCP_NODELAY` set: frames are coalesced by the
/// writer already, and Nagle's algorithm would hold a lone frame for up to 40 ms.
pub(crate) fn split_tcp(stream: TcpStream, busy_poll: bool) -> io::Result<(ReadHalf, WriteHalf)> {
    stream.set_nodelay(true)?;
    if busy_poll {
        let std = stream.into_std()?;
        let spin = std.try_clone()?;
        let (_, w) = TcpStream::from_std(std)?.into_split();
        return Ok((ReadHalf::Spin(SpinRead::Tcp(spin)), WriteHalf::Tcp(w)));
    }
    let (r, w) = stream.into_split();
    Ok((ReadHalf::Tcp(r), WriteHalf::Tcp(w)))
}

impl AsyncRead for ReadHalf {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Unix(r) => Pin::new(r).poll_read(cx, buf),
            Self::Tcp(r) => Pin::new(r).poll_read(cx, buf),
            Self::Spin(s) => {
                let got = match s {
                    SpinRead::Unix(s) => s.read(buf.initialize_unfilled()),
                    SpinRead::Tcp(s) => s.read(buf.initialize_unfilled()),
                };
                match got {
                    Ok(n) => {
                        buf.advance(n);
                        Poll::Ready(Ok(()))
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        // Spin: ask to be polled again at once, letting other tasks
                        // on this worker run in between.
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    }
                    Err(e) => Poll::Ready(Err(e)),
                }
            }
        }
    }
}

impl WriteHalf {
    /// Writes what the socket takes now, without waiting: the bytes written, which
    /// may be fewer than `buf` (0 when the socket buffer is full).
    pub(crate) fn write_now(&self, buf: &[u8]) -> io::Result<usize> {
        let mut at = 0;
        while at < buf.len() {
            let wrote = match self {
                Self::Unix(w) => w.try_write(&buf[at..]),
                Self::Tcp(w) => w.try_write(&buf[at..]),
            };
            match wrote {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => at += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(at)
    }

    /// Writes all of `buf`, waiting for the socket to take it. Takes `&self`, so the
    /// writer task and senders writing inline can share the half (one at a time:
    /// the outbox's `writing` flag decides who).
    pub(crate) async fn write_all_shared(&self, buf: &[u8]) -> io::Result<()> {
        let mut at = 0;
        while at < buf.len() {
            match self {
                Self::Unix(w) => w.writable().await?,
                Self::Tcp(w) => w.writable().await?,
            }
            at += self.write_now(&buf[at..])?;
        }
        Ok(())
    }
}

impl AsyncWrite for WriteHalf {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Unix(w) => Pin::new(w).poll_write(cx, buf),
            Self::Tcp(w) => Pin::new(w).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Unix(w) => Pin::new(w).poll_flush(cx),
            Self::Tcp(w) => Pin::new(w).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Unix(w) => Pin::new(w).poll_shutdown(cx),
            Self::Tcp(w) => Pin::new(w).poll_shutdown(cx),
        }
    }
}
