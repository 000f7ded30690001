//! A strategy node marked live (`[roles] live`) is fed conflated ticks and trades
//! outside execution's barrier: when it is slow (here its link to execution adds 2 ms
//! to every chunk, so each of its steps takes over 4 ms), the feed still publishes on
//! schedule and the other strategy node still steps through every tick.
mod cluster_support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use cluster_support::{free_addr, pipeline};
use mycelium::remote::FaultProxy;
use mycelium_apps::cluster::{run_node, ClusterConfig};
use mycelium_strategies::StrategyRegistry;

const TICKS: u64 = 1000;
const RATE: u64 = 2000;

fn cluster(md: SocketAddr, alpha: SocketAddr, beta: SocketAddr, exec: SocketAddr) -> ClusterConfig {
    let text = format!(
        r#"secret = "live"
[roles]
feed = "md"
execution = "exec"
strategies = {{ mm = "alpha", trend = "beta" }}
live = ["beta"]
[[node]]
name = "md"
tcp = "{md}"
[[node]]
name = "alpha"
tcp = "{alpha}"
[[node]]
name = "beta"
tcp = "{beta}"
[[node]]
name = "exec"
tcp = "{exec}"
{}"#,
        pipeline(TICKS).replace("rate = 0", &format!("rate = {RATE}"))
    );
    ClusterConfig::parse(&text, "test cluster").expect("cluster file")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_live_strategy_node_does_not_slow_the_feed() {
    let (md, alpha, beta, exec) = (free_addr(), free_addr(), free_addr(), free_addr());
    let slow = FaultProxy::start(exec).await.expect("proxy");
    slow.set_delay(Duration::from_millis(2));
    let everyone = cluster(md, alpha, beta, exec);
    // Beta and execution meet only through the slow proxy: beta dials it, and
    // execution's own dial to beta goes nowhere.
    let beta_view = cluster(md, alpha, beta, slow.addr());
    let exec_view = cluster(md, alpha, free_addr(), exec);
    let run = |cfg: ClusterConfig, name: &'static str, deadline: Option<Duration>| {
        tokio::spawn(async move {
            let registry = StrategyRegistry::with_samples();
            let started = Instant::now();
            let outcome = run_node(&cfg, name, &registry, deadline, std::future::pending()).await;
            (outcome, started.elapsed())
        })
    };
    let exec_node = run(exec_view, "exec", Some(Duration::from_secs(60)));
    let alpha_node = run(everyone.clone(), "alpha", Some(Duration::from_secs(60)));
    // The slow node is stopped a while after the feed should be done.
    let beta_node = run(beta_view, "beta", Some(Duration::from_secs(60)));
    let md_node = run(everyone, "md", Some(Duration::from_secs(60)));

    let bound = Duration::from_secs(90);
    let (md_out, md_took) = tokio::time::timeout(bound, md_node).await.expect("md").expect("task");
    let md_out = md_out.expect("md run");
    let (alpha_out, alpha_took) =
        tokio::time::timeout(bound, alpha_node).await.expect("alpha").expect("task");
    let alpha_out = alpha_out.expect("alpha run");
    let (beta_out, _) = tokio::time::timeout(bound, beta_node).await.expect("beta").expect("task");
    let beta_out = beta_out.expect("beta run");
    let (exec_out, _) = tokio::time::timeout(bound, exec_node).await.expect("exec").expect("task");
    let exec_out = exec_out.expect("exec run");

    // The feed published everything on schedule (1 s of ticks; the barrier would have
    // held it to beta's pace, 2000 steps of over 10 ms).
    assert!(!md_out.interrupted, "the feed did not finish");
    assert_eq!(md_out.published, Some(TICKS));
    assert!(md_took < Duration::from_secs(2), "the feed took {md_took:?}");
    // The other strategy node stepped through every tick; the slow one did fewer.
    let ticks_of = |out: &mycelium_apps::cluster::NodeOutcome, name: &str| {
        out.run.strategies.iter().find(|(n, _, _)| n == name).map(|(_, _, r)| r.ticks)
    };
    assert_eq!(ticks_of(&alpha_out, "mm"), Some(TICKS));
    // ... at the feed's pace: behind the barrier it would wait for beta's every step.
    assert!(alpha_took < Duration::from_secs(3), "alpha took {alpha_took:?}");
    // The slow node was slow (its steps, not the feed, set its pace), and traded.
    let (beta_took, beta_ticks) = (beta_out.run.elapsed, ticks_of(&beta_out, "trend"));
    assert!(beta_took > md_took * 3, "beta took {beta_took:?}, the feed {md_took:?}: not slow");
    assert!(beta_ticks.is_some_and(|t| t > 0), "{beta_ticks:?}");
    assert!(exec_out.run.execution.stats.orders > 0);
}
