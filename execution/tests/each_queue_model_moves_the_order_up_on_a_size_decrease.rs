//! A decrease of the displayed size at the order's level that no trade explains (a
//! cancel) moves the order up by the model: never for the risk-averse model; by the
//! expected share ahead of it for hftbacktest's probabilistic forms
//! (`front - (1 - p) * chg + min(back - p * chg, 0)`, `p` = chance it was behind).

use mycelium_execution::{QueueModel, QueuePos};

/// Queue ahead after a cancel of 30 at a level of 150 where 100 are ahead (50 behind).
fn after_cancel(model: QueueModel) -> i64 {
    let mut pos = QueuePos { ahead: 100, traded: 0 };
    model.on_depth(&mut pos, 150, 120);
    pos.ahead
}

/// hftbacktest's expected-value update for `p`, rounded to the nearest unit.
fn expected(p: f64) -> i64 {
    (100.0 - (1.0 - p) * 30.0 + (50.0 - p * 30.0).min(0.0)).round() as i64
}

#[test]
fn risk_averse_never_moves_on_a_cancel() {
    assert_eq!(after_cancel(QueueModel::RiskAverse), 100);
}

#[test]
fn risk_averse_cuts_the_queue_to_what_is_displayed() {
    let mut pos = QueuePos { ahead: 100, traded: 0 };
    QueueModel::RiskAverse.on_depth(&mut pos, 150, 60);
    assert_eq!(pos.ahead, 60);
}

#[test]
fn power_moves_by_the_power_share() {
    // p = 50^n / (50^n + 100^n)
    assert_eq!(after_cancel(QueueModel::Power { n: 1.0 }), expected(1.0 / 3.0));
    assert_eq!(after_cancel(QueueModel::Power { n: 1.0 }), 80);
    assert_eq!(after_cancel(QueueModel::Power { n: 2.0 }), expected(0.2));
    assert_eq!(after_cancel(QueueModel::Power { n: 2.0 }), 76);
    assert_eq!(after_cancel(QueueModel::Power { n: 3.0 }), expected(1.0 / 9.0));
}

#[test]
fn log_moves_by_the_log_share() {
    let (f, b) = (101f64.ln(), 51f64.ln());
    assert_eq!(after_cancel(QueueModel::Log), expected(b / (b + f)));
    assert_eq!(after_cancel(QueueModel::Log2), expected(b / 151f64.ln()));
}

#[test]
fn power2_and_power3_move_by_their_shares() {
    assert_eq!(after_cancel(QueueModel::Power2 { n: 2.0 }), expected(2500.0 / 22500.0));
    assert_eq!(
        after_cancel(QueueModel::Power3 { n: 3.0 }),
        expected(1.0 - (100f64 / 150.0).powi(3))
    );
}

#[test]
fn a_cancel_larger_than_the_queue_behind_comes_from_ahead() {
    // 60 cancelled with only 50 behind: at least 10 were ahead, whatever p says.
    let mut pos = QueuePos { ahead: 100, traded: 0 };
    QueueModel::Power { n: 20.0 }.on_depth(&mut pos, 150, 90);
    assert!(pos.ahead <= 90, "{}", pos.ahead);
}

#[test]
fn an_increase_never_moves_the_order_back() {
    for model in [QueueModel::RiskAverse, QueueModel::Power { n: 2.0 }, QueueModel::Log] {
        let mut pos = QueuePos { ahead: 100, traded: 0 };
        model.on_depth(&mut pos, 150, 400);
        assert_eq!(pos.ahead, 100, "{model}");
    }
}
