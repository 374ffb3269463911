//! The wrapper that carries a context: [`WithContext`], made by [`ContextExt`] for a future, a
//! stream, a sink, an HTTP body or a parallel iterator. This file has the wrapper and its
//! `Future` impl; each other trait it forwards has a file here, behind its feature.

#[cfg(feature = "tower")]
mod body;
mod ext;
#[cfg(feature = "futures")]
mod stream;

#[allow(deprecated)]
pub use ext::{ContextExt, FutureExt};

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
    /// A value that runs in its own context: a future, a stream, a sink or an HTTP body
    /// (and, with feature `rayon`, a parallel iterator). Every poll (and every other call that
    /// drives it: `start_send`, `poll_frame`, ...) makes the context current and restores the
    /// previous one afterwards, also when it panics.
    ///
    /// Writes made while it runs go to its private copy-on-write continuation of the context
    /// it started with, so they are visible to everything it polls and to nothing outside it,
    /// and they persist from one poll to the next (like a task's). The inner value is also
    /// dropped inside the context, so its `Drop` code (a transaction guard, a log line) sees
    /// the same values as its body. A future is dropped as soon as it completes.
    ///
    /// Made by [`ContextExt::in_current_context`], [`ContextExt::in_context`],
    /// [`Context::scope`] and the generated `scope*` accessors.
    ///
    /// ```
    /// use ctxlocal::{Context, ContextExt, WithContext, async_local};
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
    #[must_use = "a `WithContext` does nothing unless polled (`.await`ed, iterated, sent to)"]
    pub struct WithContext<T> {
        table: TableRef,
        // This task's thread-critical namespace; released (on the threads that hold it) after
        // the inner value is dropped.
        tc: TcBinding,
        // Whether `tc` is used only when polled at top level (see `TcPolicy::BindIfTopLevel`).
        tc_if_top_level: bool,
        // `None` once a future has completed (it is dropped then), or after `into_inner`.
        #[pin]
        inner: Option<T>,
    }

    impl<T> PinnedDrop for WithContext<T> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            if this.inner.is_some() {
                let _installed = Installed::new(this.table, FrameKind::Async, tc_policy(this.tc, *this.tc_if_top_level));
                this.inner.set(None);
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

const GONE: &str = "`WithContext` used after its future completed (a finished future is dropped \
                    inside its context; nothing is left to poll or borrow)";

impl<T> WithContext<T> {
    /// `inner` in `context`. It is a task of its own for thread-critical values when an
    /// executor polls it, and part of the enclosing task when awaited inside one.
    pub(crate) fn new(context: Context, inner: T) -> Self {
        WithContext {
            table: context.table,
            tc: TcBinding::default(),
            tc_if_top_level: true,
            inner: Some(inner),
        }
    }

    /// Calls `call` in `context` (made current for the call) and wraps what it returns, so
    /// that what `call` writes is what the wrapper starts with (for `tower::Scope`).
    #[cfg(feature = "tower")]
    pub(crate) fn start(context: Context, call: impl FnOnce() -> T) -> Self {
        let mut table = context.table;
        let inner = {
            let _installed = Installed::new(&mut table, FrameKind::Sync, TcPolicy::Keep);
            call()
        };
        WithContext::new(Context { table }, inner)
    }

    /// A future in a scoped override's child context.
    pub(crate) fn from_override(scoped: Override, inner: T) -> Self {
        match scoped.tc {
            Some(tc) => WithContext {
                table: scoped.table,
                tc,
                tc_if_top_level: false,
                inner: Some(inner),
            },
            None => WithContext::new(
                Context {
                    table: scoped.table,
                },
                inner,
            ),
        }
    }

    /// Runs `inner` in a snapshot of the current context, with a snapshot of the current
    /// thread-critical values too (for `spawn_local` children, which stay on this thread).
    #[cfg(feature = "tokio")]
    pub(crate) fn local_child(inner: T) -> Self {
        WithContext::from_override(
            Override {
                table: Context::inherited().table,
                tc: Some(TcBinding::seeded(|_, _| {})),
            },
            inner,
        )
    }

    /// A snapshot of the context as the wrapped value left it (its writes included): what a
    /// response body continues in after the handler's future completed (`tower::Scope`).
    #[cfg(feature = "tower")]
    pub(crate) fn context_now(&self) -> Context {
        Context {
            table: self.table.clone(),
        }
    }

    /// Takes the wrapper apart: the context it carries (with the writes made so far) and the
    /// inner value, which from now on runs wherever its new owner polls it.
    #[cfg(feature = "rayon")]
    pub(crate) fn into_parts(mut self) -> (Context, T) {
        let table = self.table.take();
        let inner = self.inner.take().expect(GONE);
        (Context { table }, inner)
    }

    /// Calls `f` with the inner value pinned, in the context: how every trait this wrapper
    /// forwards drives its inner value.
    ///
    /// # Panics
    ///
    /// If the inner future has completed (and was dropped).
    #[cfg(any(feature = "futures", feature = "tower"))]
    #[inline]
    pub(crate) fn in_context_pinned<R>(
        self: Pin<&mut Self>,
        f: impl FnOnce(Pin<&mut T>) -> R,
    ) -> R {
        let this = self.project();
        let _installed = Installed::new(
            this.table,
            FrameKind::Async,
            tc_policy(this.tc, *this.tc_if_top_level),
        );
        f(this.inner.as_pin_mut().expect(GONE))
    }

    /// The wrapped value, if a future has not completed yet (for `&self` queries such as
    /// `size_hint`, which run no code that needs the context).
    #[cfg(any(feature = "futures", feature = "tower", feature = "rayon"))]
    #[inline]
    pub(crate) fn inner_ref(&self) -> Option<&T> {
        self.inner.as_ref()
    }

    /// A reference to the wrapped value.
    ///
    /// # Panics
    ///
    /// If the wrapped value is a future that has completed: it is dropped then.
    ///
    /// ```
    /// use ctxlocal::ContextExt;
    ///
    /// let wrapped = vec![1, 2, 3].in_current_context();
    /// assert_eq!(wrapped.get_ref().len(), 3);
    /// ```
    pub fn get_ref(&self) -> &T {
        self.inner.as_ref().expect(GONE)
    }

    /// A mutable reference to the wrapped value. Code run through it does not run in the
    /// carried context.
    ///
    /// # Panics
    ///
    /// If the wrapped value is a future that has completed: it is dropped then.
    ///
    /// ```
    /// use ctxlocal::ContextExt;
    ///
    /// let mut wrapped = vec![1, 2, 3].in_current_context();
    /// wrapped.get_mut().push(4);
    /// assert_eq!(wrapped.get_ref(), &[1, 2, 3, 4]);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect(GONE)
    }

    /// A pinned mutable reference to the wrapped value. Code run through it does not run in
    /// the carried context.
    ///
    /// # Panics
    ///
    /// If the wrapped value is a future that has completed: it is dropped then.
    ///
    /// ```
    /// use std::pin::pin;
    ///
    /// use ctxlocal::ContextExt;
    ///
    /// let mut wrapped = pin!(async { 1 }.in_current_context());
    /// let _inner = wrapped.as_mut().get_pin_mut();
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut T> {
        self.project().inner.as_pin_mut().expect(GONE)
    }

    /// Unwraps the value, which no longer runs in the carried context. The context (and the
    /// writes made in it) is dropped here, in the caller's context.
    ///
    /// # Panics
    ///
    /// If the wrapped value is a future that has completed: it is dropped then.
    ///
    /// ```
    /// use ctxlocal::ContextExt;
    ///
    /// let wrapped = String::from("body").in_current_context();
    /// assert_eq!(wrapped.into_inner(), "body");
    /// ```
    pub fn into_inner(mut self) -> T {
        self.inner.take().expect(GONE)
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
        let Some(future) = this.inner.as_mut().as_pin_mut() else {
            panic!("`WithContext` polled after its future completed");
        };
        let poll = future.poll(cx);
        if poll.is_ready() {
            // Drop the finished future while its context is still current.
            this.inner.set(None);
        }
        poll
    }
}

impl<T> fmt::Debug for WithContext<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithContext")
            .field("finished", &self.inner.is_none())
            .finish_non_exhaustive()
    }
}
