//! [`JoinSetExt`]: tasks of a tokio `JoinSet` that start with a snapshot of the current
//! context (rule E4).

use core::future::Future;

use tokio::task::{AbortHandle, JoinSet};

use crate::context::Context;
use crate::future::{ContextExt, WithContext};
use crate::thread_state::FrameKind;

mod sealed {
    pub trait Sealed {}
    impl<T> Sealed for tokio::task::JoinSet<T> {}
}

/// Spawning into a [`JoinSet`] with a snapshot of the current context, as
/// [`spawn`](crate::spawn), [`spawn_local`](crate::spawn_local) and
/// [`spawn_blocking`](crate::spawn_blocking) do. Plain `JoinSet::spawn` carries nothing: its
/// tasks are untracked (rule D8). Sealed: implemented for `JoinSet` only.
///
/// ```
/// use ctxlocal::{JoinSetExt, async_local};
/// use tokio::task::JoinSet;
///
/// #[async_local]
/// struct Request {
///     id: u64,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut set = JoinSet::new();
/// for id in 0..3 {
///     Request::set_id(id);
///     set.spawn_in_current_context(async { Request::id() });
/// }
/// let mut seen = set.join_all().await;
/// seen.sort();
/// assert_eq!(seen, [Some(0), Some(1), Some(2)]);
/// # }
/// ```
pub trait JoinSetExt<T>: sealed::Sealed {
    /// [`JoinSet::spawn`], with the task in a snapshot of the current context.
    ///
    /// # Panics
    ///
    /// Like [`JoinSet::spawn`], if called outside a tokio runtime.
    #[track_caller]
    fn spawn_in_current_context<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send;

    /// [`JoinSet::spawn_local`], with the task in a snapshot of the current context and of
    /// the current thread-critical values (it stays on this thread).
    ///
    /// # Panics
    ///
    /// Like [`JoinSet::spawn_local`], if called outside a `LocalSet`.
    ///
    /// ```
    /// use ctxlocal::{JoinSetExt, async_local};
    ///
    /// #[async_local]
    /// struct Request {
    ///     id: u64,
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let local = tokio::task::LocalSet::new();
    /// let seen = local
    ///     .run_until(async {
    ///         Request::set_id(1);
    ///         let mut set = tokio::task::JoinSet::new();
    ///         set.spawn_local_in_current_context(async { Request::id() });
    ///         set.join_next().await.unwrap().unwrap()
    ///     })
    ///     .await;
    /// assert_eq!(seen, Some(1));
    /// # }
    /// ```
    #[track_caller]
    fn spawn_local_in_current_context<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static;

    /// [`JoinSet::spawn_blocking`], with the closure in a snapshot of the current context;
    /// like [`spawn_blocking`](crate::spawn_blocking), nothing flows back or stays on the
    /// blocking thread.
    ///
    /// # Panics
    ///
    /// Like [`JoinSet::spawn_blocking`], if called outside a tokio runtime.
    ///
    /// ```
    /// use ctxlocal::{JoinSetExt, async_local};
    ///
    /// #[async_local]
    /// struct Request {
    ///     id: u64,
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// Request::set_id(2);
    /// let mut set = tokio::task::JoinSet::new();
    /// set.spawn_blocking_in_current_context(Request::id);
    /// assert_eq!(set.join_next().await.unwrap().unwrap(), Some(2));
    /// # }
    /// ```
    #[track_caller]
    fn spawn_blocking_in_current_context<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send;
}

impl<T: 'static> JoinSetExt<T> for JoinSet<T> {
    #[track_caller]
    fn spawn_in_current_context<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        self.spawn(task.in_current_context())
    }

    #[track_caller]
    fn spawn_local_in_current_context<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.spawn_local(WithContext::local_child(task))
    }

    #[track_caller]
    fn spawn_blocking_in_current_context<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        let context = Context::inherited();
        self.spawn_blocking(move || context.run_as(FrameKind::Blocking, f))
    }
}
