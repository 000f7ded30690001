//! Where a link's reader hands the frames it accepted: a request (`Tell`, `Ask`) to
//! the actor exposed under its target, or to the node itself, or to be held while
//! its name is reserved (see `held`); a `Reply` to the ask awaiting it. A request
//! that reaches no actor is refused: the asker is told, a tell goes to the dead
//! letters.

use std::sync::Arc;

use super::exposed::{ExposedCache, Found};
use super::held::HeldFrame;
use super::inbound::{Delivery, Inbound};
use super::sys;
use crate::remote::codec::frame::{FrameHeader, FrameKind, FLAG_ERROR, FLAG_TARGET_NAME};
use crate::remote::links::link::{Link, ReplyFailure};
use crate::remote::links::net::Net;
use crate::reply::{send_error_reply, REPLY_DROPPED, REPLY_NOT_DELIVERED, REPLY_UNKNOWN_TARGET};

/// One connection's dispatcher, with its own copy of the exposed names it looked up.
pub(crate) struct Dispatch<'a> {
    net: &'a Arc<Net>,
    link: &'a Arc<Link>,
    cache: ExposedCache<'a>,
}

impl<'a> Dispatch<'a> {
    pub(crate) fn new(net: &'a Arc<Net>, link: &'a Arc<Link>) -> Self {
        Self { net, link, cache: net.exposed.cache() }
    }

    /// Delivers a `Tell` or an `Ask`, waiting for room in a full mailbox, or holds
    /// it while its name is reserved.
    pub(crate) async fn request(&mut self, header: &FrameHeader, payload: &[u8]) {
        let (net, link) = (self.net, self.link);
        if header.flags & FLAG_TARGET_NAME != 0 {
            // Behind frames held for the same name, whatever it stands for now.
            let behind = !link.held.is_empty() && link.held.holds(header.target);
            match self.cache.get(header.target) {
                Found::Live(inbound) if !behind => {
                    return deliver(net, link, header, inbound, payload).await
                }
                Found::Live(_) | Found::Reserved => return hold(net, link, header, payload).await,
                Found::Unknown if behind => return hold(net, link, header, payload).await,
                Found::Unknown => {}
            }
        } else if header.kind == FrameKind::Ask && header.target == 0 {
            return sys::answer(net, link, header, payload);
        }
        refuse(net, link, header, REPLY_UNKNOWN_TARGET, "unknown target");
    }

    /// Completes the ask a `Reply` answers (ignored if nobody waits for it).
    pub(crate) fn reply(&self, header: &FrameHeader, payload: &[u8]) {
        let result =
            if header.flags & FLAG_ERROR != 0 { Err(reply_failure(payload)) } else { Ok(payload) };
        self.link.complete_reply(header.correlation, result);
    }
}

/// Holds a frame for a reserved name, waiting while the link holds its bound.
async fn hold(net: &Arc<Net>, link: &Arc<Link>, header: &FrameHeader, payload: &[u8]) {
    let bound = net.config.outbound_bytes;
    loop {
        let room = link.held.room.notified();
        tokio::pin!(room);
        room.as_mut().enable();
        if link.held.bytes() < bound {
            break;
        }
        room.await;
    }
    let name = net.exposed.name_of(header.target).unwrap_or_default();
    if link.held.push(*header, payload, name) {
        tokio::spawn(deliver_held(net.clone(), link.clone()));
    }
}

/// Delivers a link's held frames, in order, as their names are exposed (or refuses
/// them if a name is withdrawn), until none is left.
async fn deliver_held(net: Arc<Net>, link: Arc<Link>) {
    loop {
        let changed = net.exposed.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        while let Some(frame) = link.held.take_ready(|target| !net.exposed.is_reserved(target)) {
            let mut cache = net.exposed.cache();
            let header = &frame.header;
            match cache.get(header.target) {
                Found::Live(inbound) => deliver(&net, &link, header, inbound, &frame.payload).await,
                _ => {
                    let why = "the name was withdrawn before an actor was exposed under it";
                    refuse_to(&net, &link, header, &frame.name, REPLY_UNKNOWN_TARGET, why)
                }
            }
            link.held.delivered(frame);
        }
        if link.held.stop_if_empty() {
            return;
        }
        tokio::select! {
            _ = &mut changed => {}
            _ = link.held.more.notified() => {}
            _ = net.token.cancelled() => return,
        }
    }
}

/// Refuses frames held when they can no longer be delivered.
pub(crate) fn refuse_held(net: &Net, link: &Link, frames: Vec<HeldFrame>, why: &str) {
    for frame in frames {
        refuse_to(net, link, &frame.header, &frame.name, REPLY_NOT_DELIVERED, why);
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
    refuse_to(net, link, header, &target, code, why);
}

/// [`refuse`], for a frame sent to the name `target`.
fn refuse_to(net: &Net, link: &Link, header: &FrameHeader, target: &str, code: u8, why: &str) {
    tracing::debug!(peer = %link.peer, %target, why, "remote message not delivered");
    if header.kind == FrameKind::Ask {
        send_error_reply(link, header.correlation, code, why);
    } else {
        net.dead_letter(&link.peer, target.to_owned(), why);
    }
}

fn reply_failure(payload: &[u8]) -> ReplyFailure {
    match payload.split_first() {
        Some((&REPLY_DROPPED, _)) => ReplyFailure::Dropped,
        Some((_, why)) => ReplyFailure::Remote(String::from_utf8_lossy(why).into_owned()),
        None => ReplyFailure::Remote("failed without a reason".into()),
    }
}
