//! When execution stops answering, the strategy is told, order by order, that each of
//! its open orders (those of the unanswered step included) is now `Unknown`, before
//! its host fails to be restarted and register again.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mycelium::{Actor, ActorError, Context, ExitReason, Node};
use mycelium_execution::{ExecMsg, OrderStatus, OrderUpdate, Recovery, StrategyId};
use mycelium_market_data::{FeedTick, MarketTick, Quote, Side, Symbol, TickEvent};
use mycelium_strategies::{Strategy, StrategyContext, StrategyHost, StrategyMsg};

fn sym() -> Symbol {
    Symbol::new("BTCUSDT").expect("valid symbol")
}

fn tick(seq: u64) -> Arc<FeedTick> {
    let ts = seq as i64 * 1_000_000;
    let now = Instant::now();
    Arc::new(FeedTick {
        seq,
        tick: MarketTick {
            symbol: sym(),
            seq,
            exchange_ts_ns: ts,
            local_ts_ns: ts,
            event: TickEvent::Quote(Quote {
                bid_px: 100.0,
                bid_qty: 1.0,
                ask_px: 101.0,
                ask_qty: 1.0,
                from_book: false,
            }),
        },
        ingress: now,
        scheduled: now,
    })
}

/// Places one resting order on each tick and records every update it is given.
struct Quoter(Arc<Mutex<Vec<(u64, OrderStatus)>>>);

impl Strategy for Quoter {
    fn on_tick(&mut self, _tick: &MarketTick, ctx: &mut StrategyContext) {
        ctx.limit(sym(), Side::Buy, 1.0, 99.0);
    }
    fn on_order_update(&mut self, update: &OrderUpdate, _ctx: &mut StrategyContext) {
        self.0.lock().expect("lock").push((update.client_order_id.0, update.status));
    }
}

/// Execution that accepts the first step's orders and never answers the second (it
/// drops the reply, as a proxy does when the execution node is lost).
struct FlakyExecution {
    steps: u64,
}

impl Actor for FlakyExecution {
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
                self.steps += 1;
                if self.steps == 1 {
                    let accepted = step
                        .orders
                        .iter()
                        .map(|o| OrderUpdate {
                            client_order_id: o.client_order_id,
                            strategy: o.strategy,
                            symbol: o.symbol,
                            status: OrderStatus::Accepted,
                            filled_qty: 0.0,
                            last_fill: None,
                            leaves_qty: o.qty,
                            ts_ns: 0,
                            refused: None,
                        })
                        .collect();
                    let _ = reply.send(accepted);
                }
            }
            ExecMsg::Report(_) | ExecMsg::Durable(_) => {}
        }
        Ok(())
    }
}

#[tokio::test]
async fn open_orders_become_unknown_when_execution_stops_answering() {
    let node = Node::new("lost-execution");
    let execution = node.spawn(FlakyExecution { steps: 0 }).expect("spawn execution");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let host = StrategyHost::new(StrategyId(7), Box::new(Quoter(seen.clone())), execution);
    let host = node.spawn(host).expect("spawn host");
    host.send(StrategyMsg::Tick(tick(1))).await.expect("first tick");
    host.send(StrategyMsg::Tick(tick(2))).await.expect("second tick");

    let ended = tokio::time::timeout(Duration::from_secs(10), host.join()).await.expect("ends");
    assert!(
        matches!(&ended, ExitReason::Failed(why) if why.contains("did not answer step 2")),
        "{ended:?}"
    );
    // Order 1 was accepted by the first step; order 2 went out in the unanswered one.
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(
        seen,
        vec![(1, OrderStatus::Accepted), (1, OrderStatus::Unknown), (2, OrderStatus::Unknown)]
    );
    node.shutdown(Duration::from_secs(1)).await;
}
