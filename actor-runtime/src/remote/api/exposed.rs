//! The actors a node exposes to its peers, by the hash of their name (the `target` of
//! a frame with `TARGET_NAME`), and the names it has reserved: names it will expose
//! shortly, whose frames are held until then (see `held`).
//!
//! Each connection's reader keeps its own copy of what it has looked up, so the
//! shared map is touched once per name, not once per frame; a generation counter,
//! bumped on every change, tells the readers to drop their copies.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use dashmap::DashMap;
use tokio::sync::Notify;

use super::inbound::Inbound;
use crate::remote::codec::frame::name_hash;

/// What a name stands for.
#[derive(Clone)]
enum Target {
    /// An actor takes its frames.
    Live(Arc<dyn Inbound>),
    /// Reserved for an actor taking this wire type, not exposed yet.
    Reserved(&'static str),
}

struct Entry {
    name: String,
    target: Target,
}

#[derive(Default)]
pub(crate) struct Exposed {
    map: DashMap<u64, Entry>,
    generation: AtomicU64,
    /// Woken on every change: frames held for a reserved name wait on it.
    pub(crate) changed: Notify,
}

/// Why a name cannot be exposed or reserved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ExposeError {
    /// Another live actor is exposed under the name.
    #[error("another live actor is exposed under that name")]
    Taken,
    /// Another name with the same 64-bit hash is exposed.
    #[error("its hash collides with the exposed name {0:?}")]
    HashCollision(String),
    /// The name is reserved for actors of another message type.
    #[error("it is reserved for messages of type {0}")]
    ReservedForAnother(&'static str),
}

/// What a frame's target names, as a reader sees it.
pub(crate) enum Found<'a> {
    Live(&'a dyn Inbound),
    /// Reserved: hold the frame until the name is exposed.
    Reserved,
    Unknown,
}

impl Exposed {
    pub(crate) fn insert(&self, name: &str, inbound: Arc<dyn Inbound>) -> Result<(), ExposeError> {
        let wire_type = inbound.wire_type();
        self.put(name, |current| match current {
            Some(Target::Live(live)) if live.is_alive() => Err(ExposeError::Taken),
            Some(Target::Reserved(reserved)) if *reserved != wire_type => {
                Err(ExposeError::ReservedForAnother(reserved))
            }
            _ => Ok(Target::Live(inbound)),
        })
    }

    /// Reserves `name` for an actor taking `wire_type`, to be exposed later.
    pub(crate) fn reserve(&self, name: &str, wire_type: &'static str) -> Result<(), ExposeError> {
        self.put(name, |current| match current {
            Some(Target::Live(live)) if live.is_alive() => Err(ExposeError::Taken),
            Some(Target::Reserved(reserved)) if *reserved != wire_type => {
                Err(ExposeError::ReservedForAnother(reserved))
            }
            _ => Ok(Target::Reserved(wire_type)),
        })
    }

    /// Sets what `name` stands for, from what it stood for (`None`: nothing).
    fn put(
        &self,
        name: &str,
        next: impl FnOnce(Option<&Target>) -> Result<Target, ExposeError>,
    ) -> Result<(), ExposeError> {
        let hash = name_hash(name);
        let result = match self.map.entry(hash) {
            dashmap::mapref::entry::Entry::Occupied(mut slot) => {
                let entry = slot.get();
                if entry.name != name {
                    return Err(ExposeError::HashCollision(entry.name.clone()));
                }
                next(Some(&entry.target)).map(|target| {
                    slot.insert(Entry { name: name.to_owned(), target });
                })
            }
            dashmap::mapref::entry::Entry::Vacant(slot) => next(None).map(|target| {
                slot.insert(Entry { name: name.to_owned(), target });
            }),
        };
        self.changed();
        result
    }

    pub(crate) fn remove(&self, name: &str) -> bool {
        let removed = self.map.remove_if(&name_hash(name), |_, e| e.name == name).is_some();
        self.changed();
        removed
    }

    fn changed(&self) {
        self.generation.fetch_add(1, Ordering::Release);
        self.changed.notify_waiters();
    }

    /// The wire type of the live actor exposed as `name`, or the one `name` is
    /// reserved for.
    pub(crate) fn wire_type(&self, name: &str) -> Option<&'static str> {
        let entry = self.map.get(&name_hash(name))?;
        match &entry.target {
            _ if entry.name != name => None,
            Target::Live(live) => live.is_alive().then(|| live.wire_type()),
            Target::Reserved(wire_type) => Some(wire_type),
        }
    }

    pub(crate) fn name_of(&self, hash: u64) -> Option<String> {
        self.map.get(&hash).map(|e| e.name.clone())
    }

    /// Whether the name hashing to `hash` is reserved and not exposed yet.
    pub(crate) fn is_reserved(&self, hash: u64) -> bool {
        self.map.get(&hash).is_some_and(|e| matches!(e.target, Target::Reserved(_)))
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
    map: HashMap<u64, Target, BuildHasherDefault<IdentityHasher>>,
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
    /// What the name hashing to `hash` stands for: one atomic load and a map probe
    /// per frame (a stream to one actor hits the same entry each time).
    pub(crate) fn get(&mut self, hash: u64) -> Found<'_> {
        let now = self.exposed.generation.load(Ordering::Acquire);
        if now != self.generation {
            self.map.clear();
            self.generation = now;
        }
        if !self.map.contains_key(&hash) {
            let Some(entry) = self.exposed.map.get(&hash) else { return Found::Unknown };
            let target = entry.target.clone();
            drop(entry);
            self.map.insert(hash, target);
        }
        match self.map.get(&hash) {
            Some(Target::Live(inbound)) => Found::Live(&**inbound),
            Some(Target::Reserved(_)) => Found::Reserved,
            None => Found::Unknown,
        }
    }
}
