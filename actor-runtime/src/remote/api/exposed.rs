//! The actors a node exposes to its peers, by the hash of their name (the `target` of
//! a frame with `TARGET_NAME`).
//!
//! Each connection's reader keeps its own copy of what it has looked up, so the
//! shared map is touched once per name, not once per frame; a generation counter,
//! bumped on every change, tells the readers to drop their copies.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use dashmap::DashMap;

use super::inbound::Inbound;
use crate::remote::codec::frame::name_hash;

struct Entry {
    name: String,
    inbound: Arc<dyn Inbound>,
}

#[derive(Default)]
pub(crate) struct Exposed {
    map: DashMap<u64, Entry>,
    generation: AtomicU64,
}

/// Why a name cannot be exposed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ExposeError {
    /// Another live actor is exposed under the name.
    #[error("another live actor is exposed under that name")]
    Taken,
    /// Another name with the same 64-bit hash is exposed.
    #[error("its hash collides with the exposed name {0:?}")]
    HashCollision(String),
}

impl Exposed {
    pub(crate) fn insert(&self, name: &str, inbound: Arc<dyn Inbound>) -> Result<(), ExposeError> {
        let hash = name_hash(name);
        let result = match self.map.entry(hash) {
            dashmap::mapref::entry::Entry::Occupied(mut slot) => {
                let entry = slot.get();
                if entry.name != name {
                    return Err(ExposeError::HashCollision(entry.name.clone()));
                }
                if entry.inbound.is_alive() {
                    return Err(ExposeError::Taken);
                }
                slot.insert(Entry { name: name.to_owned(), inbound });
                Ok(())
            }
            dashmap::mapref::entry::Entry::Vacant(slot) => {
                slot.insert(Entry { name: name.to_owned(), inbound });
                Ok(())
            }
        };
        self.generation.fetch_add(1, Ordering::Release);
        result
    }

    pub(crate) fn remove(&self, name: &str) -> bool {
        let removed = self.map.remove_if(&name_hash(name), |_, e| e.name == name).is_some();
        self.generation.fetch_add(1, Ordering::Release);
        removed
    }

    /// The wire type of the live actor exposed as `name`.
    pub(crate) fn wire_type(&self, name: &str) -> Option<&'static str> {
        let entry = self.map.get(&name_hash(name))?;
        (entry.name == name && entry.inbound.is_alive()).then(|| entry.inbound.wire_type())
    }

    pub(crate) fn name_of(&self, hash: u64) -> Option<String> {
        self.map.get(&hash).map(|e| e.name.clone())
    }

    pub(crate) fn cache(&self) -> ExposedCache<'_> {
        ExposedCache {
            exposed: self,
            generation: self.generation.load(Ordering::Acquire),
            map: HashMap::default(),
        }
    }
}

/// One reader's copy of the lookups it made.
pub(crate) struct ExposedCache<'a> {
    exposed: &'a Exposed,
    generation: u64,
    /// Keyed by name hashes, which are already well mixed: no need for SipHash.
    map: HashMap<u64, Arc<dyn Inbound>, BuildHasherDefault<IdentityHasher>>,
}

/// Passes a `u64` key through: name hashes are FNV-1a outputs already.
#[derive(Default)]
pub(crate) struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl ExposedCache<'_> {
    /// The actor exposed under the name hashing to `hash`: one atomic load and a
    /// map probe per frame (a stream to one actor hits the same entry each time).
    pub(crate) fn get(&mut self, hash: u64) -> Option<&dyn Inbound> {
        let now = self.exposed.generation.load(Ordering::Acquire);
        if now != self.generation {
            self.map.clear();
            self.generation = now;
        }
        if !self.map.contains_key(&hash) {
            let found = self.exposed.map.get(&hash)?.inbound.clone();
            self.map.insert(hash, found);
        }
        self.map.get(&hash).map(|found| &**found)
    }
}
