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
pub(crate) use runner::{Call, Finishing, Runner};

use std::sync::Arc;

/// What a context knows about its flow's sync thread.
pub(crate) struct Flow {
    /// Where the flow's thread-sensitive calls go; `None`: the global runner.
    pub(crate) target: Option<Arc<Runner>>,
    /// The thread-sensitive calls this flow is running now (the innermost last): code of the
    /// flow runs inside them, so the runner that runs one of them cannot run another call of
    /// the flow until it returns.
    pub(crate) running: Vec<u64>,
}

impl Flow {
    /// This flow with another target, for the code inside a caller runner or a context.
    pub(crate) fn with_target(flow: Option<&Flow>, target: Arc<Runner>) -> Flow {
        Flow {
            target: Some(target),
            running: flow.map(|flow| flow.running.clone()).unwrap_or_default(),
        }
    }

    /// This flow inside call `id`.
    pub(crate) fn inside_call(flow: Option<&Flow>, id: u64) -> Flow {
        let mut running = flow.map(|flow| flow.running.clone()).unwrap_or_default();
        running.push(id);
        Flow {
            target: flow.and_then(|flow| flow.target.clone()),
            running,
        }
    }
}
