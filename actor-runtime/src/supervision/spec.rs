//! [`ChildSpec`]: how a supervisor creates, restarts and stops one child.

use std::any::TypeId;
use std::time::Duration;

use super::Supervisor;

use crate::actor::Actor;
use crate::node::SpawnOptions;

/// When a child is restarted after it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Restart {
    /// Always.
    #[default]
    Permanent,
    /// Only after an abnormal exit (panic, error, kill).
    Transient,
    /// Never; the child is removed when it ends.
    Temporary,
}

/// Default time a child gets to stop before it is aborted (Erlang's 5 s for workers).
/// A child that is itself a [`Supervisor`] has no limit by default (Erlang's
/// `infinity` for supervisors): it takes what its own children's deadlines give it,
/// so that a stuck grandchild's deadline does not cut its siblings' drain short.
pub const DEFAULT_SHUTDOWN: Duration = Duration::from_secs(5);

/// A child of a supervisor: a factory that makes the actor anew for each start, a
/// restart type, a shutdown deadline and a name. The child is registered on the node
/// under its name.
///
/// ```
/// use std::time::Duration;
/// use mycelium::{
///     Actor, ActorError, ChildSpec, ChildState, Context, Node, Restart, RestartStrategy,
///     SpawnOptions, Supervisor,
/// };
///
/// struct Quoter {
///     symbols: Vec<String>,
/// }
///
/// impl Actor for Quoter {
///     type Msg = String;
///     async fn handle(&mut self, symbol: String, _ctx: &mut Context<Self>) -> Result<(), ActorError> {
///         self.symbols.push(symbol);
///         Ok(())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let start_with = vec!["BTCUSDT".to_string()];
/// // The factory runs at every start, so each instance begins from the same state.
/// let spec = ChildSpec::new("quoter", move || Quoter { symbols: start_with.clone() })
///     .restart(Restart::Transient) // restarted after a failure, not after a normal stop
///     .shutdown(Duration::from_millis(500)) // then aborted at its next `.await`
///     .options(SpawnOptions::new().capacity(1024));
///
/// let node = Node::new("doc");
/// let sup = node.spawn(Supervisor::new(RestartStrategy::OneForOne))?;
/// let wait = Duration::from_secs(1);
/// let quoter = sup.add_child(spec, wait).await?;
/// quoter.send("ETHUSDT".to_string()).await?;
///
/// let children = sup.children(wait).await?;
/// assert_eq!(children[0].restart, Restart::Transient);
/// assert_eq!(children[0].state, ChildState::Running);
/// node.shutdown(wait).await;
/// # Ok(()) }
/// ```
pub struct ChildSpec<A: Actor> {
    pub(crate) name: String,
    pub(crate) factory: Box<dyn FnMut() -> A + Send>,
    pub(crate) restart: Restart,
    pub(crate) shutdown: Duration,
    pub(crate) options: SpawnOptions,
}

impl<A: Actor> ChildSpec<A> {
    /// A permanent child named `name`, made by `factory`, with the default shutdown
    /// deadline ([`DEFAULT_SHUTDOWN`], none for a supervisor).
    pub fn new(name: impl Into<String>, factory: impl FnMut() -> A + Send + 'static) -> Self {
        let supervisor = TypeId::of::<A>() == TypeId::of::<Supervisor>();
        Self {
            name: name.into(),
            factory: Box::new(factory),
            restart: Restart::Permanent,
            shutdown: if supervisor { Duration::MAX } else { DEFAULT_SHUTDOWN },
            options: SpawnOptions::default(),
        }
    }

    /// Sets the restart type.
    pub fn restart(mut self, restart: Restart) -> Self {
        self.restart = restart;
        self
    }

    /// Sets how long the child gets to stop before it is aborted (`Duration::MAX`:
    /// no limit).
    pub fn shutdown(mut self, deadline: Duration) -> Self {
        self.shutdown = deadline;
        self
    }

    /// Sets mailbox capacity and timing (the name always comes from the spec).
    pub fn options(mut self, options: SpawnOptions) -> Self {
        self.options = options;
        self
    }
}
