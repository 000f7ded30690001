//! Supervision: a [`Supervisor`] actor restarts its children by their [`Restart`]
//! type and its [`RestartStrategy`], within a restart [`Intensity`], and escalates to its own
//! parent when that is exceeded.

mod child;
mod spec;
mod supervisor;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use spec::{ChildSpec, Restart, DEFAULT_SHUTDOWN};
pub use supervisor::{ChildInfo, ChildState, Supervisor, SupervisorError, SupervisorMsg};

use crate::actor::ExitReason;
use crate::id::ActorId;

/// Which children restart when one fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RestartStrategy {
    /// Only the failed child.
    #[default]
    OneForOne,
    /// Every child: all stopped in reverse start order, then all started in order.
    OneForAll,
    /// The failed child and every child started after it, with the same ordering.
    RestForOne,
}

/// At most `max_restarts` restarts within `within`; one more and the supervisor stops
/// its children and fails itself, for its own parent to handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intensity {
    /// Restarts allowed in the window.
    pub max_restarts: u32,
    /// The sliding window.
    pub within: Duration,
}

impl Default for Intensity {
    /// Erlang's default: 1 restart in 5 seconds.
    fn default() -> Self {
        Self { max_restarts: 1, within: Duration::from_secs(5) }
    }
}

/// Delay before a restart: `initial` for the first restart in the intensity window,
/// doubling for each further one, capped at `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay before the first restart.
    pub initial: Duration,
    /// The longest delay.
    pub max: Duration,
}

/// Reported to a supervisor when an instance of one of its children ends.
#[derive(Debug, Clone)]
#[doc(hidden)]
pub struct ChildExit {
    pub(crate) id: ActorId,
    pub(crate) generation: u64,
    pub(crate) reason: ExitReason,
}

/// Supervision figures of a node.
#[derive(Debug, Default)]
pub struct SupervisionCounters {
    restarts: AtomicU64,
    escalations: AtomicU64,
}

impl SupervisionCounters {
    /// Child restarts on this node so far.
    pub fn restarts(&self) -> u64 {
        self.restarts.load(Ordering::Relaxed)
    }

    /// Supervisors that gave up (restart intensity exceeded) so far.
    pub fn escalations(&self) -> u64 {
        self.escalations.load(Ordering::Relaxed)
    }

    pub(crate) fn count_restart(&self) {
        self.restarts.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn uncount_restart(&self) {
        self.restarts.fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn count_escalation(&self) {
        self.escalations.fetch_add(1, Ordering::Relaxed);
    }
}
