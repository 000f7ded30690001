//! What an exporter hands over lands in the catalogue's families: each field of
//! [`ActorFigures`], [`LinkFigures`], [`TradingFigures`] and [`FeedFigures`] becomes
//! the sample its family documents, with the labels the family declares; timing
//! figures an actor does not keep are left out rather than exposed as zeros.

mod common;

use mycelium_metrics::{
    collector, ActorFigures, FeedFigures, LinkFigures, Registry, TradingFigures,
};

#[tokio::test]
async fn every_field_lands_in_its_family() {
    let mut rtt = common::runtime_histogram();
    rtt.saturating_record(40_000);
    let mut handler = common::runtime_histogram();
    handler.saturating_record(700);
    let registry = Registry::new();
    registry.register(collector::from_fn("figures", move |b| {
        b.actor(&ActorFigures {
            actor: "feed",
            handled: 11,
            restarts: 2,
            mailbox_depth: 3,
            mailbox_high_water: Some(9),
            handler_ns: Some(&handler),
            mailbox_wait_ns: None,
        });
        b.actor(&ActorFigures {
            actor: "untimed",
            handled: 5,
            restarts: 0,
            mailbox_depth: 0,
            mailbox_high_water: None,
            handler_ns: None,
            mailbox_wait_ns: None,
        });
        b.link(&LinkFigures {
            peer: "exec",
            up: false,
            sent_frames: 1,
            received_frames: 2,
            sent_bytes: 3,
            received_bytes: 4,
            reconnects: 5,
            losses: 6,
            resent_frames: 7,
            duplicate_frames: 8,
            sequence_gaps: 9,
            outbound_queue_depth: 10,
            heartbeat_rtt_ns: &rtt,
        });
        b.trading(&TradingFigures {
            strategy: "mm",
            instrument: "BTCUSDT",
            currency: "USDT",
            orders: 20,
            fills: 15,
            rejects: &[("max_notional", 3)],
            position: -0.25,
            realized_pnl: 10.5,
            unrealized_pnl: -1.5,
            fees: 0.5,
        });
        b.feed(&FeedFigures {
            symbol: "BTCUSDT",
            ticks: 1000,
            conflated_ticks: 7,
            sequence_gaps: 1,
        });
        b.hop("tick_to_order", "unix", &handler);
    }));
    let text = registry.scrape().await;
    for line in [
        r#"mycelium_actor_messages_handled_total{actor="feed"} 11"#,
        r#"mycelium_actor_restarts_total{actor="feed"} 2"#,
        r#"mycelium_actor_mailbox_depth{actor="feed"} 3"#,
        r#"mycelium_actor_mailbox_high_water{actor="feed"} 9"#,
        r#"mycelium_actor_handler_seconds_count{actor="feed"} 1"#,
        r#"mycelium_actor_messages_handled_total{actor="untimed"} 5"#,
        r#"mycelium_link_up{peer="exec"} 0"#,
        r#"mycelium_link_sent_frames_total{peer="exec"} 1"#,
        r#"mycelium_link_received_frames_total{peer="exec"} 2"#,
        r#"mycelium_link_sent_bytes_total{peer="exec"} 3"#,
        r#"mycelium_link_received_bytes_total{peer="exec"} 4"#,
        r#"mycelium_link_reconnects_total{peer="exec"} 5"#,
        r#"mycelium_link_losses_total{peer="exec"} 6"#,
        r#"mycelium_link_resent_frames_total{peer="exec"} 7"#,
        r#"mycelium_link_duplicate_frames_total{peer="exec"} 8"#,
        r#"mycelium_link_sequence_gaps_total{peer="exec"} 9"#,
        r#"mycelium_link_outbound_queue_depth{peer="exec"} 10"#,
        r#"mycelium_link_heartbeat_rtt_seconds_count{peer="exec"} 1"#,
        r#"mycelium_orders_total{strategy="mm",instrument="BTCUSDT"} 20"#,
        r#"mycelium_fills_total{strategy="mm",instrument="BTCUSDT"} 15"#,
        r#"mycelium_order_rejects_total{strategy="mm",instrument="BTCUSDT",reason="max_notional"} 3"#,
        r#"mycelium_position{strategy="mm",instrument="BTCUSDT"} -0.25"#,
        r#"mycelium_realized_pnl{strategy="mm",instrument="BTCUSDT",currency="USDT"} 10.5"#,
        r#"mycelium_unrealized_pnl{strategy="mm",instrument="BTCUSDT",currency="USDT"} -1.5"#,
        r#"mycelium_fees{strategy="mm",instrument="BTCUSDT",currency="USDT"} 0.5"#,
        r#"mycelium_feed_ticks_total{symbol="BTCUSDT"} 1000"#,
        r#"mycelium_feed_conflated_ticks_total{symbol="BTCUSDT"} 7"#,
        r#"mycelium_feed_sequence_gaps_total{symbol="BTCUSDT"} 1"#,
        r#"mycelium_hop_latency_seconds_count{hop="tick_to_order",transport="unix"} 1"#,
    ] {
        assert!(text.contains(&format!("{line}\n")), "{line}");
    }
    // An actor without timing has no high-water mark and no histograms.
    for family in [
        "mycelium_actor_mailbox_high_water",
        "mycelium_actor_handler_seconds_count",
        "mycelium_actor_mailbox_wait_seconds_count",
    ] {
        assert!(!text.contains(&format!("{family}{{actor=\"untimed\"}}")), "{family}");
    }
    assert!(!text.contains("mycelium_actor_mailbox_wait_seconds_count{actor=\"feed\"}"));
}
