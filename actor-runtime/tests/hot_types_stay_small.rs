//! The types every message moves through stay small: each byte of them is copied at
//! every move of every message (measured: a six-word `ReplyTo` made same-thread asks
//! about a quarter slower than a two-word one).
mod common;
use common::*;
use mycelium::{Node, ReplyTo};

/// `ActorRef::send`'s future: every handler that awaits a send holds one in its own
/// state, whether the target is local or remote (one type for both). A remote send's
/// wait for room once made it 744 bytes for a `u64` message.
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

/// A `ReplyTo` sits in every message enum with a request variant: two words, so that
/// such an enum is not three times the size of its other variants.
#[test]
fn a_reply_port_is_two_words() {
    let word = std::mem::size_of::<usize>();
    assert!(std::mem::size_of::<ReplyTo<u64>>() <= 2 * word);
    assert!(std::mem::size_of::<ReplyTo<[u64; 8]>>() <= 2 * word);
}

/// An ask's future is held by every task or handler that asks. Its rare paths (a
/// remote actor, a full mailbox) are boxed: inline they made it 992 bytes.
#[tokio::test]
async fn an_ask_future_keeps_its_rare_paths_out_of_line() {
    let node = Node::new("sizes");
    let (rec, _rx) = recorder::<u64>();
    let actor = node.spawn(rec).expect("spawn");
    let ask = actor.ask(RecMsg::Count, WAIT);
    let size = std::mem::size_of_val(&ask);
    assert!(size <= 320, "ask future of {size} bytes");
    assert_eq!(within("the answer", ask).await.expect("answered"), 0);
}
