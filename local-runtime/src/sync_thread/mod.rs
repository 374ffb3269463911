//! Sync threads: the threads that run thread-sensitive calls (rules TS1, TS2, TS4, TS5).
//!
//! A [`Runner`] is one sync thread and its queue of calls, run one at a time in submission
//! order (TS2). There are three kinds, one per case of rule TS1:
//!
//! - a *caller* runner (`Runner::caller`) is the thread blocked in an `async_to_sync` call:
//!   that call's loop takes calls from the queue and runs them itself while it waits for its
//!   future (the loop lives in `bridge/`);
//! - a *context* runner (`Runner::context`) belongs to one `thread_sensitive_context`: a
//!   thread of its own, started on the first call and told to exit when the context ends, so
//!   that what it holds (its thread-critical values, its root context) is dropped on it (TS5);
//! - the *global* runner (`Runner::global`) is one process-wide thread for every other flow.
//!
//! A context records its flow's runner in a [`Flow`] (kept in the context's table, inherited
//! like a value, never written back by bridges): where its thread-sensitive calls go, and the
//! calls of the flow that are running now, which a new call of the same flow must not wait
//! for (TS4, see `thread_sensitive.rs`).
//!
//! Nothing here knows about contexts: a call is a boxed closure, and its outcome travels back
//! through a [`Completion`].

mod completion;
mod runner;

pub(crate) use completion::{Completion, Waiter};
pub(crate) use runner::{Call, Closing, Finishing, Runner};

use std::sync::Arc;

/// What a context knows about its flow's sync thread.
pub(crate) struct Flow {
    /// Where the flow's thread-sensitive calls go; `None`: the global runner.
    pub(crate) target: Option<Arc<Runner>>,
    /// The thread-sensitive calls this flow is running now (the innermost last): code of the
    /// flow runs inside them, so the runner that runs one of them cannot run another call of
    /// the flow until it returns.
    pub(crate) running: Vec<u64>,
    /// For a flow whose context runner lives as long as the flow (a request of
    /// `ScopeLayer::thread_sensitive`): closes the runner when the last context of the flow,
    /// and every flow derived from it, is gone.
    pub(crate) owner: Option<Arc<Closing>>,
}

impl Flow {
    /// This flow with another target, for the code inside a caller runner or a context.
    pub(crate) fn with_target(flow: Option<&Flow>, target: Arc<Runner>) -> Flow {
        Flow {
            target: Some(target),
            running: flow.map(|flow| flow.running.clone()).unwrap_or_default(),
            owner: flow.and_then(|flow| flow.owner.clone()),
        }
    }

    /// A flow with a context runner of its own that stays open while any context of the flow
    /// (or of a flow derived from it) lives, and closes when the last one is dropped.
    #[cfg(feature = "tower")]
    pub(crate) fn owning(runner: Arc<Runner>) -> Flow {
        Flow {
            target: Some(runner.clone()),
            running: Vec::new(),
            owner: Some(Arc::new(Closing(runner))),
        }
    }

    /// The caller runner's flow of an `async_to_sync` call on this thread, inside `flow`: the
    /// one a previous call left in `spare` if nothing else refers to it (a thread's sequential
    /// calls then allocate nothing for it), otherwise a new one.
    pub(crate) fn for_caller(flow: Option<&Flow>, spare: Option<Arc<Flow>>) -> Arc<Flow> {
        let parent = flow.and_then(|flow| flow.target.clone());
        if let Some(mut reused) = spare {
            if let Some(reused_flow) = Arc::get_mut(&mut reused) {
                if let Some(runner) = reused_flow.target.as_mut().and_then(Arc::get_mut) {
                    runner.reopen(parent);
                    reused_flow.running.clear();
                    reused_flow.owner = flow.and_then(|flow| flow.owner.clone());
                    if let Some(flow) = flow {
                        reused_flow.running.extend_from_slice(&flow.running);
                    }
                    return reused;
                }
            }
        }
        Arc::new(Flow::with_target(flow, Runner::caller(parent)))
    }

    /// The caller runner of a flow made by [`Flow::for_caller`].
    pub(crate) fn caller(&self) -> &Arc<Runner> {
        self.target
            .as_ref()
            .expect("a caller's flow has its runner")
    }

    /// True if nothing but this reference refers to `flow` and its runner: it can be reused.
    pub(crate) fn is_unshared(flow: &Arc<Flow>) -> bool {
        Arc::strong_count(flow) == 1
            && Arc::weak_count(flow) == 0
            && flow.target.as_ref().is_some_and(|runner| {
                Arc::strong_count(runner) == 1 && Arc::weak_count(runner) == 0
            })
    }

    /// This flow inside call `id`.
    pub(crate) fn inside_call(flow: Option<&Flow>, id: u64) -> Flow {
        let mut running = flow.map(|flow| flow.running.clone()).unwrap_or_default();
        running.push(id);
        Flow {
            target: flow.and_then(|flow| flow.target.clone()),
            running,
            owner: flow.and_then(|flow| flow.owner.clone()),
        }
    }
}
