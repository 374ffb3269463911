//! Starting tokio tasks that carry a snapshot of the current context.

use core::future::Future;

use tokio::task::JoinHandle;

use crate::context::Context;
use crate::future::{ContextExt, WithContext};
use crate::observe::Carried;
use crate::thread_state::FrameKind;

/// Spawns a task on the current tokio runtime, like [`tokio::spawn`], that starts with a
/// snapshot of the current context (rule D3).
///
/// The child sees the values visible here at the time of the call, except those of
/// `#[local(no_inherit)]` fields; after that, writes made by either side are invisible to the
/// other (rule D4). Nothing flows back when the child ends.
///
/// With the `tracing` feature the child also runs inside the span current here, and with
/// `opentelemetry` inside the OpenTelemetry context current here (rule O3), so its events and
/// spans stay in this trace.
///
/// # Panics
///
/// Like [`tokio::spawn`], if called outside a tokio runtime.
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
/// Request::set_id(1);
/// let child = ctxlocal::spawn(async {
///     let inherited = Request::id();
///     Request::set_id(2); // stays in the child
///     inherited
/// });
/// assert_eq!(child.await.unwrap(), Some(1));
/// assert_eq!(Request::id(), Some(1));
/// # }
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::task::spawn(Carried::capture().wrap(future.in_current_context()))
}

/// Spawns a `!Send` task on the current [`tokio::task::LocalSet`], like
/// [`tokio::task::spawn_local`], that starts with a snapshot of the current context.
///
/// Because the child runs on this same thread, it also starts with a snapshot of the current
/// thread-critical values (rule T3); `spawn` does not carry those. Like [`spawn`], it carries
/// the current span and OpenTelemetry context when those features are on.
///
/// # Panics
///
/// Like [`tokio::task::spawn_local`], if called outside a `LocalSet`.
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
/// let local = tokio::task::LocalSet::new();
/// local
///     .run_until(async {
///         Request::set_id(3);
///         let rc = std::rc::Rc::new(()); // not `Send`: needs a local task
///         let child = ctxlocal::spawn_local(async move {
///             let _keep = rc;
///             Request::id()
///         });
///         assert_eq!(child.await.unwrap(), Some(3));
///     })
///     .await;
/// # }
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    tokio::task::spawn_local(Carried::capture().wrap(WithContext::local_child(future)))
}

/// Runs a closure on tokio's blocking thread pool, like [`tokio::task::spawn_blocking`], in a
/// snapshot of the current context (rule D9), without the values of `#[local(no_inherit)]`
/// fields (a background job must not run inside the request's transaction).
///
/// Writes made inside stay inside: they do not flow back (use
/// [`sync_to_async`](crate::sync_to_async) for that) and do not stay on the pool thread. Like
/// [`spawn`], it carries the current span and OpenTelemetry context when those features are on.
///
/// # Panics
///
/// Like [`tokio::task::spawn_blocking`], if called outside a tokio runtime.
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
/// Request::set_id(4);
/// let seen = ctxlocal::spawn_blocking(|| Request::id()).await.unwrap();
/// assert_eq!(seen, Some(4));
/// # }
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let context = Context::inherited();
    let carried = Carried::capture();
    tokio::task::spawn_blocking(move || carried.run(|| context.run_as(FrameKind::Blocking, f)))
}
