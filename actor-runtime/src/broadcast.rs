//! [`Broadcast`]: fan one message out to many actors, cloning it once per subscriber.
//! With `M = Arc<T>` (or an enum holding one) each clone is one reference-count
//! increment: the payload itself is never copied.

use crate::actor_ref::ActorRef;
use crate::error::SendError;

/// A list of subscribers that all receive every message.
pub struct Broadcast<M> {
    subscribers: Vec<ActorRef<M>>,
}

impl<M> Default for Broadcast<M> {
    fn default() -> Self {
        Self { subscribers: Vec::new() }
    }
}

impl<M: Clone + Send + 'static> Broadcast<M> {
    /// An empty broadcast list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a subscriber (once: adding it again does nothing).
    pub fn subscribe(&mut self, actor: ActorRef<M>) {
        if !self.subscribers.contains(&actor) {
            self.subscribers.push(actor);
        }
    }

    /// Removes a subscriber; returns whether it was subscribed.
    pub fn unsubscribe(&mut self, actor: &ActorRef<M>) -> bool {
        let before = self.subscribers.len();
        self.subscribers.retain(|s| s != actor);
        before != self.subscribers.len()
    }

    /// How many subscribers there are.
    pub fn len(&self) -> usize {
        self.subscribers.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.subscribers.is_empty()
    }

    /// Sends `msg` to every subscriber in turn, waiting on each full mailbox
    /// (backpressure from the slowest). Subscribers that have ended are dropped from
    /// the list; returns how many received it.
    pub async fn send(&mut self, msg: &M) -> usize {
        let mut delivered = 0;
        let mut ended = false;
        for s in &self.subscribers {
            match s.send(msg.clone()).await {
                Ok(()) => delivered += 1,
                Err(_) => ended = true,
            }
        }
        if ended {
            self.subscribers.retain(ActorRef::is_alive);
        }
        delivered
    }

    /// Offers `msg` to every subscriber without waiting. Calls `on_full` with each
    /// subscriber whose mailbox is full and the message it missed; ended subscribers
    /// are dropped from the list. Returns how many received it.
    pub fn try_send(&mut self, msg: &M, mut on_full: impl FnMut(&ActorRef<M>, M)) -> usize {
        let mut delivered = 0;
        let mut ended = false;
        for s in &self.subscribers {
            match s.try_send(msg.clone()) {
                Ok(()) => delivered += 1,
                Err(SendError::Full(m)) => on_full(s, m),
                Err(_) => ended = true,
            }
        }
        if ended {
            self.subscribers.retain(ActorRef::is_alive);
        }
        delivered
    }
}
