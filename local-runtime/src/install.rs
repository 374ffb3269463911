//! The guard that makes a context current for a frame of work (a poll, a closure) and puts the
//! previous one back when dropped, also during a panic.

use crate::table::TableRef;
use crate::thread_critical::TcBinding;
use crate::thread_state::{FrameKind, SavedFrame, with_state};

/// Which thread-critical namespace an [`Installed`] guard makes current.
pub(crate) enum TcPolicy<'a> {
    /// Keep the enclosing one (`Context::run`, default-mode scoped overrides).
    Keep,
    /// This binding's namespace (crate tasks, thread-critical scoped overrides).
    Bind(&'a mut TcBinding),
    /// This binding's namespace if no crate future is being polled on this thread already,
    /// otherwise the enclosing one: a wrapped future awaited inside a crate task is part of
    /// that task, while one polled at top level (by an executor) is a task of its own.
    BindIfTopLevel(&'a mut TcBinding),
}

/// Makes a context current for as long as it lives; the owner's slot holds the previous
/// context meanwhile. Dropping it (also during a panic) puts the previous context back and
/// leaves the final state of the installed context in the owner's slot.
///
/// It records the tokio task it is installed for: only that task sees the installed context
/// (rule D8). When it binds a [`TcBinding`], it also makes that thread-critical namespace the
/// current one, and on drop records in the binding its id and whether it got a table on this
/// thread.
pub(crate) struct Installed<'a> {
    slot: &'a mut TableRef,
    tc: Option<&'a mut TcBinding>,
    saved: SavedFrame,
}

impl<'a> Installed<'a> {
    #[inline]
    pub(crate) fn new(slot: &'a mut TableRef, kind: FrameKind, tc: TcPolicy<'a>) -> Self {
        with_state(|state| {
            let tc = match tc {
                TcPolicy::Keep => None,
                TcPolicy::Bind(binding) => Some(binding),
                TcPolicy::BindIfTopLevel(binding) => (!state.in_async_poll()).then_some(binding),
            };
            let saved = state.enter_frame(slot, kind, tc.as_ref().map(|binding| binding.id));
            Installed { slot, tc, saved }
        })
    }
}

impl Drop for Installed<'_> {
    #[inline]
    fn drop(&mut self) {
        let bound =
            with_state(|state| state.leave_frame(self.slot, &self.saved, self.tc.is_some()));
        if let (Some(binding), Some((id, touched))) = (self.tc.as_deref_mut(), bound) {
            // Keep the id the namespace got on its first write, if it wrote.
            binding.id = id;
            if touched {
                binding.note_current_thread();
            }
        }
    }
}
