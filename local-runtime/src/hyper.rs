//! hyper integration (feature `hyper`): a [`hyper::rt::Executor`] whose tasks start with a
//! snapshot of the current context (rule E4).
//!
//! hyper (and hyper-util's client, and servers built on them) start tasks of their own through
//! an executor: a client's connection and its background connecting, an HTTP/2 server's
//! streams. With hyper-util's `TokioExecutor` those tasks carry nothing (plain `tokio::spawn`,
//! rule D8): code they run (an I/O wrapper, a body, a connector's logging) sees no context and
//! may not write. [`ContextExecutor`] runs each task hyper hands it in a snapshot of the
//! context current when hyper hands it over: the context of the request that opened the
//! connection, or of the server connection's task.
//!
//! ```
//! use ctxlocal::async_local;
//! use ctxlocal::hyper::ContextExecutor;
//! use hyper::rt::Executor;
//!
//! #[async_local]
//! struct Request {
//!     id: u64,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let executor = ContextExecutor::tokio();
//! let (tx, rx) = tokio::sync::oneshot::channel();
//! Request::set_id(1);
//! executor.execute(async move { tx.send(Request::id()).unwrap() });
//! assert_eq!(rx.await.unwrap(), Some(1));
//! # }
//! ```
//!
//! With hyper-util's client: `Client::builder(ContextExecutor::tokio())`, or
//! `Client::builder(ContextExecutor::new(TokioExecutor::new()))` to wrap any executor.

use core::future::Future;

use hyper::rt::Executor;

use crate::future::{ContextExt, WithContext};

/// A [`hyper::rt::Executor`] that runs each future in a snapshot of the context current when
/// it is handed over, on the executor it wraps.
///
/// ```
/// use ctxlocal::hyper::ContextExecutor;
/// use hyper::rt::Executor;
/// # #[ctxlocal::async_local] struct RequestCtx { id: u64 }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let executor = ContextExecutor::tokio();
/// let (tx, rx) = tokio::sync::oneshot::channel();
/// RequestCtx::set_id(8);
/// // What hyper does with its connection tasks: they start with a snapshot of this context.
/// executor.execute(async move { tx.send(RequestCtx::id()).unwrap() });
/// assert_eq!(rx.await.unwrap(), Some(8));
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct ContextExecutor<E> {
    inner: E,
}

impl<E> ContextExecutor<E> {
    /// Wraps `inner`: every future hyper gives this executor runs on `inner`, in a snapshot of
    /// the current context.
    ///
    /// ```
    /// use ctxlocal::hyper::{ContextExecutor, TokioExecutor};
    ///
    /// let executor = ContextExecutor::new(TokioExecutor);
    /// # let _ = executor;
    /// ```
    pub fn new(inner: E) -> Self {
        ContextExecutor { inner }
    }

    /// The wrapped executor.
    ///
    /// ```
    /// use ctxlocal::hyper::{ContextExecutor, TokioExecutor};
    ///
    /// let executor = ContextExecutor::tokio();
    /// let _inner: &TokioExecutor = executor.get_ref();
    /// ```
    pub fn get_ref(&self) -> &E {
        &self.inner
    }
}

#[cfg(feature = "tokio")]
impl ContextExecutor<TokioExecutor> {
    /// An executor that spawns each future on the current tokio runtime, as
    /// [`ctxlocal::spawn`](crate::spawn) does.
    ///
    /// ```
    /// use ctxlocal::hyper::ContextExecutor;
    ///
    /// let executor = ContextExecutor::tokio();
    /// # let _ = executor;
    /// ```
    pub fn tokio() -> Self {
        ContextExecutor::new(TokioExecutor)
    }
}

impl<E, F> Executor<F> for ContextExecutor<E>
where
    E: Executor<WithContext<F>>,
    F: Future,
{
    fn execute(&self, future: F) {
        self.inner.execute(future.in_current_context());
    }
}

/// A [`hyper::rt::Executor`] that spawns on the current tokio runtime (`tokio::spawn`); what
/// [`ContextExecutor::tokio`] wraps. On its own it carries nothing.
///
/// ```
/// use ctxlocal::hyper::TokioExecutor;
/// use hyper::rt::Executor;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, rx) = tokio::sync::oneshot::channel();
/// TokioExecutor.execute(async move { tx.send(1).unwrap() });
/// assert_eq!(rx.await.unwrap(), 1);
/// # }
/// ```
#[cfg(feature = "tokio")]
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioExecutor;

#[cfg(feature = "tokio")]
impl<F> Executor<F> for TokioExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        tokio::spawn(future);
    }
}
