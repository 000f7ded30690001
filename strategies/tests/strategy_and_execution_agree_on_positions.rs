//! A strategy's view of its positions and execution's positions apply fills by one
//! rule (`Holding::apply`), so they agree after every fill: opening, adding, reducing,
//! closing to flat (average price back to 0 on both sides) and flipping through zero.
//! A strategy restarted from execution's positions therefore sees what it saw.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mycelium::{Actor, ActorError, Context, Node};
use mycelium_execution::{
    ClientOrderId, ExecMsg, Fill, Holding, Liquidity, OrderStatus, OrderUpdate, Positions,
    Recovery, StrategyId,
};
use mycelium_market_data::{FeedTick, MarketTick, Qty, Quote, Side, Symbol, TickEvent};
use mycelium_strategies::{Strategy, StrategyContext, StrategyHost, StrategyMsg};

const ID: StrategyId = StrategyId(3);

fn sym() -> Symbol {
    Symbol::new("BTCUSDT").expect("valid symbol")
}

/// Open 2, add 1, close all 3 to flat, open short 1, flip to long 2, reduce by half.
fn fills() -> Vec<Fill> {
    let fill = |side, qty, px| Fill { px, qty, side, liquidity: Liquidity::Taker };
    vec![
        fill(Side::Buy, 2.0, 100.0),
        fill(Side::Buy, 1.0, 103.0),
        fill(Side::Sell, 3.0, 105.0),
        fill(Side::Sell, 1.0, 104.0),
        fill(Side::Buy, 3.0, 102.0),
        fill(Side::Sell, 0.5, 101.0),
    ]
}

/// Execution that answers the first step with one update per fill.
struct Filling;

impl Actor for Filling {
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
            ExecMsg::Step(_, reply) => {
                let updates = fills()
                    .into_iter()
                    .enumerate()
                    .map(|(i, fill)| OrderUpdate {
                        client_order_id: ClientOrderId(i as u64 + 1),
                        strategy: ID,
                        symbol: sym(),
                        status: OrderStatus::Filled,
                        filled_qty: fill.qty,
                        last_fill: Some(fill),
                        leaves_qty: 0.0,
                        ts_ns: 0,
                        refused: None,
                    })
                    .collect();
                let _ = reply.send(updates);
            }
            ExecMsg::Report(_) | ExecMsg::Durable(_) => {}
        }
        Ok(())
    }
}

/// Records its position after each update.
struct Watching(Arc<Mutex<Vec<Holding>>>);

impl Strategy for Watching {
    fn on_tick(&mut self, _tick: &MarketTick, _ctx: &mut StrategyContext) {}
    fn on_order_update(&mut self, _update: &OrderUpdate, ctx: &mut StrategyContext) {
        self.0.lock().expect("lock").push(ctx.position(&sym()));
    }
}

fn tick() -> Arc<FeedTick> {
    let now = Instant::now();
    let quote = Quote { bid_px: 99.0, bid_qty: 1.0, ask_px: 101.0, ask_qty: 1.0, from_book: false };
    let tick = MarketTick {
        symbol: sym(),
        seq: 1,
        exchange_ts_ns: 1,
        local_ts_ns: 1,
        event: TickEvent::Quote(quote),
    };
    Arc::new(FeedTick { seq: 1, tick, ingress: now, scheduled: now })
}

#[tokio::test]
async fn a_strategy_sees_the_positions_execution_keeps_after_every_fill() {
    let node = Node::new("positions");
    let execution = node.spawn(Filling).expect("spawn execution");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let host = StrategyHost::new(ID, Box::new(Watching(seen.clone())), execution);
    let host = node.spawn(host).expect("spawn host");
    host.send(StrategyMsg::Tick(tick())).await.expect("tick");
    let report = host.ask(StrategyMsg::Report, Duration::from_secs(10)).await.expect("report");
    assert_eq!(report.ticks, 1);

    let mut positions = Positions::default();
    let expected: Vec<Holding> =
        fills().iter().map(|fill| positions.apply(ID, sym(), fill).holding()).collect();
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen, expected, "the strategy's view and execution's positions differ");
    // Closed to flat: no average price left on either side.
    assert_eq!(seen[2], Holding::default());
    // Flipped from short 1 at 104 to long 2: the long is entered at the flip's price.
    assert_eq!((seen[4].qty, seen[4].avg_px(Default::default())), (Qty::from_int(2), 102.0));
    node.shutdown(Duration::from_secs(1)).await;
}
