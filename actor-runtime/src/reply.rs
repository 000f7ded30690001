//! [`ReplyTo`]: the port a request carries for its answer, here or across a link.
//!
//! A local ask puts a oneshot sender in the request. A remote ask cannot send a
//! channel over a socket, so the request carries a placeholder holding the ask's
//! correlation id; on the wire a `ReplyTo` is just that id (an archived `u64`). The
//! serving node deserializes it into a port that sends the answer back as a `Reply`
//! frame over the link the request came in on. The handler cannot tell the two apart.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

use rkyv::rancor::{Fallible, Source};
use rkyv::{Archive, Deserialize, Place, Serialize};
use tokio::sync::oneshot;

use crate::cell::lock;
use crate::remote::link::{Link, ReplyFailure};
use crate::remote::outbox::{push_fn, PushError, PushFn};
use crate::remote::{decode_payload, FrameHeader, FrameKind, RemoteMessage, FLAG_ERROR};

/// Error code in a failed `Reply`: the handler dropped the port without answering.
pub(crate) const REPLY_DROPPED: u8 = 1;
/// Error code in a failed `Reply`: nothing by that name takes remote messages here.
pub(crate) const REPLY_UNKNOWN_TARGET: u8 = 2;
/// Error code in a failed `Reply`: the request did not decode, or was not delivered.
pub(crate) const REPLY_NOT_DELIVERED: u8 = 3;

/// Where the answer to a request goes. Put one in a message variant and answer it
/// with [`ReplyTo::send`]. Dropping it unanswered makes the asker's
/// [`ask`](crate::ActorRef::ask) fail with [`AskError::NoReply`](crate::AskError::NoReply)
/// at once instead of waiting for its timeout, on this node or across a link.
///
/// A `ReplyTo` crosses the wire only inside a request sent with `ask`; sending one
/// with `tell` to a remote actor is a serialization error.
#[derive(Debug)]
pub struct ReplyTo<R> {
    port: Port<R>,
}

/// The remote ports are boxed so that a `ReplyTo` is two words: it sits in every
/// message enum with a request variant, and every message of that type is moved at
/// its size (unboxed it was six words, making such enums 56 bytes or more).
enum Port<R> {
    Local(oneshot::Sender<R>),
    /// In a remote ask's request, on the asking side: serialized as its correlation
    /// id, registering on the link (while the frame is encoded) how to decode and
    /// deliver the answer.
    Asking(Box<Asking<R>>),
    /// On the serving side: the answer goes back over the link.
    Remote(Box<RemoteReply<R>>),
    /// Decoded outside a link (a test decoding a payload by hand): nobody waits.
    Detached,
}

impl<R> std::fmt::Debug for Port<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Local(_) => f.write_str("Local"),
            Self::Asking(a) => write!(f, "Asking({})", a.correlation),
            Self::Remote(r) => write!(f, "Remote({}@{})", r.correlation, r.link.peer),
            Self::Detached => f.write_str("Detached"),
        }
    }
}

struct Asking<R> {
    correlation: u64,
    /// Taken when the request is encoded (under the outbox lock, once).
    tx: Mutex<Option<oneshot::Sender<R>>>,
    /// Why no answer came, for the asker to report.
    failure: Arc<Mutex<Option<ReplyFailure>>>,
}

struct RemoteReply<R> {
    link: Arc<Link>,
    correlation: u64,
    push: PushFn<R>,
    answered: bool,
}

impl<R> ReplyTo<R> {
    pub(crate) fn new() -> (Self, oneshot::Receiver<R>) {
        let (tx, rx) = oneshot::channel();
        (Self { port: Port::Local(tx) }, rx)
    }

    /// The port a remote ask puts in its request, with the receiver of the answer
    /// and the slot that tells why no answer came.
    pub(crate) fn asking(
        correlation: u64,
    ) -> (Self, oneshot::Receiver<R>, Arc<Mutex<Option<ReplyFailure>>>) {
        let (tx, rx) = oneshot::channel();
        let failure = Arc::new(Mutex::new(None));
        let port = Port::Asking(Box::new(Asking {
            correlation,
            tx: Mutex::new(Some(tx)),
            failure: failure.clone(),
        }));
        (Self { port }, rx, failure)
    }

    /// Sends the answer. Returns it back if the asker has given up (timed out); for a
    /// remote asker, if the answer cannot be encoded (the asker is told) or the link
    /// cannot take it (closed, or at its ceiling).
    pub fn send(self, reply: R) -> Result<(), R> {
        match self.port {
            Port::Local(tx) => tx.send(reply),
            Port::Remote(mut remote) => {
                let header = reply_header(remote.correlation, 0);
                let push = remote.push;
                match remote.link.outbox.push_with(header, true, |enc, h| push(enc, h, &reply)) {
                    Ok(_) => {
                        remote.answered = true;
                        Ok(())
                    }
                    Err(PushError::Wire(e)) => {
                        remote.answered = true;
                        let why = format!("the answer cannot be encoded: {e}");
                        send_error_reply(
                            &remote.link,
                            remote.correlation,
                            REPLY_NOT_DELIVERED,
                            &why,
                        );
                        Err(reply)
                    }
                    // Full or closed: the port's drop tells the asker, if the link can.
                    Err(_) => Err(reply),
                }
            }
            Port::Asking(_) | Port::Detached => Err(reply),
        }
    }

    /// Whether the asker is still waiting (for a remote asker: whether its link is
    /// still open).
    pub fn is_waiting(&self) -> bool {
        match &self.port {
            Port::Local(tx) => !tx.is_closed(),
            Port::Remote(r) => !r.link.outbox.is_closed(),
            Port::Asking(_) | Port::Detached => false,
        }
    }
}

impl<R> Drop for RemoteReply<R> {
    fn drop(&mut self) {
        if !self.answered {
            send_error_reply(&self.link, self.correlation, REPLY_DROPPED, "reply port dropped");
        }
    }
}

fn reply_header(correlation: u64, flags: u8) -> FrameHeader {
    let mut header = FrameHeader::new(FrameKind::Reply);
    header.correlation = correlation;
    header.flags = flags;
    header
}

/// Queues a failed `Reply`: one code byte, then a UTF-8 explanation.
pub(crate) fn send_error_reply(link: &Link, correlation: u64, code: u8, why: &str) {
    let mut payload = Vec::with_capacity(1 + why.len());
    payload.push(code);
    payload.extend_from_slice(why.as_bytes());
    // Best effort: if the link is closed, the asker's own timeout answers it.
    let _ = link.outbox.push_raw(reply_header(correlation, FLAG_ERROR), &payload);
}

thread_local! {
    /// The link whose frame is being decoded on this thread, so that a `ReplyTo` in
    /// it can route its answer back. Set only around one synchronous decode.
    static DECODING_FROM: RefCell<Option<Arc<Link>>> = const { RefCell::new(None) };
    /// The link a remote ask's request is being encoded for, so that its `ReplyTo`
    /// registers the answer's completion there. Set only around one synchronous push.
    static ENCODING_FOR: RefCell<Option<Arc<Link>>> = const { RefCell::new(None) };
}

/// Sets a thread-local link for the length of one synchronous call.
fn with_link<T>(
    key: &'static std::thread::LocalKey<RefCell<Option<Arc<Link>>>>,
    link: &Arc<Link>,
    run: impl FnOnce() -> T,
) -> T {
    struct Reset(&'static std::thread::LocalKey<RefCell<Option<Arc<Link>>>>);
    impl Drop for Reset {
        fn drop(&mut self) {
            self.0.with(|l| l.borrow_mut().take());
        }
    }
    key.with(|l| *l.borrow_mut() = Some(link.clone()));
    let _reset = Reset(key);
    run()
}

/// Runs `decode` with `link` as the route for the `ReplyTo`s it deserializes.
pub(crate) fn with_reply_route<T>(link: &Arc<Link>, decode: impl FnOnce() -> T) -> T {
    with_link(&DECODING_FROM, link, decode)
}

/// Runs `encode` (the push of a remote ask's request) with `link` as the place where
/// the request's `ReplyTo` registers its answer.
pub(crate) fn with_ask_route<T>(link: &Arc<Link>, encode: impl FnOnce() -> T) -> T {
    with_link(&ENCODING_FOR, link, encode)
}

/// Not a remote ask's placeholder: a local port cannot cross the wire.
#[derive(Debug, thiserror::Error)]
#[error("a ReplyTo crosses the wire only inside a request sent with ask")]
struct NotAnAsk;

/// What a `ReplyTo` is on the wire: the ask's correlation id. Its archived form,
/// [`ArchivedReplyTo`], is what a zero-copy reader of a request sees.
#[derive(rkyv::Archive, rkyv::Serialize)]
#[rkyv(archived = ArchivedReplyTo)]
pub struct WireReplyTo {
    /// The ask's correlation id (the `correlation` of its frame).
    pub correlation: u64,
}

impl<R> Archive for ReplyTo<R> {
    type Archived = ArchivedReplyTo;
    type Resolver = ();

    fn resolve(&self, _: Self::Resolver, out: Place<Self::Archived>) {
        let correlation = match &self.port {
            Port::Asking(a) => a.correlation,
            _ => 0,
        };
        WireReplyTo { correlation }.resolve(WireReplyToResolver { correlation: () }, out);
    }
}

impl<R: RemoteMessage, S: Fallible + ?Sized> Serialize<S> for ReplyTo<R>
where
    S::Error: Source,
{
    fn serialize(&self, _: &mut S) -> Result<Self::Resolver, S::Error> {
        let Port::Asking(asking) = &self.port else {
            return Err(S::Error::new(NotAnAsk));
        };
        let link = ENCODING_FOR.with(|l| l.borrow().clone());
        let (Some(link), Some(tx)) = (link, lock(&asking.tx).take()) else {
            return Err(S::Error::new(NotAnAsk));
        };
        let failure = asking.failure.clone();
        // Registered before the frame is queued, so the answer cannot arrive first.
        link.register_reply_at(
            asking.correlation,
            Box::new(move |result| {
                let why = match result {
                    Ok(bytes) => match decode_payload::<R>(bytes) {
                        Ok(answer) => {
                            let _ = tx.send(answer);
                            return;
                        }
                        Err(e) => ReplyFailure::Remote(format!("undecodable reply: {e}")),
                    },
                    Err(why) => why,
                };
                *lock(&failure) = Some(why);
            }),
        );
        Ok(())
    }
}

impl<R: RemoteMessage, D: Fallible + ?Sized> Deserialize<ReplyTo<R>, D> for ArchivedReplyTo {
    fn deserialize(&self, _: &mut D) -> Result<ReplyTo<R>, D::Error> {
        let correlation = self.correlation.to_native();
        let port = DECODING_FROM.with(|l| l.borrow().clone()).map_or(Port::Detached, |link| {
            Port::Remote(Box::new(RemoteReply {
                link,
                correlation,
                push: push_fn::<R>(),
                answered: false,
            }))
        });
        Ok(ReplyTo { port })
    }
}
