//! A market maker trades every symbol its config lists, and a restarted one (its
//! process rejoined, or its actor restarted) resumes all of them: it replaces the
//! quotes execution kept for it, and skews each symbol's quotes by the position it
//! recovered there, not only in the first symbol it happens to see.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mycelium::{Actor, ActorError, Context, Node};
use mycelium_execution::{
    Cancel, ClientOrderId, ExecMsg, Order, OrderStatus, Position, Recovery, StrategyId, TickStamp,
};
use mycelium_market_data::{FeedTick, MarketTick, Price, Qty, Quote, Side, Symbol, TickEvent};
use mycelium_strategies::{MarketMaker, MarketMakerParams, StrategyHost, StrategyMsg};

const ID: StrategyId = StrategyId(1);
/// The quote execution kept for the maker before its restart.
const KEPT: ClientOrderId = ClientOrderId(41);

fn sym(name: &str) -> Symbol {
    Symbol::new(name).expect("valid symbol")
}

/// Execution as the restarted maker finds it: long 3 SYN2, one SYN2 quote resting.
/// It records every order and cancel it is sent.
struct Recovered(Arc<Mutex<(Vec<Order>, Vec<Cancel>)>>);

impl Actor for Recovered {
    type Msg = ExecMsg<StrategyMsg>;
    async fn handle(
        &mut self,
        msg: ExecMsg<StrategyMsg>,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        match msg {
            ExecMsg::Register { reply, .. } | ExecMsg::RegisterLive { reply, .. } => {
                let mut long = Position::flat(ID, sym("SYN2"));
                long.qty = Qty::from_int(3);
                long.cost = Qty::from_int(3).notional(Price::from_int(99));
                let stamp = TickStamp::default();
                let quote = Order::limit(ID, KEPT, sym("SYN2"), Side::Buy, 1.0, 98.0, stamp);
                let _ = reply.send(Recovery {
                    positions: vec![long],
                    open_orders: vec![(quote, OrderStatus::Accepted, 0.0)],
                    last_order_id: KEPT.0,
                    ..Recovery::default()
                });
            }
            ExecMsg::Step(step, reply) => {
                let mut seen = self.0.lock().expect("lock");
                seen.0.extend(step.orders);
                seen.1.extend(step.cancels);
                let _ = reply.send(Vec::new());
            }
            ExecMsg::Report(_) | ExecMsg::Durable(_) => {}
        }
        Ok(())
    }
}

fn quote(seq: u64, symbol: &str, mid: f64) -> Arc<FeedTick> {
    let now = Instant::now();
    let quote = Quote {
        bid_px: mid - 0.01,
        bid_qty: 5.0,
        ask_px: mid + 0.01,
        ask_qty: 5.0,
        from_book: false,
    };
    let tick = MarketTick {
        symbol: sym(symbol),
        seq,
        exchange_ts_ns: seq as i64,
        local_ts_ns: seq as i64,
        event: TickEvent::Quote(quote),
    };
    Arc::new(FeedTick { seq, tick, ingress: now, scheduled: now })
}

#[tokio::test]
async fn a_restarted_maker_quotes_every_symbol_and_skews_by_what_it_recovered() {
    let node = Node::new("restarted-maker");
    let seen = Arc::new(Mutex::new((Vec::new(), Vec::new())));
    let execution = node.spawn(Recovered(seen.clone())).expect("spawn execution");
    let params = MarketMakerParams {
        symbols: vec!["SYN1".into(), "SYN2".into()],
        half_spread_bps: 2.0,
        qty: 1.0,
        max_inventory: 5.0,
        skew_bps_per_unit: 0.5,
        requote_bps: 1.0,
        post_only: false,
    };
    let maker = Box::new(MarketMaker::new(params));
    let host = node.spawn(StrategyHost::new(ID, maker, execution)).expect("spawn host");
    for (seq, symbol) in [(1, "SYN1"), (2, "SYN2"), (3, "SYN3")] {
        host.send(StrategyMsg::Tick(quote(seq, symbol, 100.0))).await.expect("tick");
    }
    host.ask(StrategyMsg::Report, Duration::from_secs(10)).await.expect("report");

    let (orders, cancels) = seen.lock().expect("lock").clone();
    // The kept quote is replaced, not left resting beside new ones.
    assert_eq!(cancels.iter().map(|c| c.client_order_id).collect::<Vec<_>>(), [KEPT]);
    // Both listed symbols are quoted, SYN3 (not listed) is not; ids resume after 41.
    let quoted = |name: &str| -> Vec<(Side, f64)> {
        orders
            .iter()
            .filter(|o| o.symbol == sym(name))
            .map(|o| (o.side, o.limit_px.unwrap_or(0.0)))
            .collect()
    };
    assert!(orders.iter().all(|o| o.client_order_id.0 > KEPT.0), "{orders:?}");
    assert!(quoted("SYN3").is_empty());
    let (syn1, syn2) = (quoted("SYN1"), quoted("SYN2"));
    assert_eq!(syn1.len(), 2, "{syn1:?}");
    assert_eq!(syn2.len(), 2, "{syn2:?}");
    // SYN1: flat, quotes around the mid; SYN2: long 3, quotes lowered to sell it down.
    let center = |q: &[(Side, f64)]| (q[0].1 + q[1].1) / 2.0;
    assert!((center(&syn1) - 100.0).abs() < 1e-9, "{syn1:?}");
    let skewed = 100.0 * (1.0 - 3.0 * 0.5 / 1e4);
    assert!((center(&syn2) - skewed).abs() < 1e-9, "{syn2:?}: not skewed by the recovered 3");
    node.shutdown(Duration::from_secs(1)).await;
}
