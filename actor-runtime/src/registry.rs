//! The node's registry: actors by name, looked up with their message type.
//!
//! Touched on register, lookup and actor end, never per send: a looked-up
//! [`ActorRef`] is kept and used directly.

use std::any::{type_name, Any};

use dashmap::mapref::entry::Entry as MapEntry;
use dashmap::DashMap;

use crate::actor_ref::ActorRef;
use crate::error::RegistryError;
use crate::id::ActorId;

/// One registered name, as listed by [`Registry::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The name.
    pub name: String,
    /// The actor holding it.
    pub id: ActorId,
    /// The type of messages that actor takes.
    pub message_type: &'static str,
}

struct Entry {
    id: ActorId,
    message_type: &'static str,
    actor_ref: Box<dyn Any + Send + Sync>,
}

/// Actors by name. Names stay until the actor ends or is unregistered.
#[derive(Default)]
pub struct Registry {
    map: DashMap<String, Entry>,
}

impl Registry {
    /// Registers `actor` under `name`. The name is freed when the actor ends.
    pub fn register<M: Send + 'static>(
        &self,
        name: &str,
        actor: &ActorRef<M>,
    ) -> Result<(), RegistryError> {
        let Some(cell) = actor.local() else {
            return Err(RegistryError::NotLocal(name.to_owned()));
        };
        if !actor.is_alive() {
            return Err(RegistryError::NotFound(name.to_owned()));
        }
        match self.map.entry(name.to_owned()) {
            MapEntry::Occupied(_) => return Err(RegistryError::NameTaken(name.to_owned())),
            MapEntry::Vacant(slot) => {
                slot.insert(Entry {
                    id: actor.id(),
                    message_type: type_name::<M>(),
                    actor_ref: Box::new(actor.clone()),
                });
            }
        }
        cell.note_registered(name);
        // The actor may have ended between the liveness check and the insert; its
        // cleanup may then have missed this name.
        if !actor.is_alive() {
            self.remove_if(name, actor.id());
        }
        Ok(())
    }

    /// Looks `name` up as an actor taking messages of type `M`.
    pub fn lookup<M: Send + 'static>(&self, name: &str) -> Result<ActorRef<M>, RegistryError> {
        let entry = self.map.get(name).ok_or_else(|| RegistryError::NotFound(name.to_owned()))?;
        entry.actor_ref.downcast_ref::<ActorRef<M>>().cloned().ok_or_else(|| {
            RegistryError::TypeMismatch {
                name: name.to_owned(),
                expected: type_name::<M>(),
                found: entry.message_type,
            }
        })
    }

    /// Removes `name`; returns whether it was registered.
    pub fn unregister(&self, name: &str) -> bool {
        self.map.remove(name).is_some()
    }

    /// Every registered name, sorted by name.
    pub fn list(&self) -> Vec<Registration> {
        let mut all: Vec<_> = self
            .map
            .iter()
            .map(|e| Registration { name: e.key().clone(), id: e.id, message_type: e.message_type })
            .collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    /// Removes `name` only if `id` still holds it (a newer actor may have taken it).
    pub(crate) fn remove_if(&self, name: &str, id: ActorId) {
        self.map.remove_if(name, |_, e| e.id == id);
    }
}
