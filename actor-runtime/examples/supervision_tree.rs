//! A small supervision tree: a root one-for-one supervisor over a `prices` worker and
//! a nested rest-for-one supervisor with a `parser` and a `writer`. The parser panics
//! on a bad line; its supervisor restarts it (and the writer started after it), the
//! line that caused the panic goes to dead letters, and the lines queued behind it
//! are handled by the new instance through the same `ActorRef`.
//!
//! Run: `cargo run -p mycelium --example supervision_tree`

use std::time::Duration;

use mycelium::{
    Actor, ActorError, ChildSpec, Context, Node, ReplyTo, RestartStrategy, SpawnOptions,
    Supervisor, SupervisorMsg,
};

/// Parses `price` lines; panics on anything else (a bug we want contained).
struct Parser {
    parsed: u64,
}

enum ParserMsg {
    Line(String),
    Parsed(ReplyTo<u64>),
}

impl Actor for Parser {
    type Msg = ParserMsg;

    async fn started(&mut self, ctx: &mut Context<Self>) -> Result<(), ActorError> {
        println!("  parser {} started", ctx.id());
        Ok(())
    }

    async fn handle(&mut self, msg: ParserMsg, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        match msg {
            ParserMsg::Line(line) => {
                let price: f64 = line.parse().unwrap_or_else(|_| panic!("not a price: {line:?}"));
                self.parsed += 1;
                println!("  parsed {price}");
            }
            ParserMsg::Parsed(reply) => {
                let _ = reply.send(self.parsed);
            }
        }
        Ok(())
    }
}

/// A worker that only logs its lifecycle.
struct Quiet(&'static str);

impl Actor for Quiet {
    type Msg = ();
    async fn started(&mut self, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        println!("  {} started", self.0);
        Ok(())
    }
    async fn handle(&mut self, _: (), _ctx: &mut Context<Self>) -> Result<(), ActorError> {
        Ok(())
    }
    async fn stopped(&mut self, _ctx: &mut Context<Self>) {
        println!("  {} stopped", self.0);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let node = Node::new("example");
    let ingest = || {
        Supervisor::new(RestartStrategy::RestForOne)
            .intensity(3, Duration::from_secs(10))
            .child(ChildSpec::new("parser", || Parser { parsed: 0 }))
            .child(ChildSpec::new("writer", || Quiet("writer")))
    };
    println!("starting the tree");
    // `spawn_started` returns once the whole tree has started, so names resolve.
    let root = node
        .spawn_started(
            Supervisor::new(RestartStrategy::OneForOne)
                .child(ChildSpec::new("prices", || Quiet("prices")))
                .child(ChildSpec::new("ingest", ingest)),
            SpawnOptions::new().name("root"),
        )
        .await?;

    let timeout = Duration::from_secs(1);
    let parser = node.lookup::<ParserMsg>("parser")?;
    println!("sending 101.5, a bad line, then 102.25 and 103");
    for line in ["101.5", "oops", "102.25", "103"] {
        parser.send(ParserMsg::Line(line.into())).await?;
    }
    // Same ActorRef, new instance: the lines behind the bad one were not lost.
    let parsed = parser.ask(ParserMsg::Parsed, timeout).await?;
    println!("the restarted parser has parsed {parsed} lines since its restart");

    for letter in node.dead_letters().drain() {
        println!(
            "dead letter: message #{:?} to {}: {}",
            letter.seq, letter.recipient, letter.reason
        );
    }
    print_children(&root, &node, timeout).await?;
    println!("restarts on this node: {}", node.supervision_counters().restarts());

    println!("shutting down (children stop in reverse start order)");
    node.shutdown(Duration::from_secs(5)).await;
    Ok(())
}

async fn print_children(
    root: &mycelium::ActorRef<SupervisorMsg>,
    node: &Node,
    timeout: Duration,
) -> Result<(), Box<dyn std::error::Error>> {
    for child in root.children(timeout).await? {
        println!("root child {:<8} {:?} restarts={}", child.name, child.state, child.restarts);
    }
    let ingest = node.lookup::<SupervisorMsg>("ingest")?;
    for child in ingest.children(timeout).await? {
        println!("ingest child {:<8} {:?} restarts={}", child.name, child.state, child.restarts);
    }
    Ok(())
}
