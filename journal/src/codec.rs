//! How a record's payload is made from an item and read back: raw bytes, or an rkyv
//! archive (validated with bytecheck before it is read).

use std::marker::PhantomData;

use rkyv::api::high::{HighDeserializer, HighSerializer, HighValidator};
use rkyv::bytecheck::CheckBytes;
use rkyv::rancor;
use rkyv::ser::allocator::ArenaHandle;
use rkyv::{Archive, Deserialize, Serialize};

/// Turns items into record payloads and back.
pub trait Codec {
    /// What [`Journal::append`](crate::Journal::append) takes.
    type Item: ?Sized;
    /// What decoding a payload gives.
    type Owned;

    /// Appends the payload of `item` to `out`. `out.len()` is a multiple of 16 when
    /// called and stays a multiple of 16 in the file, so position-dependent encoders
    /// (rkyv) lay out their alignment as it will be on disk.
    fn encode(item: &Self::Item, out: &mut Vec<u8>) -> Result<(), String>;

    /// Reads a payload back. `bytes` starts 16-byte aligned when it comes from a
    /// journal file.
    fn decode(bytes: &[u8]) -> Result<Self::Owned, String>;
}

/// Payloads are the caller's bytes, as they are.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bytes;

impl Codec for Bytes {
    type Item = [u8];
    type Owned = Vec<u8>;

    #[inline]
    fn encode(item: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        out.extend_from_slice(item);
        Ok(())
    }

    fn decode(bytes: &[u8]) -> Result<Vec<u8>, String> {
        Ok(bytes.to_vec())
    }
}

/// Payloads are rkyv archives of `T`, serialized straight into the journal's batch
/// buffer (no intermediate allocation) and validated with bytecheck when read.
pub struct Rkyv<T>(PhantomData<fn() -> T>);

impl<T> Codec for Rkyv<T>
where
    T: Archive
        + for<'a, 'b> Serialize<HighSerializer<&'b mut Vec<u8>, ArenaHandle<'a>, rancor::Error>>,
    T::Archived: for<'a> CheckBytes<HighValidator<'a, rancor::Error>>
        + Deserialize<T, HighDeserializer<rancor::Error>>,
{
    type Item = T;
    type Owned = T;

    #[inline]
    fn encode(item: &T, out: &mut Vec<u8>) -> Result<(), String> {
        rkyv::api::high::to_bytes_in::<_, rancor::Error>(item, out)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn decode(bytes: &[u8]) -> Result<T, String> {
        rkyv::from_bytes::<T, rancor::Error>(bytes).map_err(|e| e.to_string())
    }
}

/// Validated, zero-copy access to an rkyv payload read from a journal file (whose
/// payloads are 16-byte aligned): for replay that reads records in place.
pub fn access_archived<T>(payload: &[u8]) -> Result<&T::Archived, String>
where
    T: Archive,
    T::Archived: for<'a> CheckBytes<HighValidator<'a, rancor::Error>>,
{
    rkyv::access::<T::Archived, rancor::Error>(payload).map_err(|e| e.to_string())
}
