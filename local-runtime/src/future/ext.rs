//! [`ContextExt`], the extension trait that wraps any value in a context (the shape of
//! `tracing::Instrument`), and its deprecated predecessor [`FutureExt`].

use core::future::Future;

use super::WithContext;
use crate::context::Context;

/// Runs a future, stream, sink, HTTP body or parallel iterator in a context (rule E1).
/// Implemented for every type, like `tracing::Instrument`; the result implements each of
/// those traits that the wrapped value implements:
///
/// | wrapped value | traits of [`WithContext`] | feature |
/// |---|---|---|
/// | a future | [`Future`] | |
/// | a stream / a sink | `futures_core::Stream` / `futures_sink::Sink` | `futures` |
/// | an HTTP body | `http_body::Body` | `tower` |
/// | a parallel iterator | `rayon::iter::ParallelIterator` | `rayon` |
///
/// Every poll of the wrapped value (each `poll_next`, `poll_ready` / `start_send` /
/// `poll_flush` / `poll_close`, `poll_frame`), and its drop, runs in the carried context.
///
/// ```
/// use ctxlocal::{ContextExt, async_local};
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
pub trait ContextExt: Sized {
    /// Runs this value in a snapshot of the current context (rule D3): it sees the values
    /// visible here now (except `#[local(no_inherit)]` fields, which start unset), and its own
    /// writes stay inside it.
    ///
    /// ```
    /// use ctxlocal::{ContextExt, async_local};
    ///
    /// #[async_local]
    /// struct Request {
    ///     id: u64,
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// Request::set_id(1);
    /// let later = async { Request::id() }.in_current_context();
    /// Request::set_id(2);
    /// assert_eq!(later.await, Some(1));
    /// # }
    /// ```
    fn in_current_context(self) -> WithContext<Self> {
        WithContext::new(Context::inherited(), self)
    }

    /// Runs this value in `context`.
    ///
    /// ```
    /// use ctxlocal::{Context, ContextExt, async_local};
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

impl<T> ContextExt for T {}

/// The former name of [`ContextExt`], for futures only. Kept for one release.
///
/// ```
/// # #![allow(deprecated)]
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
/// assert_eq!(async { Request::id() }.in_current_context().await, Some(1));
/// # }
/// ```
#[deprecated(
    since = "0.1.0",
    note = "renamed `ContextExt`, which also wraps streams, sinks, HTTP bodies and parallel \
            iterators: `use ctxlocal::ContextExt;`"
)]
pub trait FutureExt: Future + Sized {
    /// See [`ContextExt::in_current_context`].
    fn in_current_context(self) -> WithContext<Self> {
        WithContext::new(Context::inherited(), self)
    }

    /// See [`ContextExt::in_context`].
    fn in_context(self, context: Context) -> WithContext<Self> {
        WithContext::new(context, self)
    }
}

#[allow(deprecated)]
impl<F: Future> FutureExt for F {}
