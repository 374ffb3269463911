//! The error returned when a context may not be written here.

use core::fmt;

/// A write to a context was refused.
///
/// Returned by the generated `try_set_*` accessors; the other writers (`set_*`, `take_*`, ...)
/// panic with the same message. It happens in two situations:
///
/// - **Untracked tokio work.** The code runs inside a task started with `tokio::spawn` or
///   `tokio::task::spawn_blocking`, which carry no context. Such a task shares its worker
///   thread with other tasks, so a value written there would leak to them; start it with
///   [`spawn`](crate::spawn) / [`spawn_blocking`](crate::spawn_blocking), or wrap its future
///   with [`FutureExt::in_current_context`](crate::FutureExt::in_current_context).
/// - **Thread exit.** The thread's local storage is being destroyed (for example from the
///   `Drop` of another thread-local), so its root context can no longer hold values.
///
/// ```
/// # #[cfg(feature = "tokio")] {
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// use ctxlocal_runtime::__private::{FieldProof, Slot, StructKey, Values};
/// # #[derive(Clone, Default)] struct V { n: Slot<u32> }
/// # impl Values for V {}
/// # static KEY: StructKey<V> = StructKey::new();
/// let refused = tokio::spawn(async {
///     ctxlocal_runtime::__private::try_set(&KEY, |v: &mut V| &mut v.n, FieldProof::new(), 1)
/// })
/// .await
/// .unwrap();
/// let err = refused.unwrap_err();
/// assert!(err.is_untracked_task());
/// assert!(err.to_string().contains("ctxlocal::spawn"));
/// # });
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AccessError {
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    UntrackedTask,
    ThreadExiting,
}

impl AccessError {
    pub(crate) fn untracked_task() -> Self {
        AccessError {
            kind: Kind::UntrackedTask,
        }
    }

    pub(crate) fn thread_exiting() -> Self {
        AccessError {
            kind: Kind::ThreadExiting,
        }
    }

    /// True if the write was refused because it ran in a tokio task or blocking closure that
    /// was not started through this crate.
    pub fn is_untracked_task(&self) -> bool {
        self.kind == Kind::UntrackedTask
    }

    /// True if the write was refused because the thread's local storage is being destroyed.
    pub fn is_thread_exiting(&self) -> bool {
        self.kind == Kind::ThreadExiting
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            Kind::UntrackedTask => f.write_str(
                "cannot write a context value inside a task started with `tokio::spawn` or \
                 `tokio::task::spawn_blocking`: such a task carries no context, and the value \
                 would leak to other tasks on this worker thread; start it with \
                 `ctxlocal::spawn` / `ctxlocal::spawn_blocking`, or wrap its future with \
                 `.in_current_context()` (`ctxlocal::FutureExt`)",
            ),
            Kind::ThreadExiting => f.write_str(
                "cannot write a context value while this thread's local storage is being \
                 destroyed; write it before the thread exits, or inside `Context::run`",
            ),
        }
    }
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessError")
            .field("kind", &self.kind)
            .field("message", &format_args!("{self}"))
            .finish()
    }
}

impl std::error::Error for AccessError {}
