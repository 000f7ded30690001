//! `ctx.stop()` in `started` ends the actor once `started` returns, with
//! `ExitReason::Normal`, without waiting for a first message: `stopped` runs, what was
//! queued goes to dead letters, and later sends are refused.
mod support;

use mycelium::{Actor, ActorError, Context, ExitReason, Node, SpawnOptions};
use support::*;

struct StopsAtOnce(Events);

impl Actor for StopsAtOnce {
    type Msg = ProbeMsg;
    async fn started(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        let _ = self.0.send(started("quitter", 0));
        ctx.stop();
        Ok(())
    }
    async fn handle(&mut self, msg: ProbeMsg, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        if let ProbeMsg::Value(v) = msg {
            let _ = self.0.send(handled("quitter", 0, v));
        }
        Ok(())
    }
    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        let _ = self.0.send(stopped("quitter", 0));
    }
}

#[tokio::test]
async fn an_actor_that_stops_in_started_ends_without_a_message() {
    let node = Node::new("stop-in-started");
    let (tx, mut rx) = events();
    let quitter =
        node.spawn_started(StopsAtOnce(tx), SpawnOptions::new().name("quitter")).await.unwrap();
    expect_events(&mut rx, &[started("quitter", 0), stopped("quitter", 0)]).await;
    assert_eq!(within("the end", quitter.join()).await, ExitReason::Normal);
    assert_refuses_every_send(&quitter).await;
    assert!(node.lookup::<ProbeMsg>("quitter").is_err());
}

#[tokio::test]
async fn what_was_queued_before_goes_to_dead_letters() {
    let node = Node::new("stop-in-started-queued");
    let (tx, mut rx) = events();
    // Queued before `started` runs (this thread runs the instance only at the await).
    let quitter = node.spawn(StopsAtOnce(tx)).unwrap();
    for v in 0..3 {
        quitter.try_send(ProbeMsg::Value(v)).unwrap();
    }
    assert_eq!(within("the end", quitter.join()).await, ExitReason::Normal);
    expect_events(&mut rx, &[started("quitter", 0), stopped("quitter", 0)]).await;
    let letters = node.dead_letters().wait_for(3, WAIT).await;
    assert_eq!(dead_values(&letters), vec![0, 1, 2]);
    assert_quiet(&mut rx);
}
