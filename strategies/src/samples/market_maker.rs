//! A market maker: quotes a bid and an ask around the mid, skewed against its
//! inventory, and requotes when the mid moves.

use mycelium_execution::ClientOrderId;
use mycelium_market_data::{MarketTick, Side, Symbol};
use serde::Deserialize;

use super::reference_price;
use crate::strategy::{Strategy, StrategyContext};

/// Parameters of [`MarketMaker`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarketMakerParams {
    /// Quote only this symbol (default: the first one seen).
    pub symbol: Option<String>,
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
}

impl Default for MarketMakerParams {
    fn default() -> Self {
        Self {
            symbol: None,
            half_spread_bps: 2.0,
            qty: 1.0,
            max_inventory: 5.0,
            skew_bps_per_unit: 0.5,
            requote_bps: 1.0,
        }
    }
}

/// See the module docs.
pub struct MarketMaker {
    params: MarketMakerParams,
    symbol: Option<Symbol>,
    quoted_mid: Option<f64>,
    quotes: Vec<ClientOrderId>,
}

impl MarketMaker {
    /// A market maker with `params`.
    pub fn new(params: MarketMakerParams) -> Self {
        let symbol = params.symbol.as_deref().and_then(|s| s.parse().ok());
        Self { params, symbol, quoted_mid: None, quotes: Vec::new() }
    }
}

impl Strategy for MarketMaker {
    fn on_tick(&mut self, tick: &MarketTick, ctx: &mut StrategyContext) {
        let symbol = *self.symbol.get_or_insert(tick.symbol);
        if tick.symbol != symbol {
            return;
        }
        let Some(mid) = reference_price(tick) else {
            return;
        };
        let p = &self.params;
        if let Some(quoted) = self.quoted_mid {
            if ((mid - quoted) / quoted).abs() * 1e4 < p.requote_bps {
                return;
            }
        }
        // Forget quotes execution has finished with; cancel the live ones.
        let open: Vec<ClientOrderId> = ctx.open_orders().map(|o| o.order.client_order_id).collect();
        self.quotes.retain(|id| open.contains(id));
        for id in self.quotes.drain(..) {
            ctx.cancel(id);
        }
        let inventory = ctx.position(&symbol).qty;
        let center = mid * (1.0 - inventory * p.skew_bps_per_unit / 1e4);
        let offset = center * p.half_spread_bps / 1e4;
        if inventory + p.qty <= p.max_inventory {
            self.quotes.push(ctx.limit(symbol, Side::Buy, p.qty, center - offset));
        }
        if inventory - p.qty >= -p.max_inventory {
            self.quotes.push(ctx.limit(symbol, Side::Sell, p.qty, center + offset));
        }
        self.quoted_mid = Some(mid);
    }
}
