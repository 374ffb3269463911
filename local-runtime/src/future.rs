//! The future wrapper that carries a context: [`WithContext`] and [`FutureExt`].

use core::fmt;
use core::future::{Future, IntoFuture};
use core::pin::Pin;
use core::task::{Context as TaskCx, Poll};

use pin_project_lite::pin_project;

use crate::context::{Context, Override};
use crate::install::{Installed, TcPolicy};
use crate::table::TableRef;
use crate::thread_critical::TcBinding;
use crate::thread_state::FrameKind;

pin_project! {
    /// A future that runs in its own context: every poll makes the context current and
    /// restores the previous one afterwards, also when the poll panics.
    ///
    /// Writes made while it runs go to its private copy-on-write continuation of the context
    /// it started with, so they are visible to everything it awaits and to nothing outside it.
    /// The inner future is also dropped inside the context, so its `Drop` code (a transaction
    /// guard, a log line) sees the same values as its body.
    ///
    /// Made by [`Context::scope`], [`FutureExt::in_current_context`],
    /// [`FutureExt::in_context`] and the generated `scope*` accessors.
    ///
    /// ```
    /// use ctxlocal::{Context, FutureExt, WithContext, async_local};
    ///
    /// #[async_local]
    /// struct Request {
    ///     id: u64,
    /// }
    ///
    /// /// A job that runs later, elsewhere, with the values of the request that queued it.
    /// fn queued_job() -> WithContext<impl Future<Output = Option<u64>>> {
    ///     async { Request::id() }.in_current_context()
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// Request::set_id(3);
    /// let job = queued_job();
    /// Request::set_id(4);
    /// assert_eq!(job.await, Some(3));
    /// # }
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct WithContext<F> {
        table: TableRef,
        // This task's thread-critical namespace; released (on the threads that hold it) after
        // the future is dropped.
        tc: TcBinding,
        // Whether `tc` is used only when polled at top level (see `TcPolicy::BindIfTopLevel`).
        tc_if_top_level: bool,
        #[pin]
        future: Option<F>,
    }

    impl<F> PinnedDrop for WithContext<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            if this.future.is_some() {
                let _installed = Installed::new(this.table, FrameKind::Async, tc_policy(this.tc, *this.tc_if_top_level));
                this.future.set(None);
            }
        }
    }
}

fn tc_policy(binding: &mut TcBinding, if_top_level: bool) -> TcPolicy<'_> {
    if if_top_level {
        TcPolicy::BindIfTopLevel(binding)
    } else {
        TcPolicy::Bind(binding)
    }
}

impl<F> WithContext<F> {
    /// A future in `context`. It is a task of its own for thread-critical values when an
    /// executor polls it, and part of the enclosing task when awaited inside one.
    pub(crate) fn new(context: Context, future: F) -> Self {
        WithContext {
            table: context.table,
            tc: TcBinding::default(),
            tc_if_top_level: true,
            future: Some(future),
        }
    }

    /// Calls `call` in `context` (made current for the call) and wraps the future it returns,
    /// so that what `call` writes is what the future starts with (for `tower::Scope`).
    #[cfg(feature = "tower")]
    pub(crate) fn start(context: Context, call: impl FnOnce() -> F) -> Self {
        let mut table = context.table;
        let future = {
            let _installed = Installed::new(&mut table, FrameKind::Sync, TcPolicy::Keep);
            call()
        };
        WithContext::new(Context { table }, future)
    }

    /// A future in a scoped override's child context.
    pub(crate) fn from_override(scoped: Override, future: F) -> Self {
        match scoped.tc {
            Some(tc) => WithContext {
                table: scoped.table,
                tc,
                tc_if_top_level: false,
                future: Some(future),
            },
            None => WithContext::new(
                Context {
                    table: scoped.table,
                },
                future,
            ),
        }
    }

    /// Runs `future` in a snapshot of the current context, with a snapshot of the current
    /// thread-critical values too (for `spawn_local` children, which stay on this thread).
    #[cfg(feature = "tokio")]
    pub(crate) fn local_child(future: F) -> Self {
        WithContext::from_override(
            Override {
                table: Context::inherited().table,
                tc: Some(TcBinding::seeded(|_, _| {})),
            },
            future,
        )
    }
}

// === impl Context (the constructor that lives here, beside the wrapper it makes) ===

impl Context {
    /// Wraps a future so that every poll of it runs in this context (a private continuation of
    /// it, like [`run`](Context::run)).
    ///
    /// ```
    /// use ctxlocal::{Context, async_local};
    ///
    /// #[async_local]
    /// struct Request {
    ///     id: u64,
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// Request::set_id(1);
    /// let ctx = Context::current();
    /// Request::set_id(2);
    /// let seen = ctx.scope(async { Request::id() }).await;
    /// assert_eq!(seen, Some(1));
    /// # }
    /// ```
    pub fn scope<F: IntoFuture>(&self, future: F) -> WithContext<F::IntoFuture> {
        WithContext::new(self.clone(), future.into_future())
    }
}

impl<F: Future> Future for WithContext<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<F::Output> {
        let mut this = self.project();
        let _installed = Installed::new(
            this.table,
            FrameKind::Async,
            tc_policy(this.tc, *this.tc_if_top_level),
        );
        let Some(future) = this.future.as_mut().as_pin_mut() else {
            panic!("`WithContext` polled after it completed");
        };
        let poll = future.poll(cx);
        if poll.is_ready() {
            // Drop the finished future while its context is still current.
            this.future.set(None);
        }
        poll
    }
}

impl<F> fmt::Debug for WithContext<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithContext")
            .field("finished", &self.future.is_none())
            .finish_non_exhaustive()
    }
}

/// Runs futures in a context. Implemented for every [`Future`].
///
/// ```
/// use ctxlocal::{FutureExt, async_local};
///
/// #[async_local]
/// struct Request {
///     id: u64,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// Request::set_id(1);
/// // A plain tokio task would carry nothing; this one starts with a snapshot.
/// let child = tokio::spawn(async { Request::id() }.in_current_context());
/// assert_eq!(child.await.unwrap(), Some(1));
/// # }
/// ```
pub trait FutureExt: Future + Sized {
    /// Runs this future in a snapshot of the current context (rule D3): it sees the values
    /// visible here now (except `#[local(no_inherit)]` fields, which start unset), and its own
    /// writes stay inside it.
    fn in_current_context(self) -> WithContext<Self> {
        WithContext::new(Context::inherited(), self)
    }

    /// Runs this future in `context`.
    ///
    /// ```
    /// use ctxlocal::{Context, FutureExt, async_local};
    ///
    /// #[async_local]
    /// struct Request {
    ///     id: u64,
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// Request::set_id(1);
    /// let seen = async { Request::id() }.in_context(Context::empty()).await;
    /// assert_eq!(seen, None);
    /// # }
    /// ```
    fn in_context(self, context: Context) -> WithContext<Self> {
        WithContext::new(context, self)
    }
}

impl<F: Future> FutureExt for F {}
