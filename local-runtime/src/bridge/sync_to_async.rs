//! [`sync_to_async`] and its future, [`SyncToAsync`]: a blocking closure run on tokio's
//! blocking pool (rule D5) or, thread-sensitive, on its flow's sync thread (TS1-TS4).

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context as TaskCx, Poll};
use std::sync::Arc;

use super::{finish, run_capturing};
use crate::sync_thread::{Call, Completion, Finishing, Flow, Waiter};
use crate::table::{Table, TableRef};
use crate::thread_sensitive::{snapshot_for_call, submit};
use crate::thread_state::with_state;

/// What a call hands back: the closure's result (or panic) and its final context.
type Outcome<R> = (std::thread::Result<R>, TableRef);

const POOL: &str = "sync_to_async";
const THREAD_SENSITIVE: &str = "sync_to_async(..).thread_sensitive()";

/// Runs a blocking closure as a continuation of the caller's context, and writes its changes
/// back when it completes (rule D5): on tokio's blocking pool, or, with
/// [`.thread_sensitive()`](SyncToAsync::thread_sensitive), on the flow's sync thread
/// (rule TS1), like asgiref's `sync_to_async(thread_sensitive=True)`.
///
/// `f` sees the values visible where the returned future is first polled. When it returns,
/// every struct it wrote or took is copied into the awaiting context, so the caller sees its
/// writes *and* its `take_*`s. If `f` panics, the write-back happens first, then the panic
/// resumes in the awaiting task.
///
/// Like every Rust future, nothing happens until the future is polled: dropped before its first
/// poll, `f` never runs. Dropped after it, `f` still runs to completion (a thread cannot be
/// interrupted), but its changes are discarded; a thread-sensitive call that has not started
/// yet when its future is dropped is skipped instead. [`async_to_sync`] may be called
/// inside `f` (rule D7).
///
/// [`async_to_sync`]: crate::async_to_sync
///
/// # Panics
///
/// When polled outside a tokio runtime (except thread-sensitive calls, which need none), if the
/// runtime shut down before `f` could run, and for the refusals listed under
/// [`SyncToAsync::thread_sensitive`].
///
/// ```
/// use ctxlocal::{async_local, sync_to_async};
///
/// #[async_local]
/// struct Request {
///     id: u64,
///     user: String,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// Request::set_id(9);
/// let user = sync_to_async(|| {
///     // A blocking "database" call on the blocking pool.
///     assert_eq!(Request::id(), Some(9));
///     Request::set_user("ada".into());
///     "ada".to_owned()
/// })
/// .await;
/// assert_eq!(Request::user(), Some(user));
/// # }
/// ```
pub fn sync_to_async<F, R>(f: F) -> SyncToAsync<F>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    SyncToAsync {
        f: Some(f),
        thread_sensitive: false,
        pending: None,
    }
}

/// The future of [`sync_to_async`]: awaiting it runs the closure and returns its result.
///
/// ```
/// use ctxlocal::{SyncToAsync, sync_to_async};
///
/// /// A blocking query, run on the request's sync thread when awaited.
/// fn count_rows() -> SyncToAsync<impl FnOnce() -> usize + Send + 'static> {
///     sync_to_async(|| 3).thread_sensitive()
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(count_rows().await, 3);
/// # }
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct SyncToAsync<F> {
    /// The closure, until the first poll starts it.
    f: Option<F>,
    thread_sensitive: bool,
    /// Once started: where its outcome arrives, and the context it started from.
    pending: Option<Pending>,
}

struct Pending {
    /// A `Completion<Outcome<R>>`, erased: the future's type names only `F`.
    done: Arc<dyn Waiter>,
    /// The unmarked copy of the caller's context that the closure started from.
    base: TableRef,
}

// `F` is moved out on the first poll and never pinned.
impl<F> Unpin for SyncToAsync<F> {}

impl<F> SyncToAsync<F> {
    /// Runs the closure on the flow's *sync thread* instead of the blocking pool (rule TS1), so
    /// that every thread-sensitive call of a flow runs on one thread, one at a time, in order
    /// (TS2), and sees that thread's thread-critical values: a database connection, an open
    /// transaction. The context is carried as without it (TS3): the closure sees the caller's
    /// values and its writes and takes flow back.
    ///
    /// The flow's sync thread is, in this order:
    ///
    /// 1. inside [`async_to_sync`](crate::async_to_sync) called from a sync thread, at any
    ///    depth (through further bridges, in the tasks it spawns with this crate): that
    ///    thread, which runs the calls itself while it waits for its future;
    /// 2. inside a [`thread_sensitive_context`](crate::thread_sensitive_context): that
    ///    context's own thread;
    /// 3. otherwise one process-wide sync thread, shared by all such calls.
    ///
    /// On a sync thread of its own (cases 2 and 3), the closure runs inside the awaiting code's
    /// tokio runtime, as on the blocking pool: it may spawn tasks there, and `async_to_sync`
    /// inside it drives its future there.
    ///
    /// Call it before the first poll; it changes nothing afterwards.
    ///
    /// # Panics
    ///
    /// When the call could never run (rule TS4), instead of waiting forever:
    ///
    /// - its flow's sync thread is busy running an earlier call of the same flow that waits
    ///   for this one (the earlier call blocked on async code some other way than through
    ///   `async_to_sync`, which would run this call itself);
    /// - its flow's sync thread is gone: the call comes from a task that outlived the
    ///   `async_to_sync` call or the `thread_sensitive_context` it was spawned in;
    /// - it is awaited in a tokio task this crate did not start (rule D8), which belongs to no
    ///   flow.
    ///
    /// ```
    /// use ctxlocal::{async_local, async_to_sync, sync_to_async};
    ///
    /// /// A thread-confined resource, like a database connection.
    /// #[async_local(thread_critical)]
    /// struct Db {
    ///     connection: &'static str,
    /// }
    ///
    /// // A sync program with an async part in the middle, as Django runs async views.
    /// Db::set_connection("the main thread's connection");
    /// let seen = async_to_sync(async {
    ///     // Back on the thread blocked in `async_to_sync`, with its connection.
    ///     sync_to_async(Db::connection).thread_sensitive().await
    /// });
    /// assert_eq!(seen, Some("the main thread's connection"));
    /// ```
    pub fn thread_sensitive(mut self) -> Self {
        self.thread_sensitive = true;
        self
    }
}

/// Reports a call's outcome to its future; dropped without reporting (its call dropped unrun),
/// tells the future the call is lost.
struct Report<T>(Option<Arc<Completion<T>>>);

impl<T> Report<T> {
    fn finish(mut self, outcome: T) {
        if let Some(done) = self.0.take() {
            // Nobody awaits it any more: its values are dropped here, on the call's thread.
            drop(done.finish(outcome));
        }
    }
}

impl<T> Drop for Report<T> {
    fn drop(&mut self) {
        if let Some(done) = self.0.take() {
            done.lose();
        }
    }
}

/// What runs a call and tells the runner it is done (the pool needs no telling).
trait Work: FnOnce(Option<Finishing<'_>>) + Send + 'static {}

impl<W: FnOnce(Option<Finishing<'_>>) + Send + 'static> Work for W {}

/// The work of one call: runs `f` in `table` (as a frame of this thread's blocking work) and
/// reports the outcome. With `skip_cancelled`, a call whose future was dropped before it
/// started does not run. On a thread in no tokio runtime, `runtime` (the awaiting code's) is
/// entered for the call, as on the blocking pool: `f` may spawn tasks on it, and
/// `async_to_sync` inside `f` drives its future there.
fn call<F, R>(
    f: F,
    mut table: TableRef,
    done: Arc<Completion<Outcome<R>>>,
    skip_cancelled: bool,
    runtime: Option<tokio::runtime::Handle>,
) -> impl Work
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let report = Report(Some(done));
    // The caller's tracing span and OpenTelemetry context go along (rule O3), so that `f`'s
    // events and spans stay in the caller's trace.
    let carried = crate::observe::Carried::capture();
    move |finishing: Option<Finishing<'_>>| {
        let start = report.0.as_ref().is_some_and(|done| done.start());
        if !start && skip_cancelled {
            // Cancelled: `f` is dropped unrun.
            return;
        }
        let enter = match runtime {
            Some(handle) if tokio::runtime::Handle::try_current().is_err() => Some(handle),
            _ => None,
        };
        let entered = enter.as_ref().map(tokio::runtime::Handle::enter);
        let result = carried.run(|| run_capturing(&mut table, f));
        drop(entered);
        if let Some(finishing) = finishing {
            finishing.now();
        }
        report.finish((result, table));
    }
}

impl<F, R> SyncToAsync<F>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    /// Starts the call: on the blocking pool, or on the flow's sync thread.
    fn start(&mut self, f: F) {
        let done = Arc::new(Completion::<Outcome<R>>::new());
        let base = if self.thread_sensitive {
            let (snapshot, flow) = snapshot_for_call(THREAD_SENSITIVE);
            let id = Call::next_id();
            // Code inside the call is inside it: a call of its flow that its thread would have
            // to run before this one returns is refused (TS4).
            let inside = Flow::inside_call(flow.as_deref(), id);
            let base = Table::unmarked_with_flow(&snapshot, Arc::new(inside));
            drop(snapshot);
            // A call whose future is gone before it starts is skipped: the flow's thread does
            // not spend its time on a cancelled request's calls (as asgiref's executors do).
            let runtime = tokio::runtime::Handle::try_current().ok();
            let work = call(f, base.clone(), done.clone(), true, runtime);
            let call = Call::new(id, move |finishing| work(Some(finishing)));
            submit(THREAD_SENSITIVE, flow.as_deref(), call);
            base
        } else {
            let base = Table::unmarked(&with_state(|state| state.snapshot()));
            // Detached: the outcome comes back through `done`, and a call the pool drops
            // unrun (the runtime shuts down) reports itself lost. Once submitted it runs, as
            // `spawn_blocking` does, even if its future is dropped.
            let work = call(f, base.clone(), done.clone(), false, None);
            drop(tokio::task::spawn_blocking(move || work(None)));
            base
        };
        self.pending = Some(Pending { done, base });
    }
}

impl<F, R> Future for SyncToAsync<F>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<R> {
        let this = &mut *self;
        if let Some(f) = this.f.take() {
            this.start(f);
        }
        let Some(pending) = &this.pending else {
            panic!("`SyncToAsync` polled after it completed");
        };
        let done = pending
            .done
            .as_any()
            .downcast_ref::<Completion<Outcome<R>>>()
            .expect("a `SyncToAsync<F>` awaits the outcome of `F`");
        let outcome = match done.poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(outcome) => outcome,
        };
        let Pending { base, .. } = this.pending.take().expect("checked above");
        match outcome {
            Ok((result, after)) => {
                let what = if this.thread_sensitive {
                    THREAD_SENSITIVE
                } else {
                    POOL
                };
                Poll::Ready(finish(what, base, after, result))
            }
            Err(_) if this.thread_sensitive => panic!(
                "ctxlocal: `{THREAD_SENSITIVE}` call was dropped unrun: its sync thread could \
                 not be started"
            ),
            Err(_) => panic!(
                "ctxlocal: `sync_to_async` closure was cancelled because the tokio runtime is \
                 shutting down"
            ),
        }
    }
}

impl<F> Drop for SyncToAsync<F> {
    fn drop(&mut self) {
        if let Some(pending) = self.pending.take() {
            // A call that has not started never will; a running one's changes are discarded.
            pending.done.cancel();
        }
    }
}

impl<F> fmt::Debug for SyncToAsync<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncToAsync")
            .field("thread_sensitive", &self.thread_sensitive)
            .field("started", &self.f.is_none())
            .finish_non_exhaustive()
    }
}
