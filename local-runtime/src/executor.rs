//! [`spawn_with`]: inheritance (rule D3) for tasks started on any executor (rule E4).

use core::future::Future;

use crate::future::{ContextExt, WithContext};

/// Starts `future` with `spawn`, any executor's spawning function, so that it begins with a
/// snapshot of the current context, as [`spawn`](crate::spawn) does for tokio (rules D3, E4).
///
/// Use it where tasks are born outside tokio: a `futures` `LocalPool` or `ThreadPool`, smol,
/// async-std, an executor of your own. Returns whatever `spawn` returns (a join handle, a
/// `Result`). Without it, a future on another executor carries nothing, and since ctxlocal
/// cannot detect that executor's tasks, its code would use the polling thread's root context,
/// shared by every task polled on that thread.
///
/// ```
/// use ctxlocal::async_local;
/// use futures::executor::LocalPool;
/// use futures::task::LocalSpawnExt;
///
/// #[async_local]
/// struct Request {
///     id: u64,
/// }
///
/// let mut pool = LocalPool::new();
/// let spawner = pool.spawner();
/// let (tx, rx) = std::sync::mpsc::channel();
/// for id in [1, 2] {
///     Request::set_id(id);
///     let tx = tx.clone();
///     ctxlocal::spawn_with(|task| spawner.spawn_local(task), async move {
///         tx.send(Request::id()).unwrap();
///     })
///     .unwrap();
/// }
/// Request::set_id(3);
/// pool.run();
/// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [Some(1), Some(2)]);
/// ```
pub fn spawn_with<F, S, R>(spawn: S, future: F) -> R
where
    F: Future,
    S: FnOnce(WithContext<F>) -> R,
{
    spawn(future.in_current_context())
}
