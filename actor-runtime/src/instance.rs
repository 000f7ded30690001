//! Running one instance of an actor: the message loop, and the guard that hands the
//! mailbox back and reports the exit however the instance ends.
//!
//! # The loop
//! Before each message the instance looks at its signals, so `stop`, `kill` and
//! supervision events overtake a full mailbox. The look is one flag load; both kinds
//! come out of one queue (see `queue`), which parks the instance on one waker.
//!
//! # The guard
//! The guard owns the leased mailbox for the instance's lifetime. When the instance
//! returns, panics or is aborted, the guard's `Drop` sends the message that was being
//! handled at a failure to dead letters, cancels the instance's token (its subtasks
//! and, for a supervisor, its children) and then either puts the mailbox back and
//! tells the supervisor (which decides on a restart) or ends the actor for good. If
//! the actor was ended while this instance still ran (it was given up past a
//! deadline, or its supervisor was killed), the guard empties the mailbox into dead
//! letters instead: an ended actor's queue goes there, whoever holds it.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::actor::{Actor, ActorError, ExitReason};
use crate::cell::Cell;
use crate::context::Context;
use crate::dead_letters::{DeadLetter, DeadLetterCause};
use crate::mailbox::Mailbox;
use crate::node::Node;
use crate::pinned::{self, InstanceHandle};
use crate::queue::Next;
use crate::signal::{Signal, SignalTx};
use crate::supervision::ChildExit;

/// How long to wait for an aborted instance to unwind: an abort takes effect at the
/// instance's next `.await` (or poll, on a pinned thread), which a handler stuck in a
/// busy loop never reaches.
pub(crate) const ABORT_GRACE: Duration = Duration::from_secs(1);

/// The supervisor of an instance: where its exit is reported.
#[derive(Clone)]
pub(crate) struct Parent {
    pub(crate) signals: SignalTx,
    /// The supervisor instance's token: cancelled when that instance ends.
    pub(crate) token: CancellationToken,
}

/// Where an instance says that `started` has finished: `Ok`, or why the instance
/// ended instead.
pub(crate) type StartedTx = oneshot::Sender<Result<(), ExitReason>>;

/// Everything needed to start an instance.
pub(crate) struct Start<A: Actor> {
    pub(crate) cell: Arc<Cell<A::Msg>>,
    pub(crate) actor: A,
    pub(crate) node: Node,
    pub(crate) parent: Option<Parent>,
    /// Counts the instances of this cell; a supervisor ignores exits of older ones.
    pub(crate) generation: u64,
    /// Told when `started` has finished, either way (dropped if the instance is
    /// aborted before).
    pub(crate) started: Option<StartedTx>,
}

/// Spawns an instance on the current Tokio runtime, or on a pinned thread for a
/// hot-path actor. `None` if the mailbox is not available (the actor has ended, or an
/// instance is still running) or no thread could be started.
pub(crate) fn spawn_instance<A: Actor>(start: Start<A>) -> Option<InstanceHandle> {
    let Start { cell, actor, node, parent, generation, started } = start;
    let mut mailbox = cell.lease_mailbox()?;
    if generation > 0 {
        mailbox.stats.restarts += 1;
    }
    let token = match &parent {
        Some(p) => p.token.child_token(),
        None => node.token().child_token(),
    };
    let ended = Arc::new(AtomicBool::new(false));
    forward_cancellation(&token, &ended, &cell.signals);
    let guard = Guard {
        cell: cell.clone(),
        mailbox: Some(mailbox),
        reason: ExitReason::Killed,
        parent,
        generation,
        token: token.clone(),
        ended,
        node: node.clone(),
    };
    let ctx = Context::new(cell.clone(), node, token, started);
    let instance = instance_main(guard, actor, ctx);
    let handle = match cell.pinned {
        None => InstanceHandle::Task(tokio::spawn(instance)),
        Some(pinned) => {
            let name = format!("mycelium-{}", cell.name.as_deref().unwrap_or("pinned"));
            match pinned::spawn(instance, pinned, name) {
                Ok(handle) => handle,
                Err(e) => {
                    // The instance future was dropped with the closure: its guard has
                    // already reported the exit.
                    tracing::error!(actor = %cell.id, error = %e, "cannot start a pinned thread");
                    return None;
                }
            }
        }
    };
    cell.set_abort(handle.aborter());
    Some(handle)
}

/// Turns a cancelled token (the node's or the supervisor's ended) into a `Stop`
/// signal. A separate small task, so the message loop pays nothing per message for it.
fn forward_cancellation(token: &CancellationToken, ended: &Arc<AtomicBool>, signals: &SignalTx) {
    let (token, ended, signals) = (token.clone(), ended.clone(), signals.clone());
    tokio::spawn(async move {
        token.cancelled().await;
        if !ended.load(Ordering::Acquire) {
            signals.send(Signal::Stop);
        }
    });
}

async fn instance_main<A: Actor>(mut guard: Guard<A::Msg>, actor: A, mut ctx: Context<A>) {
    let supervised = guard.parent.is_some();
    let Some(mailbox) = guard.mailbox.as_mut() else {
        return;
    };
    tracing::debug!(actor = %guard.cell.id, name = ?guard.cell.name, generation = guard.generation, "instance started");
    let outcome = AssertUnwindSafe(run(actor, &mut ctx, mailbox, supervised)).catch_unwind().await;
    guard.reason = match outcome {
        Ok(reason) => reason,
        Err(payload) => {
            let msg = panic_message(payload.as_ref());
            tracing::error!(actor = %guard.cell.id, name = ?guard.cell.name, panic = %msg, "actor panicked");
            ExitReason::Panicked(msg)
        }
    };
    ctx.fail_started(&guard.reason);
    drop(ctx);
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

/// The instance's life: `started`, the message loop, `stopped`. One async fn, not
/// several nested ones: every poll of the instance resumes through each level of
/// nesting, and this is polled once per message.
async fn run<A: Actor>(
    mut actor: A,
    ctx: &mut Context<A>,
    mb: &mut Mailbox<A::Msg>,
    supervised: bool,
) -> ExitReason {
    if let Err(e) = actor.started(ctx).await {
        return ExitReason::Failed(format!("started: {e}"));
    }
    ctx.notify_started();
    // While stopping: how many more queued messages to handle before ending.
    let mut draining: Option<usize> = None;
    let ended: Result<ExitReason, ActorError> = loop {
        // Checked before the first message too: `ctx.stop()` in `started` ends the
        // actor without waiting for one.
        if ctx.stop_requested() {
            break Ok(ExitReason::Normal);
        }
        let next = match draining {
            Some(left) => match mb.rx.try_signal() {
                Some(signal) => Next::Signal(signal),
                None if left == 0 => break Ok(ExitReason::Stopped),
                None => match mb.rx.try_recv() {
                    Some(env) => {
                        draining = Some(left - 1);
                        Next::Message(env)
                    }
                    None => break Ok(ExitReason::Stopped),
                },
            },
            None => {
                let ready = std::future::poll_fn(|cx| mb.rx.poll_ready(cx)).await;
                mb.rx.take_ready(ready)
            }
        };
        let handled = match next {
            Next::Message(msg) => {
                let seq = mb.stats.handled + 1;
                mb.stats.handled = seq;
                mb.in_flight = Some(seq);
                let handled = match (&mut mb.stats.timing, mb.rx.enqueued_at()) {
                    (Some(timing), Some(enqueued)) => {
                        let start = Instant::now();
                        let depth = mb.rx.len() + 1;
                        let handled = actor.handle(msg, ctx).await;
                        if handled.is_ok() {
                            timing.record(depth, start - enqueued, start.elapsed());
                        }
                        handled
                    }
                    _ => actor.handle(msg, ctx).await,
                };
                if handled.is_ok() {
                    mb.in_flight = None;
                }
                handled
            }
            Next::Closed => break Ok(ExitReason::Stopped),
            Next::Signal(Signal::Stop) => {
                if draining.is_none() {
                    // An unsupervised actor will never run again: close the mailbox so
                    // senders see `Closed` and the drain ends. A supervised one may be
                    // restarted: handle what is queued now and leave the mailbox open.
                    draining = Some(if supervised {
                        mb.rx.len()
                    } else {
                        mb.rx.close();
                        usize::MAX
                    });
                }
                Ok(())
            }
            Next::Signal(Signal::Kill) => break Ok(ExitReason::Killed),
            Next::Signal(Signal::Restart) => break Ok(ExitReason::Stopped),
            Next::Signal(Signal::Abort) => return ExitReason::Killed,
            Next::Signal(Signal::Terminated(t)) => actor.on_terminated(t, ctx).await,
            Next::Signal(Signal::ChildExit(exit)) => actor.on_child_exit(exit, ctx).await,
            Next::Signal(Signal::Metrics(reply)) => {
                let _ = reply.send(mb.stats.snapshot(mb.rx.len()));
                Ok(())
            }
        };
        if let Err(e) = handled {
            break Err(e);
        }
    };
    let reason = match ended {
        Ok(reason) => reason,
        Err(e) => ExitReason::Failed(e.to_string()),
    };
    ctx.set_ending(reason.clone());
    actor.stopped(ctx).await;
    reason
}

/// Owns the leased mailbox of a running instance; see the module docs.
struct Guard<M: Send + 'static> {
    cell: Arc<Cell<M>>,
    mailbox: Option<Mailbox<M>>,
    /// `Killed` until the instance returns: if the guard drops without a reason set,
    /// the instance was aborted.
    reason: ExitReason,
    parent: Option<Parent>,
    generation: u64,
    token: CancellationToken,
    ended: Arc<AtomicBool>,
    node: Node,
}

impl<M: Send + 'static> Drop for Guard<M> {
    fn drop(&mut self) {
        self.ended.store(true, Ordering::Release);
        self.token.cancel();
        let reason = self.reason.clone();
        let Some(mut mailbox) = self.mailbox.take() else {
            return;
        };
        if let Some(seq) = mailbox.in_flight.take() {
            self.node.inner().dead_letters.push(DeadLetter {
                recipient: self.cell.id,
                recipient_name: self.cell.name.clone(),
                message_type: std::any::type_name::<M>(),
                seq: Some(seq),
                message: None,
                reason: reason.to_string(),
                cause: DeadLetterCause::HandlerFailed,
            });
        }
        let parent = self.parent.as_ref().filter(|p| !p.token.is_cancelled());
        match parent {
            Some(parent) => match self.cell.return_mailbox(mailbox) {
                None => {
                    let exit = ChildExit {
                        id: self.cell.id,
                        generation: self.generation,
                        reason: reason.clone(),
                    };
                    if !parent.signals.send(Signal::ChildExit(exit)) {
                        self.cell.terminate(reason, None);
                    }
                }
                // Ended while this instance still ran: empty what it held.
                Some(mailbox) => self.cell.terminate(reason, Some(mailbox)),
            },
            None => self.cell.terminate(reason, Some(mailbox)),
        }
    }
}
