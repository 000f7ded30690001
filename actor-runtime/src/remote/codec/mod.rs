//! The codec: bytes on the wire and nothing else. The fixed frame header, frames
//! serialized into and read from aligned batch buffers, rkyv payloads, and the
//! handshake that opens every connection. Knows nothing of links or actors.

pub(crate) mod decoder;
pub(crate) mod encoder;
pub(crate) mod frame;
pub(crate) mod handshake;
pub(crate) mod payload;
pub(crate) mod seal;
