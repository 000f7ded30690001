//! With an answer lag of `n`, a strategy host sends its next steps while the answers
//! to `n` earlier ones are still on their way: an execution that answers only once it
//! holds `n + 1` steps is traded with to the end. In lockstep (no lag) the host waits
//! for each answer before its next tick, so the same execution gets one step and no
//! more. At the end (`Finish`) every answer is applied.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mycelium::{Actor, ActorError, Context, Node, ReplyTo};
use mycelium_execution::{ExecMsg, OrderUpdate, Recovery, StrategyId};
use mycelium_market_data::{FeedTick, MarketTick, Quote, Side, Symbol, TickEvent};
use mycelium_strategies::{Strategy, StrategyContext, StrategyHost, StrategyMsg};

/// Execution as a fake that answers steps only in groups of `group`, all at once.
struct Grouping {
    group: usize,
    held: Vec<ReplyTo<Vec<OrderUpdate>>>,
    seen: Arc<Mutex<Vec<u64>>>,
}

impl Actor for Grouping {
    type Msg = ExecMsg<StrategyMsg>;
    async fn handle(
        &mut self,
        msg: ExecMsg<StrategyMsg>,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        match msg {
            ExecMsg::Register { reply, .. } | ExecMsg::RegisterLive { reply, .. } => {
                let _ = reply.send(Recovery::default());
            }
            ExecMsg::Step(step, reply) => {
                self.seen.lock().expect("lock").push(step.seq);
                self.held.push(reply);
                if self.held.len() == self.group {
                    for reply in self.held.drain(..) {
                        let _ = reply.send(Vec::new());
                    }
                }
            }
            ExecMsg::Report(_) | ExecMsg::Durable(_) => {}
        }
        Ok(())
    }
}

/// Buys one unit a tick.
struct Buyer;

impl Strategy for Buyer {
    fn on_tick(&mut self, tick: &MarketTick, ctx: &mut StrategyContext) {
        ctx.limit(tick.symbol, Side::Buy, 1.0, 99.0);
    }
}

fn tick(seq: u64) -> Arc<FeedTick> {
    let now = Instant::now();
    let quote = Quote { bid_px: 99.9, bid_qty: 5.0, ask_px: 100.1, ask_qty: 5.0, from_book: false };
    let tick = MarketTick {
        symbol: Symbol::new("SYN1").expect("symbol"),
        seq,
        exchange_ts_ns: seq as i64 * 1_000,
        local_ts_ns: 0,
        event: TickEvent::Quote(quote),
    };
    Arc::new(FeedTick { seq, tick, ingress: now, scheduled: now })
}

/// Sends ticks 1..=9 to a host with `lag` over an execution answering in threes;
/// returns the steps execution got and whether the host finished.
async fn run(lag: usize) -> (Vec<u64>, bool) {
    let node = Node::new("grouped");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let exec = node
        .spawn(Grouping { group: 3, held: Vec::new(), seen: seen.clone() })
        .expect("spawn execution");
    let host = StrategyHost::new(StrategyId(1), Box::new(Buyer), exec).answer_lag(lag);
    let host = node.spawn(host).expect("spawn host");
    for seq in 1..=9 {
        host.send(StrategyMsg::Tick(tick(seq))).await.expect("tick");
    }
    let finished = host.ask(StrategyMsg::Finish, Duration::from_secs(2)).await.is_ok();
    let steps = seen.lock().expect("lock").clone();
    node.shutdown(Duration::from_secs(1)).await;
    (steps, finished)
}

#[tokio::test]
async fn with_an_answer_lag_steps_go_out_before_their_answers() {
    let (steps, finished) = run(2).await;
    assert_eq!(steps, (1..=9).collect::<Vec<_>>());
    assert!(finished, "every answer applied at the end");
    // In lockstep the first step's answer never comes: no second step.
    let (steps, finished) = run(0).await;
    assert_eq!(steps, vec![1]);
    assert!(!finished);
}
