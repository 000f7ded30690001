//! Where a link's reader hands the frames it accepted: a request (`Tell`, `Ask`) to
//! the actor exposed under its target, or to the node itself; a `Reply` to the ask
//! awaiting it. A request that reaches no actor is refused: the asker is told, a
//! tell goes to the dead letters.

use std::sync::Arc;

use super::exposed::ExposedCache;
use super::inbound::{Delivery, Inbound};
use super::sys;
use crate::remote::codec::frame::{FrameHeader, FrameKind, FLAG_ERROR, FLAG_TARGET_NAME};
use crate::remote::links::link::{Link, ReplyFailure};
use crate::remote::links::net::Net;
use crate::reply::{send_error_reply, REPLY_DROPPED, REPLY_NOT_DELIVERED, REPLY_UNKNOWN_TARGET};

/// One connection's dispatcher, with its own copy of the exposed names it looked up.
pub(crate) struct Dispatch<'a> {
    net: &'a Net,
    link: &'a Arc<Link>,
    cache: ExposedCache<'a>,
}

impl<'a> Dispatch<'a> {
    pub(crate) fn new(net: &'a Net, link: &'a Arc<Link>) -> Self {
        Self { net, link, cache: net.exposed.cache() }
    }

    /// Delivers a `Tell` or an `Ask`, waiting for room in a full mailbox.
    pub(crate) async fn request(&mut self, header: &FrameHeader, payload: &[u8]) {
        let (net, link) = (self.net, self.link);
        let inbound =
            (header.flags & FLAG_TARGET_NAME != 0).then(|| self.cache.get(header.target)).flatten();
        match inbound {
            Some(inbound) => deliver(net, link, header, inbound, payload).await,
            None if header.kind == FrameKind::Ask
                && header.target == 0
                && header.flags & FLAG_TARGET_NAME == 0 =>
            {
                sys::answer(net, link, header, payload)
            }
            None => refuse(net, link, header, REPLY_UNKNOWN_TARGET, "unknown target"),
        }
    }

    /// Completes the ask a `Reply` answers (ignored if nobody waits for it).
    pub(crate) fn reply(&self, header: &FrameHeader, payload: &[u8]) {
        let result =
            if header.flags & FLAG_ERROR != 0 { Err(reply_failure(payload)) } else { Ok(payload) };
        self.link.complete_reply(header.correlation, result);
    }
}

async fn deliver(
    net: &Net,
    link: &Arc<Link>,
    header: &FrameHeader,
    inbound: &dyn Inbound,
    payload: &[u8],
) {
    let route = (header.kind == FrameKind::Ask).then_some(link);
    let failed = match inbound.deliver(route, payload) {
        Delivery::Done => return,
        Delivery::Wait(room) => match room.await {
            Ok(()) => return,
            Err(why) => why,
        },
        Delivery::Failed(why) => why,
    };
    refuse(net, link, header, REPLY_NOT_DELIVERED, &failed);
}

/// A frame that reached no actor: the asker is told; a tell goes to dead letters.
fn refuse(net: &Net, link: &Link, header: &FrameHeader, code: u8, why: &str) {
    let target =
        net.exposed.name_of(header.target).unwrap_or_else(|| format!("{:#x}", header.target));
    tracing::debug!(peer = %link.peer, %target, why, "remote message not delivered");
    if header.kind == FrameKind::Ask {
        send_error_reply(link, header.correlation, code, why);
    } else {
        net.dead_letter(&link.peer, target, why);
    }
}

fn reply_failure(payload: &[u8]) -> ReplyFailure {
    match payload.split_first() {
        Some((&REPLY_DROPPED, _)) => ReplyFailure::Dropped,
        Some((_, why)) => ReplyFailure::Remote(String::from_utf8_lossy(why).into_owned()),
        None => ReplyFailure::Remote("failed without a reason".into()),
    }
}
