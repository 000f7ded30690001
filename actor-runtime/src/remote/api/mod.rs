//! What users and the rest of the runtime call: the node's remote methods, the
//! remote half of `ActorRef`, the actors exposed to peers and how a frame reaches
//! one, and the requests addressed to a node itself.

pub(crate) mod dispatch;
pub(crate) mod exposed;
pub(crate) mod held;
pub(crate) mod inbound;
mod node;
pub(crate) mod remote_ref;
pub(crate) mod sys;
