//! Nothing is lost silently: concurrent senders against a supervision tree whose
//! children panic, are killed, stopped, removed and re-added at random, ending with
//! a `Node::shutdown` that finds slow children. Every message sent ends in exactly
//! one of: handled once, dead-lettered once, or refused to its sender with the
//! message handed back. The sums balance exactly, no send waits past its bound, and
//! every ask's answer agrees with its request's fate.
//!
//! Once per run a handler blocks its thread past its deadline (the runtime gives its
//! instance up while it still holds its queue). Fixed seeds make each run's sequence
//! of operations the same; the interleaving is the two worker threads'.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mycelium::{
    Actor, ActorError, ActorRef, AskError, Backoff, ChildSpec, Context, Idle, Node, Pinned,
    ReplyTo, Restart, RestartStrategy, SendError, SpawnOptions, Supervisor, SupervisorMsg,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SENDERS: u64 = 4;
/// Messages each sender sends (some after the shutdown has begun).
const PER_SENDER: u64 = 3_000;
/// The chaos task acts once per this many messages sent.
const CHAOS_EVERY: u64 = 40;
/// Ids of the chaos task's own messages (panics, slow messages) start here.
const CHAOS_IDS: u64 = SENDERS * PER_SENDER;
const IDS: usize = (CHAOS_IDS + 10_000) as usize;
/// Every wait in this test is bounded by this; a send that takes longer fails it.
const BOUND: Duration = Duration::from_secs(10);
/// A child's shutdown deadline: slow messages overrun it.
const SHUTDOWN: Duration = Duration::from_millis(20);

const ROOT_WORKERS: [&str; 5] = ["w0", "w1", "w2", "w3", "w4"];
const INNER_WORKERS: [&str; 2] = ["i0", "i1"];

/// What became of each message, by id.
struct Ledger {
    handled: Vec<AtomicU32>,
    dead: Vec<AtomicU32>,
    refused: Vec<AtomicU32>,
    /// Dead letters that name a message a handler had taken (a panic, an abort).
    crashes: AtomicU64,
    sent: AtomicU64,
    /// Asks answered, and asks told their request was dead-lettered, by id.
    answered: Mutex<Vec<u64>>,
    asks_dead_lettered: Mutex<Vec<u64>>,
    /// A handler is blocking its thread (`Work::Block`).
    blocking: AtomicBool,
}

impl Ledger {
    fn new() -> Self {
        let zeros = || (0..IDS).map(|_| AtomicU32::new(0)).collect();
        Self {
            handled: zeros(),
            dead: zeros(),
            refused: zeros(),
            crashes: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            answered: Mutex::default(),
            asks_dead_lettered: Mutex::default(),
            blocking: AtomicBool::new(false),
        }
    }

    fn count(counts: &[AtomicU32], id: u64) {
        counts[id as usize].fetch_add(1, Ordering::SeqCst);
    }

    /// Records a send's outcome: accepted, or refused with this very message back.
    fn sent<T>(&self, id: u64, result: Result<T, SendError<Work>>) {
        self.sent.fetch_add(1, Ordering::SeqCst);
        if let Err(e) = result {
            let back = e.into_inner();
            assert_eq!(back.id(), id, "a refused send hands its own message back");
            Self::count(&self.refused, id);
        }
    }

    /// Takes the dead letters held now.
    fn collect_dead_letters(&self, node: &Node) {
        for letter in node.dead_letters().drain() {
            match letter.message {
                Some(message) => {
                    let work = message.downcast_ref::<Work>();
                    if let Some(work) = work {
                        Self::count(&self.dead, work.id());
                    }
                    // Other dead letters are the supervisors' (a request whose asker
                    // gave up): not this test's messages.
                }
                None => {
                    self.crashes.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    }

    /// (handled, dead-lettered, refused) over every id.
    fn sums(&self) -> (u64, u64, u64) {
        let sum = |v: &[AtomicU32]| v.iter().map(|c| u64::from(c.load(Ordering::SeqCst))).sum();
        (sum(&self.handled), sum(&self.dead), sum(&self.refused))
    }

    fn balanced(&self) -> bool {
        let (h, d, r) = self.sums();
        h + d + r == self.sent.load(Ordering::SeqCst)
    }
}

enum Work {
    Item(u64),
    /// Handled slowly (an `.await`, so an abort takes).
    Slow(u64, Duration),
    /// Handled by panicking.
    Panic(u64),
    /// Handled by blocking the thread (no `.await`: an abort cannot take).
    Block(u64, Duration),
    Ask(u64, ReplyTo<u64>),
}

impl Work {
    fn id(&self) -> u64 {
        match self {
            Self::Item(id)
            | Self::Slow(id, _)
            | Self::Panic(id)
            | Self::Block(id, _)
            | Self::Ask(id, _) => *id,
        }
    }
}

struct Worker(Arc<Ledger>);

impl Actor for Worker {
    type Msg = Work;
    async fn handle(&mut self, work: Work, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        // Handed to the handler: handled, whatever happens next.
        Ledger::count(&self.0.handled, work.id());
        match work {
            Work::Item(_) => {}
            Work::Slow(_, d) => tokio::time::sleep(d).await,
            Work::Panic(id) => panic!("chaos panic {id}"),
            Work::Block(_, d) => {
                self.0.blocking.store(true, Ordering::SeqCst);
                std::thread::sleep(d);
            }
            Work::Ask(id, reply) => {
                let _ = reply.send(id);
            }
        }
        Ok(())
    }
}

fn worker(name: &'static str, ledger: &Arc<Ledger>) -> ChildSpec<Worker> {
    let ledger = ledger.clone();
    let spec = ChildSpec::new(name, move || Worker(ledger.clone())).shutdown(SHUTDOWN);
    match name {
        "w0" => spec.options(SpawnOptions::new().capacity(8)),
        "w1" => spec.options(SpawnOptions::new().capacity(1024)),
        "w2" => spec.restart(Restart::Transient).options(SpawnOptions::new().capacity(64)),
        "w3" => spec.restart(Restart::Temporary).options(SpawnOptions::new().capacity(64)),
        // On threads of their own: the handler that blocks its thread (`Stuck`) must
        // not hold up a runtime worker, and the tasks queued behind it there.
        "w4" | "i0" => spec.options(
            SpawnOptions::new()
                .capacity(64)
                .pinned(Pinned { core: None, idle: Idle::SpinThenPark { spins: 64 } }),
        ),
        _ => spec.options(SpawnOptions::new().capacity(32)),
    }
}

fn tree(ledger: &Arc<Ledger>) -> Supervisor {
    let inner_ledger = ledger.clone();
    let mut root = Supervisor::new(RestartStrategy::OneForOne).intensity(u32::MAX, BOUND);
    for name in ROOT_WORKERS {
        root = root.child(worker(name, ledger));
    }
    root.child(ChildSpec::new("inner", move || {
        let mut inner =
            Supervisor::new(RestartStrategy::OneForAll).intensity(u32::MAX, BOUND).backoff(
                Backoff { initial: Duration::from_micros(200), max: Duration::from_millis(2) },
            );
        for name in INNER_WORKERS {
            inner = inner.child(worker(name, &inner_ledger));
        }
        inner
    }))
}

fn any_worker(rng: &mut StdRng) -> &'static str {
    let all: Vec<&str> = ROOT_WORKERS.iter().chain(&INNER_WORKERS).copied().collect();
    all[rng.random_range(0..all.len())]
}

async fn bounded<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(BOUND, f).await {
        Ok(v) => v,
        Err(_) => panic!("{what} waited past its bound of {BOUND:?}"),
    }
}

/// One sender: `PER_SENDER` messages of every kind to random workers.
async fn sender(node: Node, ledger: Arc<Ledger>, seed: u64, index: u64, progress: Arc<AtomicU64>) {
    let mut rng = StdRng::seed_from_u64(seed ^ (index << 32));
    let mut id = index * PER_SENDER;
    // The refs looked up last: between a removal and a re-add, and after the
    // shutdown, sends go to the old actor.
    let mut known: HashMap<&str, ActorRef<Work>> = HashMap::new();
    while id < (index + 1) * PER_SENDER {
        let name = any_worker(&mut rng);
        if let Ok(target) = node.lookup::<Work>(name) {
            known.insert(name, target);
        }
        let Some(target) = known.get(name) else {
            tokio::task::yield_now().await;
            continue;
        };
        let kind = rng.random_range(0..100);
        match kind {
            0..40 => ledger.sent(id, target.try_send(Work::Item(id))),
            40..65 => ledger.sent(id, bounded("send", target.send(Work::Item(id))).await),
            65..85 => {
                let sent = target.send_timeout(Work::Item(id), Duration::from_millis(50));
                ledger.sent(id, bounded("send_timeout", sent).await)
            }
            85..98 => ask(&ledger, target, id).await,
            _ => {
                let slow = Work::Slow(id, Duration::from_millis(rng.random_range(1..4)));
                ledger.sent(id, bounded("send", target.send(slow)).await)
            }
        }
        id += 1;
        progress.fetch_add(1, Ordering::Relaxed);
        if kind % 8 == 0 {
            tokio::task::yield_now().await;
        }
    }
}

/// An ask; its answer must agree with its request's fate, checked at the end.
async fn ask(ledger: &Ledger, target: &ActorRef<Work>, id: u64) {
    let answer = bounded("ask", target.ask(|r| Work::Ask(id, r), BOUND / 2)).await;
    match answer {
        Ok(got) => {
            assert_eq!(got, id);
            ledger.sent.fetch_add(1, Ordering::SeqCst);
            ledger.answered.lock().unwrap().push(id);
        }
        Err(AskError::Send(e)) => ledger.sent(id, Err::<(), _>(e)),
        Err(AskError::DeadLettered) => {
            ledger.sent.fetch_add(1, Ordering::SeqCst);
            ledger.asks_dead_lettered.lock().unwrap().push(id);
        }
        Err(e) => panic!("ask {id}: unexpected {e:?}"),
    }
}

/// What the chaos task does once, at its twentieth operation: make a child's
/// handler block its thread past its shutdown deadline and the abort's grace, then
/// stop it, so that its instance lets go only after the runtime has given it up.
#[derive(Clone, Copy)]
enum Stuck {
    /// Removed meanwhile: the child ends while its instance still runs.
    Removed,
    /// Stopped for a one-for-all restart: the child is started again once its
    /// instance lets go.
    Restarted,
}

/// How long a stuck handler blocks: past `SHUTDOWN` and the abort's grace.
const STUCK: Duration = Duration::from_millis(1_300);

/// Panics, kills, stops, removes and re-adds children, once per `CHAOS_EVERY`
/// messages sent, until `stop`.
async fn chaos(
    node: Node,
    root: ActorRef<SupervisorMsg>,
    ledger: Arc<Ledger>,
    seed: u64,
    stuck: Stuck,
    progress: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
) -> u64 {
    let mut rng = StdRng::seed_from_u64(!seed);
    let mut id = CHAOS_IDS;
    let mut ops = 0;
    // The messages queued behind the stuck handler, in its instance's batch.
    let mut behind_stuck = 0..0;
    while !stop.load(Ordering::Relaxed) {
        if progress.load(Ordering::Relaxed) < (ops + 1) * CHAOS_EVERY {
            tokio::task::yield_now().await;
            continue;
        }
        ops += 1;
        ledger.collect_dead_letters(&node);
        if ops == 20 {
            let (blocked, then) = match stuck {
                Stuck::Removed => ("w4", None),
                Stuck::Restarted => ("i0", Some("i1")),
            };
            if let Ok(target) = node.lookup::<Work>(blocked) {
                // Busy first, so that what follows the block is in the same batch:
                // taken by the instance that will be given up.
                let slow = Work::Slow(id, Duration::from_millis(5));
                ledger.sent(id, bounded("send", target.send(slow)).await);
                ledger.sent(id + 1, bounded("send", target.send(Work::Block(id + 1, STUCK))).await);
                for i in id + 2..id + 7 {
                    ledger.sent(i, target.try_send(Work::Item(i)));
                }
                behind_stuck = id + 2..id + 7;
                id += 7;
                bounded("the handler to block", async {
                    while !ledger.blocking.load(Ordering::SeqCst) {
                        tokio::task::yield_now().await;
                    }
                })
                .await;
            }
            match then.map(|n| node.lookup::<Work>(n)) {
                None => drop(bounded("remove_child", root.remove_child(blocked, BOUND)).await),
                Some(Ok(target)) => {
                    ledger.sent(id, bounded("send", target.send(Work::Panic(id))).await);
                    id += 1;
                }
                Some(Err(_)) => {}
            }
            continue;
        }
        let name = any_worker(&mut rng);
        let Ok(target) = node.lookup::<Work>(name) else {
            readd_missing(&root, &ledger).await;
            continue;
        };
        match rng.random_range(0..100) {
            0..35 => {
                let sent = target.send_timeout(Work::Panic(id), Duration::from_millis(50));
                ledger.sent(id, bounded("send_timeout", sent).await);
                id += 1;
            }
            35..55 => target.kill(),
            55..75 => target.stop(),
            75..85 => {
                if ROOT_WORKERS.contains(&name) {
                    let _ = bounded("remove_child", root.remove_child(name, BOUND)).await;
                }
            }
            _ => readd_missing(&root, &ledger).await,
        }
    }
    // The stuck instance lets go: what it held is handled by the next instance, or
    // dead-lettered if the child ended meanwhile.
    bounded("the stuck instance's batch", async {
        loop {
            ledger.collect_dead_letters(&node);
            let fated = |i: u64| {
                let i = i as usize;
                ledger.handled[i].load(Ordering::SeqCst)
                    + ledger.dead[i].load(Ordering::SeqCst)
                    + ledger.refused[i].load(Ordering::SeqCst)
                    > 0
            };
            if behind_stuck.clone().all(fated) {
                return;
            }
            tokio::task::yield_now().await;
        }
    })
    .await;
    id - CHAOS_IDS
}

/// Adds back every root worker the root supervisor no longer lists.
async fn readd_missing(root: &ActorRef<SupervisorMsg>, ledger: &Arc<Ledger>) {
    let Ok(children) = bounded("children", root.children(BOUND)).await else { return };
    for name in ROOT_WORKERS {
        let listed = children.iter().find(|c| c.name == name);
        let ended = listed.is_some_and(|c| c.state != mycelium::ChildState::Running);
        if ended {
            let _ = bounded("remove_child", root.remove_child(name, BOUND)).await;
        }
        if listed.is_none() || ended {
            let _ = bounded("add_child", root.add_child(worker(name, ledger), BOUND)).await;
        }
    }
}

async fn run(seed: u64, stuck: Stuck) {
    let node = Node::new("conservation");
    let ledger = Arc::new(Ledger::new());
    let root = node.spawn_started(tree(&ledger), SpawnOptions::new().name("root")).await.unwrap();
    let progress = Arc::new(AtomicU64::new(0));
    let stop_chaos = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..SENDERS)
        .map(|i| tokio::spawn(sender(node.clone(), ledger.clone(), seed, i, progress.clone())))
        .collect();
    let chaos = tokio::spawn(chaos(
        node.clone(),
        root.clone(),
        ledger.clone(),
        seed,
        stuck,
        progress.clone(),
        stop_chaos.clone(),
    ));

    // Most of the way through, calm the chaos, make some children slow and shut the
    // node down while the senders go on.
    bounded("the senders' progress", async {
        while progress.load(Ordering::Relaxed) < SENDERS * PER_SENDER * 9 / 10 {
            tokio::task::yield_now().await;
        }
    })
    .await;
    stop_chaos.store(true, Ordering::Relaxed);
    let chaos_sent = bounded("the chaos task", chaos).await.unwrap();
    let mut id = CHAOS_IDS + chaos_sent;
    for name in ["w0", "w1", "i0"] {
        if let Ok(target) = node.lookup::<Work>(name) {
            for _ in 0..3 {
                let slow = Work::Slow(id, Duration::from_millis(200));
                ledger.sent(id, bounded("send", target.send(slow)).await);
                id += 1;
            }
        }
    }
    let report = bounded("shutdown", node.shutdown(Duration::from_secs(2))).await;
    assert!(report.unresponsive.is_empty(), "{report:?}");
    for s in senders {
        bounded("a sender", s).await.unwrap();
    }

    // What instances still held when they were given up reaches dead letters as they
    // unwind: wait for the sums to balance.
    let balanced = tokio::time::timeout(BOUND, async {
        loop {
            ledger.collect_dead_letters(&node);
            if ledger.balanced() {
                return;
            }
            let _ = node.dead_letters().wait_for(1, Duration::from_millis(50)).await;
            ledger.collect_dead_letters(&node);
        }
    })
    .await;
    let (handled, dead, refused) = ledger.sums();
    let sent = ledger.sent.load(Ordering::SeqCst);
    assert!(
        balanced.is_ok(),
        "sent {sent} != handled {handled} + dead-lettered {dead} + refused {refused}"
    );
    let mut fates = 0;
    for i in 0..IDS {
        let (h, d, r) = (
            ledger.handled[i].load(Ordering::SeqCst),
            ledger.dead[i].load(Ordering::SeqCst),
            ledger.refused[i].load(Ordering::SeqCst),
        );
        assert!(h + d + r <= 1, "message {i}: handled {h}, dead-lettered {d}, refused {r}");
        fates += u64::from(h + d + r);
    }
    assert_eq!(fates, sent, "every message sent has exactly one fate");
    assert!(sent >= SENDERS * PER_SENDER, "{sent} messages sent");
    for &id in ledger.answered.lock().unwrap().iter() {
        assert_eq!(ledger.handled[id as usize].load(Ordering::SeqCst), 1, "answered ask {id}");
    }
    for &id in ledger.asks_dead_lettered.lock().unwrap().iter() {
        assert_eq!(ledger.dead[id as usize].load(Ordering::SeqCst), 1, "dead-lettered ask {id}");
    }
    eprintln!(
        "seed {seed}: {sent} messages: {handled} handled, {dead} dead-lettered, {refused} \
         refused; {} crashes; {} restarts",
        ledger.crashes.load(Ordering::SeqCst),
        node.supervision_counters().restarts()
    );
}

/// Keeps the chaos task's hundreds of intended panics out of the test's output.
fn quiet_chaos_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let chaos = info.payload().downcast_ref::<String>().is_some_and(|m| m.starts_with("chaos"));
        if !chaos {
            default(info);
        }
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_has_exactly_one_fate_under_supervision_chaos() {
    quiet_chaos_panics();
    run(7, Stuck::Removed).await;
    run(1_000_003, Stuck::Restarted).await;
}
