//! Any sequence of fills that brings a position back to flat leaves its quantity exactly
//! 0 and its realized PnL exactly the sum of the fills' cash flows minus their fees: the
//! position's integers lose nothing to partial closes, adds or flips. Checked for a
//! linear (BTCUSDT, quote-settled) and an inverse (ETHUSD_PERP, 10 USD contracts,
//! base-settled) instrument with their maker and taker fees, the flows and fees
//! recomputed here from the fills, independently of the engine's code.

mod common;

use common::*;
use mycelium_execution::{FeeSchedule, Fill, Liquidity, Positions};
use mycelium_market_data::{InstrumentTable, Money, Qty, Side, Symbol};
use proptest::prelude::*;

/// `n / d` to the nearest integer, ties to even (the documented rounding).
fn half_even(n: i128, d: i128) -> i128 {
    let (q, r) = (n.div_euclid(d), n.rem_euclid(d));
    match (2 * r).cmp(&d) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q & 1),
    }
}

/// A fill of `qty_lots` thousandths (linear) or whole contracts (inverse) at `px_ticks`
/// tenths, as the `f64`s a venue's decimal text parses to.
fn fill(buy: bool, px_ticks: i64, qty: i64, inverse: bool, maker: bool) -> Fill {
    let qty_text =
        if inverse { qty.to_string() } else { format!("{}.{:03}", qty / 1000, qty % 1000) };
    Fill {
        px: format!("{}.{}", px_ticks / 10, px_ticks % 10).parse().expect("decimal"),
        qty: qty_text.parse().expect("decimal"),
        side: if buy { Side::Buy } else { Side::Sell },
        liquidity: if maker { Liquidity::Maker } else { Liquidity::Taker },
    }
}

/// The fill's cash flow and fee in 1e-18 units, from first principles: linear
/// `-s x q x p`; inverse `+s x q x 10 / p`; fee `|flow| x rate` (2 bps maker, 5 taker).
fn recompute(f: &Fill, inverse: bool) -> (i128, i128) {
    let q = (f.qty * 1e9).round() as i128;
    let p = (f.px * 1e9).round() as i128;
    let s = if f.side == Side::Buy { 1 } else { -1 };
    let flow =
        if inverse { s * half_even(q * 10 * 1_000_000_000 * 1_000_000_000, p) } else { -s * q * p };
    let bps = if f.liquidity == Liquidity::Maker { 2 } else { 5 };
    (flow, half_even(flow.abs() * bps, 10_000))
}

fn check(
    symbol: &str,
    inverse: bool,
    opens: Vec<(bool, i64, i64, bool)>,
    closes: Vec<(i64, bool)>,
) -> Result<(), TestCaseError> {
    let symbol = Symbol::new(symbol).expect("symbol");
    let mut book = Positions::new(FeeSchedule::default(), InstrumentTable::shipped());
    let (mut flows, mut fees) = (0i128, 0i128);
    let mut apply = |f: &Fill, book: &mut Positions| {
        let (flow, fee) = recompute(f, inverse);
        flows += flow;
        fees += fee;
        book.apply(S1, symbol, f).qty
    };
    let mut qty = Qty::ZERO;
    for (buy, px, q, maker) in opens {
        qty = apply(&fill(buy, px, q, inverse, maker), &mut book);
    }
    // Close in pieces; the last takes what is left.
    let unit = if inverse { 1_000_000_000 } else { 1_000_000 };
    let n = closes.len();
    for (i, (px, maker)) in closes.into_iter().enumerate() {
        if qty.is_zero() {
            break;
        }
        let left = qty.abs().raw() / unit;
        let q = if i + 1 == n { left } else { (left / 2).max(1) };
        qty = apply(&fill(qty.raw() < 0, px, q, inverse, maker), &mut book);
    }
    let p = book.get(S1, symbol);
    prop_assert_eq!(p.qty, Qty::ZERO);
    prop_assert_eq!(p.cost, Money::ZERO);
    prop_assert_eq!(p.fees, Money(fees));
    prop_assert_eq!(p.realized_pnl, Money(flows - fees));
    prop_assert_eq!(p.cash, p.realized_pnl);
    Ok(())
}

proptest! {
    #[test]
    fn linear_fills_that_close_a_position_leave_qty_zero_and_realize_the_exact_sum(
        opens in prop::collection::vec((any::<bool>(), 1i64..1_000_000, 1i64..50_000, any::<bool>()), 1..60),
        closes in prop::collection::vec((1i64..1_000_000, any::<bool>()), 1..20),
    ) {
        check("BTCUSDT", false, opens, closes)?;
    }

    #[test]
    fn inverse_fills_that_close_a_position_leave_qty_zero_and_realize_the_exact_sum(
        opens in prop::collection::vec((any::<bool>(), 1i64..100_000, 1i64..500, any::<bool>()), 1..60),
        closes in prop::collection::vec((1i64..100_000, any::<bool>()), 1..20),
    ) {
        check("ETHUSD_PERP", true, opens, closes)?;
    }
}

#[test]
fn an_inverse_round_trip_realizes_qty_times_multiplier_times_the_reciprocal_difference() {
    let symbol = Symbol::new("ETHUSD_PERP").expect("symbol");
    let mut book = Positions::new(
        FeeSchedule { maker_bps: Some(0.0), taker_bps: Some(0.0) },
        InstrumentTable::shipped(),
    );
    book.apply(S1, symbol, &fill(true, 20_000, 3, true, false)); // buy 3 at 2000
    let p = *book.apply(S1, symbol, &fill(false, 25_000, 3, true, false)); // sell 3 at 2500
                                                                           // 3 x 10 x (1/2000 - 1/2500) = 0.003 ETH.
    assert_eq!(p.realized_pnl.to_string(), "0.003");
}
