//! The future of `ActorRef::send` stays small: every handler that awaits a send holds
//! one in its own state, whether the target is local or remote (one type for both).
//! A remote send's wait for room once made it 744 bytes for a `u64` message.
mod common;
use common::*;
use mycelium::Node;

#[tokio::test]
async fn a_send_future_is_a_few_words_beside_its_message() {
    let node = Node::new("sizes");
    let (rec, _rx) = recorder::<u64>();
    let actor = node.spawn(rec).expect("spawn");
    let message = std::mem::size_of::<RecMsg<u64>>();
    let send = actor.send(RecMsg::Put(1));
    let size = std::mem::size_of_val(&send);
    // The message and a few words, twice at most: an `async fn` may keep its argument
    // and the value it moves on in two slots.
    assert!(size <= 2 * message + 64, "send future of {size} bytes for a {message}-byte message");
    within("the send", send).await.expect("sent");
}
