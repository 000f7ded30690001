//! Actors reachable from other nodes, with their message type erased: a frame's
//! payload is validated and decoded here, then delivered to the actor's mailbox.
//!
//! Delivery first tries the mailbox without waiting; only when it is full does the
//! link's reader wait for room, which is how a slow actor pushes back across the
//! wire (the reader stops reading, the socket fills, the sender's outbound queue
//! fills, its `send` waits).

use std::any::type_name;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use rkyv::util::AlignedVec;
use rkyv::Archived;

use crate::actor_ref::ActorRef;
use crate::error::SendError;
use crate::remote::codec::payload::{access_payload, decode_payload, RemoteMessage};
use crate::remote::links::link::Link;
use crate::reply::with_reply_route;

/// What became of one delivery.
pub(crate) enum Delivery {
    /// In the mailbox.
    Done,
    /// The mailbox is full: await this to deliver (it yields why it failed, if it did).
    Wait(Pin<Box<dyn Future<Output = Result<(), String>> + Send>>),
    /// Not delivered, and why: the payload was invalid or the actor has ended.
    Failed(String),
}

/// An actor taking remote messages, whatever its message type.
pub(crate) trait Inbound: Send + Sync {
    /// The type name of the messages on the wire (what a remote lookup checks).
    fn wire_type(&self) -> &'static str;
    fn is_alive(&self) -> bool;
    /// Decodes and delivers `payload`. `reply_route` is the link to answer a request
    /// on: given only for `Ask` frames, the only ones that can carry a `ReplyTo`.
    fn deliver(&self, reply_route: Option<&Arc<Link>>, payload: &[u8]) -> Delivery;
}

/// The default: validate, deserialize, deliver the owned message.
pub(crate) struct Decoding<M>(pub(crate) ActorRef<M>);

impl<M: RemoteMessage> Inbound for Decoding<M> {
    fn wire_type(&self) -> &'static str {
        type_name::<M>()
    }
    fn is_alive(&self) -> bool {
        self.0.is_alive()
    }
    fn deliver(&self, reply_route: Option<&Arc<Link>>, payload: &[u8]) -> Delivery {
        let decoded = match reply_route {
            Some(link) => with_reply_route(link, || decode_payload::<M>(payload)),
            None => decode_payload::<M>(payload),
        };
        let msg = match decoded {
            Ok(msg) => msg,
            Err(e) => return Delivery::Failed(e.to_string()),
        };
        offer(&self.0, msg)
    }
}

/// Zero-copy receive: the payload is validated and copied as is into an
/// [`ArchivedMessage`], never deserialized.
pub(crate) struct InPlace<M>(pub(crate) ActorRef<ArchivedMessage<M>>);

impl<M: RemoteMessage> Inbound for InPlace<M> {
    fn wire_type(&self) -> &'static str {
        type_name::<M>()
    }
    fn is_alive(&self) -> bool {
        self.0.is_alive()
    }
    fn deliver(&self, reply_route: Option<&Arc<Link>>, payload: &[u8]) -> Delivery {
        if reply_route.is_some() {
            // Its `ReplyTo` would stay archived, with nobody to answer through.
            return Delivery::Failed("an actor exposed in place takes tells, not asks".into());
        }
        match ArchivedMessage::<M>::from_payload(payload) {
            Ok(msg) => offer(&self.0, msg),
            Err(e) => Delivery::Failed(e.to_string()),
        }
    }
}

fn offer<M: Send + 'static>(actor: &ActorRef<M>, msg: M) -> Delivery {
    match actor.try_send(msg) {
        Ok(()) => Delivery::Done,
        Err(SendError::Full(msg)) => {
            let actor = actor.clone();
            Delivery::Wait(Box::pin(async move {
                actor.send(msg).await.map_err(|e| format!("not delivered: {e}"))
            }))
        }
        Err(e) => Delivery::Failed(format!("not delivered: {e}")),
    }
}

/// A message received from another node, kept in its archived form: read it in
/// place with [`get`](Self::get), without deserializing. Spawn an actor taking
/// `ArchivedMessage<M>` and expose it with
/// [`Node::expose_archived`](crate::Node::expose_archived); senders still send `M`,
/// with tells (an ask to such an actor fails with `AskError::Remote`).
///
/// The payload is validated (bytecheck) once, when the frame arrives, and copied into
/// an aligned buffer of its own (one `memcpy`, no decoding), so the link's read
/// buffer is free for the next frame while the actor reads this one.
pub struct ArchivedMessage<M> {
    bytes: AlignedVec,
    _message: PhantomData<fn() -> M>,
}

impl<M: RemoteMessage> ArchivedMessage<M> {
    /// Validates `payload` as an archived `M` and keeps a copy of it.
    pub fn from_payload(payload: &[u8]) -> Result<Self, crate::remote::codec::payload::WireError> {
        access_payload::<M>(payload)?;
        let mut bytes = AlignedVec::with_capacity(payload.len());
        bytes.extend_from_slice(payload);
        Ok(Self { bytes, _message: PhantomData })
    }

    /// The archived message, read in place.
    pub fn get(&self) -> &Archived<M> {
        // SAFETY: `bytes` was validated as an `Archived<M>` by `access_payload` in
        // `from_payload` (the only constructor), is 16-byte aligned (an AlignedVec),
        // and is never changed afterwards: the archive is still valid here.
        unsafe { rkyv::access_unchecked::<Archived<M>>(&self.bytes) }
    }

    /// Deserializes an owned `M` (validated again, in case of doubt is cheap).
    pub fn to_owned(&self) -> Result<M, crate::remote::codec::payload::WireError> {
        decode_payload::<M>(&self.bytes)
    }

    /// The payload bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl<M> std::fmt::Debug for ArchivedMessage<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ArchivedMessage<{}>({} bytes)", type_name::<M>(), self.bytes.len())
    }
}
