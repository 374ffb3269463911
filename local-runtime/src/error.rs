//! The error returned when a context may not be written here.

use core::fmt;

/// A write to a context was refused.
///
/// Returned by the generated `try_set_*` accessors; the other writers (`set_*`, `replace_*`,
/// `update_*`, `value.set()`) panic with the same message. Taking or clearing a value that is
/// not visible needs no write, so `take_*` returns `None` and `clear()` does nothing there.
/// It happens in two situations:
///
/// - **Untracked tokio work.** The code runs in a tokio task this crate did not start: one
///   started with `tokio::spawn` or `tokio::task::spawn_blocking`, or a framework's own task
///   (axum middleware added with `from_fn` when no `ScopeLayer` wraps it, a hyper connection
///   task, a `JoinSet` task), wherever it is polled. Such a task carries no context and shares
///   its thread with other tasks, so a value written there would leak to them. In a server,
///   give each request its context with `ctxlocal::tower::ScopeLayer` (or, in middleware, run
///   the rest of the request inside it: `value.scope(next.run(req)).await`); for your own tasks
///   use [`spawn`](crate::spawn) / [`spawn_blocking`](crate::spawn_blocking) (in a `JoinSet`,
///   `ctxlocal::JoinSetExt`; for hyper's tasks, `ctxlocal::hyper::ContextExecutor`), or wrap the future
///   with [`ContextExt::in_current_context`](crate::ContextExt::in_current_context).
/// - **Thread exit.** The thread's local storage is being destroyed (for example from the
///   `Drop` of another thread-local), so its root context can no longer hold values.
///
/// ```
/// use ctxlocal::async_local;
///
/// #[async_local]
/// struct Request {
///     id: u64,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // A plain tokio task carries no context: writing there is refused, with guidance.
/// let refused = tokio::spawn(async { Request::try_set_id(1) }).await.unwrap();
/// let error = refused.unwrap_err();
/// assert!(error.is_untracked_task());
/// assert!(error.to_string().contains("ctxlocal::spawn"));
///
/// // The same code in a task started by ctxlocal may write.
/// let allowed = ctxlocal::spawn(async { Request::try_set_id(1) }).await.unwrap();
/// assert!(allowed.is_ok());
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AccessError {
    reason: Reason,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Reason {
    UntrackedTask,
    ThreadExiting,
}

impl AccessError {
    pub(crate) fn untracked_task() -> Self {
        AccessError {
            reason: Reason::UntrackedTask,
        }
    }

    pub(crate) fn thread_exiting() -> Self {
        AccessError {
            reason: Reason::ThreadExiting,
        }
    }

    /// True if the write was refused because it ran in a tokio task or blocking closure that
    /// was not started through this crate.
    ///
    /// ```
    /// use ctxlocal::async_local;
    ///
    /// #[async_local]
    /// struct Request {
    ///     id: u64,
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let error = tokio::spawn(async { Request::try_set_id(1).unwrap_err() })
    ///     .await
    ///     .unwrap();
    /// assert!(error.is_untracked_task());
    /// # }
    /// ```
    pub fn is_untracked_task(&self) -> bool {
        self.reason == Reason::UntrackedTask
    }

    /// True if the write was refused because the thread's local storage is being destroyed.
    ///
    /// ```
    /// use std::sync::mpsc;
    ///
    /// use ctxlocal::async_local;
    ///
    /// #[async_local]
    /// struct Request {
    ///     id: u64,
    /// }
    ///
    /// /// Writes from its destructor, which runs at thread exit.
    /// struct WritesOnExit(mpsc::Sender<bool>);
    ///
    /// impl Drop for WritesOnExit {
    ///     fn drop(&mut self) {
    ///         let refused = Request::try_set_id(1).unwrap_err();
    ///         self.0.send(refused.is_thread_exiting()).unwrap();
    ///     }
    /// }
    ///
    /// thread_local! {
    ///     static ON_EXIT: std::cell::RefCell<Option<WritesOnExit>> =
    ///         const { std::cell::RefCell::new(None) };
    /// }
    ///
    /// let (tx, rx) = mpsc::channel();
    /// std::thread::spawn(move || {
    ///     // Registered before the root context, so destroyed after it.
    ///     ON_EXIT.with(|slot| *slot.borrow_mut() = Some(WritesOnExit(tx)));
    ///     Request::set_id(7);
    /// })
    /// .join()
    /// .unwrap();
    /// assert!(rx.recv().unwrap());
    /// ```
    pub fn is_thread_exiting(&self) -> bool {
        self.reason == Reason::ThreadExiting
    }
}

/// Where untracked work runs, for the messages of refused writes and of strict-mode reads.
pub(crate) const UNTRACKED_WHERE: &str = "in a tokio task that ctxlocal did not start (a \
     `tokio::spawn` task, a `spawn_blocking` closure, or a framework's own task such as axum \
     middleware added with `from_fn`)";

/// What to do about untracked work, for the same messages.
pub(crate) const UNTRACKED_FIX: &str = "In a server, give each request its context with \
     `ctxlocal::tower::ScopeLayer`, or in the middleware run the rest of the request inside it \
     (`value.scope(next.run(req)).await`); for your own tasks use `ctxlocal::spawn` / \
     `ctxlocal::spawn_blocking` (in a `JoinSet`: `ctxlocal::JoinSetExt`; for hyper's tasks: \
     `ctxlocal::hyper::ContextExecutor`), or wrap the future with `.in_current_context()` \
     (`ctxlocal::ContextExt`)";

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            Reason::UntrackedTask => write!(
                f,
                "cannot write a context value {UNTRACKED_WHERE}: such a task carries no \
                 context, and the value would leak to other tasks on this thread. {UNTRACKED_FIX}"
            ),
            Reason::ThreadExiting => f.write_str(
                "cannot write a context value while this thread's local storage is being \
                 destroyed; write it before the thread exits, or inside `Context::run`",
            ),
        }
    }
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessError")
            .field("reason", &self.reason)
            .field("message", &format_args!("{self}"))
            .finish()
    }
}

impl std::error::Error for AccessError {}
