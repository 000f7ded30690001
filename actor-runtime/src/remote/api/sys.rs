//! Requests addressed to a node rather than to one of its actors (`Ask` with target
//! 0): today, looking up the message type behind a name, so that a remote
//! reference is typed as strictly as a local one.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::remote::codec::frame::{FrameHeader, FrameKind};
use crate::remote::codec::payload::{decode_payload, RemoteMessage};
use crate::remote::links::link::{Link, ReplyFailure};
use crate::remote::links::net::Net;
use crate::remote::links::outbox::PushError;
use crate::reply::{send_error_reply, REPLY_NOT_DELIVERED};

/// Which message type does the actor exposed as `name` take?
#[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub(crate) struct LookupRequest {
    pub(crate) name: String,
}

/// The answer: the wire type's name, or `None` if nothing is exposed under the name.
#[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub(crate) struct LookupReply {
    pub(crate) wire_type: Option<String>,
}

/// Answers a node-level request from the peer.
pub(crate) fn answer(net: &Net, link: &Link, header: &FrameHeader, payload: &[u8]) {
    let request = match decode_payload::<LookupRequest>(payload) {
        Ok(request) => request,
        Err(e) => {
            send_error_reply(link, header.correlation, REPLY_NOT_DELIVERED, &e.to_string());
            return;
        }
    };
    let reply = LookupReply { wire_type: net.exposed.wire_type(&request.name).map(str::to_owned) };
    let mut out = FrameHeader::new(FrameKind::Reply);
    out.correlation = header.correlation;
    let _ = link.outbox.push_with(out, true, |enc, h| enc.push(h, &reply));
}

/// Why a node-level request failed.
#[derive(Debug)]
pub(crate) enum RequestError {
    Timeout,
    Failed(ReplyFailure),
    NotQueued,
}

impl std::fmt::Display for RequestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Timeout => f.write_str("no answer in time"),
            Self::Failed(ReplyFailure::Dropped) => f.write_str("the node dropped the request"),
            Self::Failed(ReplyFailure::Remote(why)) => write!(f, "the node refused: {why}"),
            Self::Failed(ReplyFailure::LinkLost) => {
                f.write_str("the node restarted or this one shut down")
            }
            Self::NotQueued => f.write_str("the link is closed"),
        }
    }
}

/// Sends a node-level request to the peer and awaits its answer.
pub(crate) async fn request<Req: RemoteMessage, Rep: RemoteMessage>(
    link: &Arc<Link>,
    request: &Req,
    timeout: Duration,
) -> Result<Rep, RequestError> {
    let id = link.next_correlation();
    let (tx, rx) = oneshot::channel();
    link.register_reply_at(
        id,
        Box::new(move |result| {
            let decoded = result.and_then(|bytes| {
                decode_payload::<Rep>(bytes).map_err(|e| ReplyFailure::Remote(e.to_string()))
            });
            let _ = tx.send(decoded);
        }),
    );
    let mut header = FrameHeader::new(FrameKind::Ask);
    header.correlation = id;
    if let Err(e) = link.outbox.push_with(header, true, |enc, h| enc.push(h, request)) {
        link.forget_reply(id);
        if let PushError::Wire(e) = e {
            tracing::warn!(error = %e, "cannot encode a node request");
        }
        return Err(RequestError::NotQueued);
    }
    match tokio::time::timeout(timeout, rx).await {
        Ok(Ok(Ok(reply))) => Ok(reply),
        Ok(Ok(Err(failure))) => Err(RequestError::Failed(failure)),
        Ok(Err(_)) => Err(RequestError::Failed(ReplyFailure::LinkLost)),
        Err(_) => {
            link.forget_reply(id);
            Err(RequestError::Timeout)
        }
    }
}
