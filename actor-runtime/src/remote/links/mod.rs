//! The links: what a node keeps about each peer node across the connections that
//! come and go under it. Listening and dialing, one connection's reader and writer,
//! the outbound queue with its retained frames, and the socket halves beneath.

pub(crate) mod conn;
pub(crate) mod link;
pub(crate) mod net;
pub(crate) mod outbox;
pub(crate) mod reader;
pub(crate) mod stream;
pub(crate) mod writer;
