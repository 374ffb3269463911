//! Thread-sensitive calls (rules TS1-TS5): which sync thread runs a call of the current flow,
//! the refusals that keep such a call from waiting forever, and [`thread_sensitive_context`],
//! which gives a flow a thread of its own.
//!
//! A flow's runner (`sync_thread/`) is recorded in its context, so that everything that
//! continues or inherits the context (awaited code, bridges, spawned tasks and threads) sends
//! its thread-sensitive calls to the same thread. The bridges that set it: `async_to_sync`
//! (its calling thread, rule TS1 a) and [`thread_sensitive_context`] (TS1 b); without either,
//! calls go to the global runner (TS1 c).

use core::fmt;
use core::future::{Future, IntoFuture};
use core::pin::Pin;
use core::task::{Context as TaskCx, Poll};
use std::sync::Arc;

use crate::context::Context;
use crate::future::WithContext;
use crate::sync_thread::{Call, Closing, Flow, Runner};
use crate::table::{Table, TableRef};
use crate::thread_state::with_state;

/// What a thread-sensitive call starts from: a snapshot of the current context and its flow.
///
/// # Panics
///
/// In a tokio task the crate did not start: it belongs to no flow (rule D8).
pub(crate) fn snapshot_for_call(what: &str) -> (TableRef, Option<Arc<Flow>>) {
    let snapshot = with_state(|state| state.is_tracked().then(|| state.snapshot()));
    let Some(snapshot) = snapshot else {
        refuse_untracked(what)
    };
    let flow = snapshot.as_ref().and_then(|table| table.flow().cloned());
    (snapshot, flow)
}

/// Queues `call` on the sync thread of `flow` (rule TS1); panics instead if it could never run
/// (TS4): its runner is busy with a call of the same flow that waits for this one, or gone.
pub(crate) fn submit(what: &str, flow: Option<&Flow>, mut call: Call) {
    let mut runner = match flow.and_then(|flow| flow.target.as_ref()) {
        Some(runner) => runner,
        None => Runner::global(),
    };
    loop {
        if would_deadlock(runner, flow) {
            drop(call);
            refuse_deadlock(what);
        }
        match runner.submit(call) {
            Ok(()) => return,
            Err(back) => {
                call = back;
                // A caller runner whose `async_to_sync` returned hands its calls to the runner
                // around it, if that one is still open (as asgiref's executors do).
                runner = match runner.parent() {
                    Some(parent) => parent,
                    None => {
                        drop(call);
                        refuse_gone(what)
                    }
                };
            }
        }
    }
}

/// True if `runner` cannot run a new call of `flow` before the flow itself lets it: it is
/// running one of the flow's calls (the new call's code runs inside it), or it runs a call on
/// this very thread (the new call is being made inside that call).
fn would_deadlock(runner: &Runner, flow: Option<&Flow>) -> bool {
    let running = runner.running();
    running != 0
        && (flow.is_some_and(|flow| flow.running.contains(&running))
            || runner.thread() == Some(std::thread::current().id()))
}

/// Runs on a context's thread once the context ended and its calls are done, before the thread
/// serves another context: drops what the context left there (TS5), its thread-critical values
/// and anything in the thread's root context, so that nothing made in one context is seen by
/// another.
fn end_of_context() {
    crate::thread_critical::drop_sync_namespace();
    crate::thread_state::drop_root();
}

/// Gives `context` a sync thread of its own (rule TS6: a request of
/// `ScopeLayer::thread_sensitive`), which lives as long as the context or anything that
/// continues or inherits it (the request's future, its response body, tasks it spawned), and
/// cleans up as a [`thread_sensitive_context`]'s does (TS5) when the last of them is dropped.
#[cfg(feature = "tower")]
pub(crate) fn give_own_thread(context: &mut Context) {
    let flow = Flow::owning(Runner::context(end_of_context));
    context.table = Table::unmarked_with_flow(&context.table, Arc::new(flow));
}

/// The first runner in `runner`'s chain that still accepts calls.
fn open_runner(mut runner: &Arc<Runner>) -> Option<&Arc<Runner>> {
    while runner.is_closed() {
        runner = runner.parent()?;
    }
    Some(runner)
}

#[cold]
#[inline(never)]
fn refuse_untracked(what: &str) -> ! {
    panic!(
        "ctxlocal: `{what}` refused: this tokio task was not started by ctxlocal, so it \
         belongs to no flow whose sync thread could run the call; start the task with \
         `ctxlocal::spawn` or `.in_current_context()` (for a framework's own task, such as \
         axum middleware, add `ctxlocal::tower::ScopeLayer`), or drop `.thread_sensitive()`"
    )
}

#[cold]
#[inline(never)]
fn refuse_deadlock(what: &str) -> ! {
    panic!(
        "ctxlocal: `{what}` refused: it would deadlock. It must run on its flow's sync \
         thread, which is busy running an earlier thread-sensitive call of this same flow, \
         and that call is waiting for this one (it blocked on async code without \
         `ctxlocal::async_to_sync`, for example in a runtime's `block_on`). Run the async code \
         with `ctxlocal::async_to_sync` instead: while it waits, that thread runs the flow's \
         thread-sensitive calls itself. Or drop `.thread_sensitive()` if this call need not \
         run on the flow's thread"
    )
}

#[cold]
#[inline(never)]
fn refuse_gone(what: &str) -> ! {
    panic!(
        "ctxlocal: `{what}` refused: its flow's sync thread is gone: the code making the call \
         outlived the `async_to_sync` call or the `thread_sensitive_context` whose thread runs \
         the flow's calls (a task spawned there and not awaited). Await such a task before \
         that ends, or run it in a `ctxlocal::thread_sensitive_context` of its own"
    )
}

/// A future that gives its flow a sync thread of its own (rule TS1 b): made by
/// [`thread_sensitive_context`].
///
/// ```
/// use ctxlocal::{ThreadSensitiveContext, sync_to_async, thread_sensitive_context};
///
/// /// A request handler whose blocking calls all run on the request's own thread.
/// fn handle() -> ThreadSensitiveContext<impl Future<Output = bool>> {
///     thread_sensitive_context(async {
///         let first = sync_to_async(|| std::thread::current().id()).thread_sensitive().await;
///         let second = sync_to_async(|| std::thread::current().id()).thread_sensitive().await;
///         first == second
///     })
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert!(handle().await);
/// # }
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ThreadSensitiveContext<F> {
    /// The future, until the first poll decides its context.
    future: Option<F>,
    /// From the first poll on: the future in its context (boxed: `F` is moved in unpolled).
    running: Option<Pin<Box<WithContext<F>>>>,
    /// The context's own runner, if it has one; closed after `running` is dropped (fields drop
    /// in order), or as soon as the future completes.
    thread: Option<Closing>,
}

// `future` is never pinned (it is moved into `running`'s box before its first poll).
impl<F> Unpin for ThreadSensitiveContext<F> {}

/// Runs `future` with a sync thread of its own: every thread-sensitive call it makes
/// ([`SyncToAsync::thread_sensitive`](crate::SyncToAsync::thread_sensitive)), also from the
/// tasks and threads it starts with this crate, runs on that one thread, one at a time, in
/// order (rules TS1 b, TS2). Like asgiref's `ThreadSensitiveContext`, Django's choice for one
/// request: the request's blocking calls share that thread's thread-critical values (a
/// database connection, an open transaction), and requests never share them.
///
/// The thread starts with the first call (a context that makes none costs no thread) and
/// exits when the future completes or is dropped, after the calls already queued; its
/// thread-critical values and root context are dropped on it then (rule TS5). A call made
/// after that, by a task that outlived the context, is refused with a panic.
///
/// The future runs in a child of the context it is first polled in, as with
/// [`Context::scope`]: it sees the values visible there, and what it writes stays inside it.
///
/// Inside another thread-sensitive context, or inside [`async_to_sync`](crate::async_to_sync)
/// (whose calling thread runs the flow's calls, rule TS1 a), the enclosing thread stays the
/// flow's: no new thread is made, as with asgiref's re-entrant contexts.
///
/// ```
/// use ctxlocal::{async_local, sync_to_async, thread_sensitive_context};
///
/// /// One connection per thread, as a database driver keeps it.
/// #[async_local(thread_critical)]
/// struct Db {
///     connection: String,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let request = |name: &'static str| {
///     thread_sensitive_context(async move {
///         sync_to_async(move || Db::set_connection(format!("{name}'s connection")))
///             .thread_sensitive()
///             .await;
///         tokio::task::yield_now().await;
///         // The next call of the request finds the connection: same thread.
///         sync_to_async(Db::connection).thread_sensitive().await
///     })
/// };
/// let (a, b) = tokio::join!(request("a"), request("b"));
/// assert_eq!(a.as_deref(), Some("a's connection"));
/// assert_eq!(b.as_deref(), Some("b's connection"));
/// # }
/// ```
pub fn thread_sensitive_context<F: IntoFuture>(future: F) -> ThreadSensitiveContext<F::IntoFuture> {
    ThreadSensitiveContext {
        future: Some(future.into_future()),
        running: None,
        thread: None,
    }
}

impl<F> ThreadSensitiveContext<F> {
    /// Puts the future in a child of the current context, with a runner of its own unless the
    /// flow's runner is still open.
    fn start(&mut self, future: F) -> Pin<Box<WithContext<F>>> {
        let mut context = Context::current();
        let flow = context
            .table
            .as_ref()
            .and_then(|table| table.flow())
            .cloned();
        let enclosing = flow
            .as_ref()
            .and_then(|flow| flow.target.as_ref())
            .and_then(open_runner)
            .is_some();
        if !enclosing {
            let runner = Runner::context(end_of_context);
            let flow = Flow::with_target(flow.as_deref(), runner.clone());
            context.table = Table::unmarked_with_flow(&context.table, Arc::new(flow));
            self.thread = Some(Closing(runner));
        }
        Box::pin(WithContext::new(context, future))
    }
}

impl<F: Future> Future for ThreadSensitiveContext<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        if let Some(future) = this.future.take() {
            let running = this.start(future);
            this.running = Some(running);
        }
        let Some(running) = this.running.as_mut() else {
            panic!("`ThreadSensitiveContext` polled after it completed");
        };
        let poll = running.as_mut().poll(cx);
        if poll.is_ready() {
            this.running = None;
            // Done: the thread need not wait for the future to be dropped.
            this.thread = None;
        }
        poll
    }
}

impl<F> fmt::Debug for ThreadSensitiveContext<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadSensitiveContext")
            .field("started", &self.future.is_none())
            .field("own_thread", &self.thread.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::end_of_context;
    use crate::field::{FieldProof, Slot};
    use crate::mode::ThisThread;
    use crate::private::accessors::{get, set};
    use crate::struct_key::{StructKey, Values};

    #[derive(Clone, Default)]
    struct Shared {
        n: Slot<u64>,
    }
    // SAFETY: a struct of slots with derived `Clone` and `Default`: no user code.
    unsafe impl Values for Shared {}

    #[derive(Clone, Default)]
    struct Confined {
        n: Slot<u64, ThisThread>,
    }
    // SAFETY: as above.
    unsafe impl Values for Confined {}

    static SHARED: StructKey<Shared> = StructKey::new();
    static CONFINED: StructKey<Confined, ThisThread> = StructKey::new_local();

    #[test]
    fn the_end_of_a_context_drops_its_threads_root_context_and_thread_critical_values() {
        std::thread::spawn(|| {
            set(&SHARED, |v| &mut v.n, FieldProof::new(), 1, "Shared::set_n");
            set(
                &CONFINED,
                |v| &mut v.n,
                FieldProof::local(),
                2,
                "Confined::set_n",
            );
            assert_eq!(get(&SHARED, |v| &v.n), Some(1));
            assert_eq!(get(&CONFINED, |v| &v.n), Some(2));
            end_of_context();
            assert_eq!(get(&SHARED, |v| &v.n), None);
            assert_eq!(get(&CONFINED, |v| &v.n), None);
            // The thread goes on as new: it can hold values again.
            set(&SHARED, |v| &mut v.n, FieldProof::new(), 3, "Shared::set_n");
            assert_eq!(get(&SHARED, |v| &v.n), Some(3));
        })
        .join()
        .unwrap();
    }
}
