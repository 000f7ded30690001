//! A market maker: quotes a bid and an ask around the mid of each symbol it trades,
//! skewed against its inventory in that symbol, on the instrument's tick grid, and
//! requotes when the mid moves; optionally post-only.

use std::collections::HashMap;

use mycelium_execution::{ClientOrderId, OrderOptions};
use mycelium_market_data::{MarketTick, Price, Side, Symbol};
use serde::Deserialize;

use super::{reference_price, Symbols};
use crate::strategy::{Strategy, StrategyContext};

/// Parameters of [`MarketMaker`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarketMakerParams {
    /// The symbols it quotes; empty: every symbol of the feed.
    pub symbols: Vec<String>,
    /// Distance of each quote from the mid, in basis points.
    pub half_spread_bps: f64,
    /// Size of each quote.
    pub qty: f64,
    /// No quote that would take the inventory beyond this, either side.
    pub max_inventory: f64,
    /// Quotes move by this many bps per unit of inventory, against it.
    pub skew_bps_per_unit: f64,
    /// Requote when the mid has moved this many bps from the last quoted mid.
    pub requote_bps: f64,
    /// Send the quotes post-only (GTX): they never take liquidity.
    pub post_only: bool,
}

impl Default for MarketMakerParams {
    fn default() -> Self {
        Self {
            symbols: Vec::new(),
            half_spread_bps: 2.0,
            qty: 1.0,
            max_inventory: 5.0,
            skew_bps_per_unit: 0.5,
            requote_bps: 1.0,
            post_only: false,
        }
    }
}

impl MarketMakerParams {
    /// Checks that the parameters can be right; the error names the key.
    pub fn check(&self) -> Result<(), String> {
        Symbols::parse(&self.symbols)?;
        super::positive("qty", self.qty)?;
        super::not_negative("half_spread_bps", self.half_spread_bps)?;
        super::not_negative("max_inventory", self.max_inventory)?;
        super::not_negative("skew_bps_per_unit", self.skew_bps_per_unit)?;
        super::not_negative("requote_bps", self.requote_bps)
    }
}

/// See the module docs.
pub struct MarketMaker {
    params: MarketMakerParams,
    symbols: Symbols,
    books: HashMap<Symbol, Quoting>,
}

/// What the maker keeps per symbol.
#[derive(Default)]
struct Quoting {
    quoted_mid: Option<f64>,
    quotes: Vec<ClientOrderId>,
}

impl MarketMaker {
    /// A market maker with `params` (symbols that do not parse are left out: the
    /// registry checks them first).
    pub fn new(params: MarketMakerParams) -> Self {
        let symbols = Symbols::parse(&params.symbols).unwrap_or_default();
        Self { params, symbols, books: HashMap::new() }
    }
}

impl Strategy for MarketMaker {
    fn on_start(&mut self, ctx: &mut StrategyContext) {
        // After a restart: the open orders execution kept are this maker's quotes, to
        // be replaced at the next requote like any other.
        for open in ctx.open_orders() {
            let book = self.books.entry(open.order.symbol).or_default();
            book.quotes.push(open.order.client_order_id);
        }
    }

    fn on_tick(&mut self, tick: &MarketTick, ctx: &mut StrategyContext) {
        let symbol = tick.symbol;
        if !self.symbols.trades(&symbol) {
            return;
        }
        let Some(mid) = reference_price(tick) else {
            return;
        };
        let p = &self.params;
        let book = self.books.entry(symbol).or_default();
        if let Some(quoted) = book.quoted_mid {
            if ((mid - quoted) / quoted).abs() * 1e4 < p.requote_bps {
                return;
            }
        }
        // Forget quotes execution has finished with; cancel the live ones.
        let open: Vec<ClientOrderId> = ctx.open_orders().map(|o| o.order.client_order_id).collect();
        book.quotes.retain(|id| open.contains(id));
        for id in book.quotes.drain(..) {
            ctx.cancel(id);
        }
        let inventory = ctx.position(&symbol).qty.to_f64();
        let center = mid * (1.0 - inventory * p.skew_bps_per_unit / 1e4);
        let offset = center * p.half_spread_bps / 1e4;
        // On the instrument's tick grid: the bid rounded down, the ask up (never inside
        // the intended spread).
        let (mut bid, mut ask) = (center - offset, center + offset);
        if let Some(instrument) = ctx.instrument(&symbol) {
            let grid = |px: f64, up: bool| {
                Price::from_f64(px).map(|px| instrument.price_on_grid(px, up).to_f64())
            };
            bid = grid(bid, false).unwrap_or(bid);
            ask = grid(ask, true).unwrap_or(ask);
        }
        let options = OrderOptions { post_only: p.post_only, ..OrderOptions::default() };
        if inventory + p.qty <= p.max_inventory {
            book.quotes.push(ctx.limit_with(symbol, Side::Buy, p.qty, bid, options));
        }
        if inventory - p.qty >= -p.max_inventory {
            book.quotes.push(ctx.limit_with(symbol, Side::Sell, p.qty, ask, options));
        }
        book.quoted_mid = Some(mid);
    }
}

#[cfg(test)]
mod tests {
    use mycelium_execution::TickStamp;
    use mycelium_market_data::{Quote, TickEvent};

    use super::*;

    fn quoted(post_only: bool) -> Vec<mycelium_execution::Order> {
        let btc = Symbol::new("BTCUSDT").expect("symbol");
        let params = MarketMakerParams { post_only, half_spread_bps: 1.3, ..Default::default() };
        let mut maker = MarketMaker::new(params);
        let mut ctx = StrategyContext::new(mycelium_execution::StrategyId(1), 0);
        ctx.set_now(TickStamp { exchange_ts_ns: 1, seq: 1 });
        let quote = Quote {
            bid_px: 61_706.6,
            bid_qty: 1.0,
            ask_px: 61_706.7,
            ask_qty: 1.0,
            from_book: false,
        };
        let tick = MarketTick {
            symbol: btc,
            seq: 1,
            exchange_ts_ns: 1,
            local_ts_ns: 1,
            event: TickEvent::Quote(quote),
        };
        maker.on_tick(&tick, &mut ctx);
        ctx.take_outbox().0
    }

    #[test]
    fn a_post_only_market_maker_quotes_post_only_on_the_tick_grid() {
        let orders = quoted(true);
        assert_eq!(orders.len(), 2);
        let tick = Price::from_f64(0.1).expect("BTCUSDT's tick");
        for o in &orders {
            assert!(o.options.post_only, "{o:?}");
            let px = o.limit_px.and_then(Price::from_f64).expect("priced");
            assert_eq!(px.raw() % tick.raw(), 0, "{px} is on the 0.1 grid");
        }
        assert!(quoted(false).iter().all(|o| !o.options.post_only), "off by default");
    }
}
