//! A strategy whose process died gets its own steps and replies back from execution's
//! journal when it registers again ([`Recovery::history`]): its host replays them
//! (sending nothing), skips the ticks they cover, and trades on exactly as the
//! strategy would have without the restart, with or without an answer lag (the
//! answers it had not applied when it died are applied as late as they would have
//! been). A history the strategy does not make
//! again (it is not deterministic, or the history is not its own) is abandoned, and
//! execution's view of its orders is kept.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mycelium::{Actor, ActorError, ActorRef, Context, Node};
use mycelium_execution::{
    Cancel, ExecMsg, HistoryStep, Order, OrderStatus, OrderUpdate, Recovery, StrategyId,
};
use mycelium_market_data::{FeedTick, MarketTick, Quote, Side, Symbol, TickEvent};
use mycelium_strategies::{
    MarketMaker, MarketMakerParams, Strategy, StrategyContext, StrategyHost, StrategyMsg,
};

const ID: StrategyId = StrategyId(1);

/// Execution as a fake: accepts every order, cancels what it is asked to, records
/// each step with its reply, and answers a registration with `recovery`.
struct Exec {
    recovery: Recovery,
    steps: Arc<Mutex<Vec<HistoryStep>>>,
}

impl Actor for Exec {
    type Msg = ExecMsg<StrategyMsg>;
    async fn handle(
        &mut self,
        msg: ExecMsg<StrategyMsg>,
        _ctx: &mut Context<Self>,
    ) -> Result<(), ActorError> {
        match msg {
            ExecMsg::Register { reply, .. } | ExecMsg::RegisterLive { reply, .. } => {
                let _ = reply.send(self.recovery.clone());
            }
            ExecMsg::Step(step, reply) => {
                let answer = |o: &Order, status| OrderUpdate {
                    client_order_id: o.client_order_id,
                    strategy: o.strategy,
                    symbol: o.symbol,
                    status,
                    filled_qty: 0.0,
                    last_fill: None,
                    leaves_qty: o.qty,
                    ts_ns: o.reacted_to.exchange_ts_ns,
                    refused: None,
                };
                let mut updates: Vec<OrderUpdate> =
                    step.orders.iter().map(|o| answer(o, OrderStatus::Accepted)).collect();
                let mut steps = self.steps.lock().expect("lock");
                for c in &step.cancels {
                    let sent = steps.iter().flat_map(|s| &s.orders);
                    if let Some(o) = sent.clone().find(|o| o.client_order_id == c.client_order_id) {
                        updates.push(OrderUpdate {
                            leaves_qty: 0.0,
                            ..answer(o, OrderStatus::Cancelled)
                        });
                    }
                }
                steps.push(HistoryStep {
                    seq: step.seq,
                    tick: step.tick.as_ref().map(|t| t.tick.clone()),
                    orders: step.orders,
                    cancels: step.cancels,
                    updates: updates.clone(),
                });
                let _ = reply.send(updates);
            }
            ExecMsg::Report(_) | ExecMsg::Durable(_) => {}
        }
        Ok(())
    }
}

fn quote(seq: u64, mid: f64) -> Arc<FeedTick> {
    let now = Instant::now();
    let quote = Quote {
        bid_px: mid - 0.01,
        bid_qty: 5.0,
        ask_px: mid + 0.01,
        ask_qty: 5.0,
        from_book: false,
    };
    let symbol = Symbol::new("SYN1").expect("symbol");
    let tick = MarketTick {
        symbol,
        seq,
        exchange_ts_ns: seq as i64 * 1_000,
        local_ts_ns: 0,
        event: TickEvent::Quote(quote),
    };
    Arc::new(FeedTick { seq, tick, ingress: now, scheduled: now })
}

/// A mid that moves enough for the maker to requote now and then.
fn mid(seq: u64) -> f64 {
    100.0 + ((seq * 7) % 11) as f64 * 0.05
}

/// Keeps up to three orders open: places one a tick while it has fewer, else cancels
/// the oldest. What it sees open depends on when execution's answers reach it.
struct Churner;

impl Strategy for Churner {
    fn on_tick(&mut self, tick: &MarketTick, ctx: &mut StrategyContext) {
        let oldest = ctx.open_orders().map(|o| o.order.client_order_id).next();
        match oldest {
            Some(id) if ctx.open_orders().count() >= 3 => {
                ctx.cancel(id);
            }
            _ => {
                ctx.limit(tick.symbol, Side::Buy, 1.0, 99.0);
            }
        }
    }
}

fn maker() -> Box<MarketMaker> {
    Box::new(MarketMaker::new(MarketMakerParams {
        symbols: vec!["SYN1".into()],
        half_spread_bps: 2.0,
        qty: 1.0,
        max_inventory: 5.0,
        skew_bps_per_unit: 0.5,
        requote_bps: 1.0,
        post_only: false,
    }))
}

/// Runs a maker host on `recovery` over ticks `ticks`; returns the steps it sent and
/// what it reported.
async fn run(
    node: &Node,
    recovery: Recovery,
    ticks: std::ops::RangeInclusive<u64>,
) -> (Vec<HistoryStep>, Option<u64>) {
    run_with(node, recovery, ticks, maker(), 0).await
}

/// [`run`] with another strategy and an answer lag.
async fn run_with(
    node: &Node,
    recovery: Recovery,
    ticks: std::ops::RangeInclusive<u64>,
    strategy: Box<dyn Strategy>,
    lag: usize,
) -> (Vec<HistoryStep>, Option<u64>) {
    // Execution knows the orders of the history (to answer their cancels).
    let before = recovery.history.len();
    let steps = Arc::new(Mutex::new(recovery.history.clone()));
    let exec: ActorRef<_> =
        node.spawn(Exec { recovery, steps: steps.clone() }).expect("spawn execution");
    let host =
        node.spawn(StrategyHost::new(ID, strategy, exec).answer_lag(lag)).expect("spawn host");
    for seq in ticks {
        host.send(StrategyMsg::Tick(quote(seq, mid(seq)))).await.expect("tick");
    }
    let report = host.ask(StrategyMsg::Report, Duration::from_secs(10)).await.expect("report");
    host.stop();
    let steps = steps.lock().expect("lock")[before..].to_vec();
    (steps, report.replayed_through)
}

/// Execution's view after `history`: the orders accepted and not cancelled.
fn recovery_after(history: &[HistoryStep]) -> Recovery {
    let mut open: Vec<(Order, OrderStatus, f64)> = Vec::new();
    for step in history {
        open.extend(step.orders.iter().map(|o| (o.clone(), OrderStatus::Accepted, 0.0)));
        let cancelled: Vec<_> = step.cancels.iter().map(|c: &Cancel| c.client_order_id).collect();
        open.retain(|(o, _, _)| !cancelled.contains(&o.client_order_id));
    }
    let last_order_id =
        history.iter().flat_map(|s| &s.orders).map(|o| o.client_order_id.0).max().unwrap_or(0);
    Recovery {
        open_orders: open,
        last_order_id,
        durable: true,
        history: history.to_vec(),
        ..Recovery::default()
    }
}

#[tokio::test]
async fn a_replayed_strategy_trades_on_as_if_it_had_never_stopped() {
    let node = Node::new("replay");
    // Uncrashed: ticks 1..=30.
    let (whole, _) = run(&node, Recovery::default(), 1..=30).await;
    assert!(
        whole.iter().filter(|s| !s.orders.is_empty()).count() > 3,
        "the maker requotes: {whole:?}"
    );
    // Died after its step for tick 17; its history is what execution journaled.
    let before: Vec<HistoryStep> = whole.iter().filter(|s| s.seq <= 17).cloned().collect();
    // Restarted: the feed resends from tick 12 (some already handled) to 30.
    let (after, replayed) = run(&node, recovery_after(&before), 12..=30).await;
    assert_eq!(replayed, Some(17));
    let expected: Vec<HistoryStep> = whole.iter().filter(|s| s.seq > 17).cloned().collect();
    assert_eq!(after.len(), expected.len());
    for (got, want) in after.iter().zip(&expected) {
        assert_eq!(got, want, "the restarted maker must send what the uncrashed one sent");
    }
    node.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn with_an_answer_lag_a_replayed_strategy_trades_on_as_if_it_had_never_stopped() {
    let node = Node::new("replay-lagged");
    let run_lagged = |recovery, ticks| run_with(&node, recovery, ticks, Box::new(Churner), 2);
    let (prompt, _) = run_with(&node, Recovery::default(), 1..=30, Box::new(Churner), 0).await;
    let (whole, _) = run_lagged(Recovery::default(), 1..=30).await;
    assert_ne!(whole, prompt, "the lag changes what the strategy does");
    // Died after its step for tick 17, the answers to 16 and 17 not yet applied.
    let before: Vec<HistoryStep> = whole.iter().filter(|s| s.seq <= 17).cloned().collect();
    let (after, replayed) = run_lagged(recovery_after(&before), 12..=30).await;
    assert_eq!(replayed, Some(17));
    let expected: Vec<HistoryStep> = whole.iter().filter(|s| s.seq > 17).cloned().collect();
    assert_eq!(after, expected, "the restarted strategy must send what the uncrashed one sent");
    node.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_history_the_strategy_does_not_make_again_is_abandoned() {
    let node = Node::new("diverged");
    let (whole, _) = run(&node, Recovery::default(), 1..=17).await;
    let mut history = whole.clone();
    let step = history.iter_mut().find(|s| !s.orders.is_empty()).expect("a step with orders");
    step.orders[0].qty += 1.0;
    let recovery = recovery_after(&history);
    let last = recovery.last_order_id;
    let (after, replayed) = run(&node, recovery, 18..=30).await;
    assert_eq!(replayed, None, "not rebuilt");
    // Execution's view is kept: new orders continue after the ids it has seen.
    assert!(after.iter().flat_map(|s| &s.orders).all(|o| o.client_order_id.0 > last), "{after:?}");
    node.shutdown(Duration::from_secs(1)).await;
}
