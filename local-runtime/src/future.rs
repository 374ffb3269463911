//! The future wrapper that carries a context: [`WithContext`] and [`FutureExt`].

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context as TaskCx, Poll};

use pin_project_lite::pin_project;

use crate::context::Context;
use crate::state::{Installed, Kind, TableRef};

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
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct WithContext<F> {
        table: TableRef,
        #[pin]
        future: Option<F>,
    }

    impl<F> PinnedDrop for WithContext<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            if this.future.is_some() {
                let _installed = Installed::new(this.table, Kind::Async);
                this.future.set(None);
            }
        }
    }
}

impl<F> WithContext<F> {
    pub(crate) fn new(context: Context, future: F) -> Self {
        WithContext {
            table: context.table,
            future: Some(future),
        }
    }

    pub(crate) fn from_table(table: TableRef, future: F) -> Self {
        WithContext {
            table,
            future: Some(future),
        }
    }
}

impl<F: Future> Future for WithContext<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<F::Output> {
        let mut this = self.project();
        let _installed = Installed::new(this.table, Kind::Async);
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
    /// visible here now, and its own writes stay inside it.
    fn in_current_context(self) -> WithContext<Self> {
        WithContext::new(Context::current(), self)
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
