//! The links: what a node keeps about each peer node across the connections that
//! come and go under it. Listening (`accept`, with `admission`, `unix` and
//! `refusals`) and dialing (`dial`), the link table (`net`), one peer's state
//! (`link`), one connection's opening, reader and writer (`conn`, `reader`,
//! `writer`), the outbound queue with its retained frames (`outbox`), and the socket
//! halves beneath (`stream`).

pub(crate) mod accept;
pub(crate) mod admission;
pub(crate) mod conn;
pub(crate) mod dial;
pub(crate) mod link;
pub(crate) mod net;
pub(crate) mod outbox;
pub(crate) mod reader;
pub(crate) mod refusals;
pub(crate) mod stream;
pub(crate) mod unix;
pub(crate) mod writer;
