//! What may cross a process, and the payload helpers.
//!
//! A remote message derives rkyv 0.8 `Archive`, `Serialize` and `Deserialize`; the
//! blanket impl of [`RemoteMessage`] then covers it. Receivers always validate the
//! bytes (bytecheck) before touching them: [`access_payload`] reads the archived form
//! in place, [`decode_payload`] builds an owned value.

use rkyv::api::high::{HighDeserializer, HighSerializer, HighValidator};
use rkyv::bytecheck::CheckBytes;
use rkyv::rancor;
use rkyv::ser::allocator::ArenaHandle;
use rkyv::ser::sharing::Share;
use rkyv::ser::Serializer;
use rkyv::util::{with_arena, AlignedVec};
use rkyv::{Archive, Archived, Deserialize, Serialize};

use super::frame::FRAME_ALIGN;

/// A message that may be sent to an actor on another node: rkyv-serializable into an
/// [`AlignedVec`], and validatable and deserializable on the other side.
///
/// Implemented for every type that meets the bounds; derive
/// `rkyv::{Archive, Serialize, Deserialize}` on the message type.
pub trait RemoteMessage:
    Archive<
        Archived: for<'a> CheckBytes<HighValidator<'a, rancor::Error>>
                      + Deserialize<Self, HighDeserializer<rancor::Error>>,
    > + for<'a> Serialize<HighSerializer<AlignedVec, ArenaHandle<'a>, rancor::Error>>
    + Sized
    + Send
    + 'static
{
}

impl<T> RemoteMessage for T where
    T: Archive<
            Archived: for<'a> CheckBytes<HighValidator<'a, rancor::Error>>
                          + Deserialize<T, HighDeserializer<rancor::Error>>,
        > + for<'a> Serialize<HighSerializer<AlignedVec, ArenaHandle<'a>, rancor::Error>>
        + Send
        + 'static
{
}

/// Why a payload could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// rkyv failed to serialize the value.
    #[error("cannot serialize payload: {0}")]
    Serialize(#[source] rancor::Error),
    /// The bytes are not a valid archive of the expected type.
    #[error("invalid payload: {0}")]
    Invalid(#[source] rancor::Error),
    /// Deserializing the validated archive failed.
    #[error("cannot deserialize payload: {0}")]
    Deserialize(#[source] rancor::Error),
    /// The payload does not start at a 16-byte aligned address (use the buffers of
    /// `FrameDecoder` or an `AlignedVec`).
    #[error("payload is not 16-byte aligned")]
    Misaligned,
    /// The encoded payload is over the frame size limit.
    #[error("payload of {len} bytes is over the limit of {max}")]
    Oversized {
        /// The encoded length.
        len: u64,
        /// The limit in force.
        max: u32,
    },
}

/// Serializes `value` into `out`, replacing its contents and reusing its capacity.
pub fn encode_payload<T: RemoteMessage>(value: &T, out: &mut AlignedVec) -> Result<(), WireError> {
    out.clear();
    append_payload(value, out)
}

/// Serializes `value` at the end of `out`. The current length of `out` must be a
/// multiple of [`FRAME_ALIGN`] so that the archive's alignment holds relative to its
/// own start. On error `out` is left as it was.
pub(crate) fn append_payload<T: RemoteMessage>(
    value: &T,
    out: &mut AlignedVec,
) -> Result<(), WireError> {
    let start = out.len();
    debug_assert_eq!(start % FRAME_ALIGN, 0, "payload must start aligned");
    let writer = std::mem::take(out);
    let (writer, result) = with_arena(|arena| {
        let mut serializer = Serializer::new(writer, arena.acquire(), Share::new());
        let result = rkyv::api::serialize_using::<_, rancor::Error>(value, &mut serializer);
        (serializer.into_writer(), result)
    });
    *out = writer;
    if let Err(e) = result {
        out.resize(start, 0);
        return Err(WireError::Serialize(e));
    }
    Ok(())
}

/// Validates `bytes` as an archived `T` and returns it in place (zero-copy).
///
/// `bytes` must start 16-byte aligned, as the payloads `FrameDecoder` returns do.
pub fn access_payload<T: RemoteMessage>(bytes: &[u8]) -> Result<&Archived<T>, WireError> {
    // An empty slice may dangle anywhere; rkyv judges it (valid only for empty types).
    if !bytes.is_empty() && bytes.as_ptr() as usize & (FRAME_ALIGN - 1) != 0 {
        return Err(WireError::Misaligned);
    }
    rkyv::access::<Archived<T>, rancor::Error>(bytes).map_err(WireError::Invalid)
}

/// Validates `bytes` as an archived `T`, then deserializes an owned `T`.
pub fn decode_payload<T: RemoteMessage>(bytes: &[u8]) -> Result<T, WireError> {
    let archived = access_payload::<T>(bytes)?;
    rkyv::deserialize::<T, rancor::Error>(archived).map_err(WireError::Deserialize)
}
