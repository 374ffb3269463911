//! Frames: the work (a poll, a closure) during which a context other than the thread's root is
//! current. Each records what it changed in the thread state and puts it back when it ends.

use super::{
    BLOCKING, BORROWED, DEFAULT_BORROWED, NAMESPACE, State, TC_BOUND, TC_TOUCHED, TaskId,
    current_task,
};
use crate::cow_arc::CowArc;
use crate::table::TableRef;

/// `State::frames` units: any guard, a guard polling a future.
pub(super) const FRAME: u64 = 1;
pub(super) const ASYNC_FRAME: u64 = 1 | 1 << 32;

/// Which kind of work a frame runs (see [`State::enter_frame`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum FrameKind {
    /// Polling a future (`WithContext`, `async_to_sync`).
    Async,
    /// Running a closure on the current thread (`Context::run`, `sync_scope*`).
    Sync,
    /// Running a closure on a thread this crate chose (`spawn_blocking`, `sync_to_async`,
    /// `thread::spawn`): thread-critical code there uses that thread's sync namespace.
    Blocking,
}

impl FrameKind {
    /// The `State::frames` unit of a frame of this kind.
    fn unit(self) -> u64 {
        match self {
            FrameKind::Async => ASYNC_FRAME,
            FrameKind::Sync | FrameKind::Blocking => FRAME,
        }
    }
}

/// What a frame changed in the thread state, to put back when it ends.
pub(crate) struct SavedFrame {
    kind: FrameKind,
    /// `State::tc` before the frame.
    tc: u64,
    /// `State::task` before the frame.
    task: TaskId,
    /// The `State::reads` borrow bits the frame cleared, and their values before it.
    reset: usize,
    borrowed: usize,
}

impl State {
    /// Begins a frame: makes `slot`'s context current (the previous one goes into `slot`),
    /// records the tokio task it runs for, and, with `bind`, makes that thread-critical
    /// namespace current (its id, 0 until its first write). [`State::leave_frame`] undoes it;
    /// frames nest.
    #[inline]
    pub(crate) fn enter_frame(
        &self,
        slot: &mut TableRef,
        kind: FrameKind,
        bind: Option<u64>,
    ) -> SavedFrame {
        self.swap_current(slot);
        self.frames.set(self.frames.get() + kind.unit());
        let task = self.task.replace(current_task());
        // No enclosing reader borrows from the installed table (they borrow through the
        // reference now in `slot`), nor from a namespace bound here for the first time.
        let reset = if bind.is_some() {
            BORROWED
        } else {
            DEFAULT_BORROWED
        };
        let reads = self.reads.get();
        self.reads.set(reads & !reset);
        let tc = self.tc.get();
        let mut next = match kind {
            FrameKind::Blocking => tc | BLOCKING,
            // A task's thread-critical values are its own namespace's, not the thread's.
            FrameKind::Async => tc & !BLOCKING,
            FrameKind::Sync => tc,
        };
        if let Some(id) = bind {
            // Bound to the binding's namespace, not touched yet.
            next = (next & BLOCKING) | TC_BOUND | id;
        }
        self.tc.set(next);
        SavedFrame {
            kind,
            tc,
            task,
            reset,
            borrowed: reads & reset,
        }
    }

    /// Ends the frame `saved` describes: puts the previous context back (the frame's final
    /// context goes into `slot`). For a frame that bound a namespace, returns its id now (it
    /// may have been allocated by a first write) and whether it got a table on this thread.
    #[inline]
    pub(crate) fn leave_frame(
        &self,
        slot: &mut TableRef,
        saved: &SavedFrame,
        bound: bool,
    ) -> Option<(u64, bool)> {
        self.swap_current(slot);
        self.frames.set(self.frames.get() - saved.kind.unit());
        self.task.set(saved.task);
        // Readers inside the frame have ended (they nest) and released what they parked; the
        // enclosing tables are current again, borrowed as they were.
        self.reads
            .set((self.reads.get() & !saved.reset) | saved.borrowed);
        let now = self.tc.get();
        if bound {
            self.tc.set(saved.tc);
            Some((now & NAMESPACE, now & TC_TOUCHED != 0))
        } else {
            // An unbound frame only changed the blocking flag: the enclosing binding's
            // namespace may have been allocated or touched meanwhile, which stays.
            self.tc.set((now & !BLOCKING) | (saved.tc & BLOCKING));
            None
        }
    }
}

impl State {
    /// Begins a scoped override made in place (`sync_scope_<field>`, see
    /// `private/accessors.rs`), whose caller has just changed the current table in place: counts
    /// as a frame, and returns a second reference to the current table, which stays current
    /// but shared, so that what the scope's code writes goes to a private copy.
    ///
    /// The caller checked that no reader borrows the current table ([`State::fast_writable`]);
    /// the scope's own readers nest inside it.
    #[inline]
    pub(crate) fn enter_scope_in_place(&self) -> TableRef {
        self.frames.set(self.frames.get() + FRAME);
        // SAFETY: a read of the pointer, to clone it; nothing holds `&mut` to `current` now.
        unsafe { (**self.current.get()).clone() }
    }

    /// Ends a scope begun by [`State::enter_scope_in_place`]: `entered` (the reference it
    /// returned) is current again. Returns the table the scope's code left current if that is
    /// another one (a private copy it wrote), to be dropped once the thread state is released;
    /// `None` if it is the same, in which case this drops the second reference (a count
    /// decrement: the current context still holds the table, so no user code runs).
    #[inline]
    pub(crate) fn leave_scope_in_place(&self, mut entered: TableRef) -> TableRef {
        self.swap_current(&mut entered);
        self.frames.set(self.frames.get() - FRAME);
        // SAFETY: a read of the pointer, to compare it; nothing holds `&mut` to `current` now.
        let current: &TableRef = unsafe { &*self.current.get() };
        match (current, &entered) {
            (Some(current), Some(left)) if CowArc::ptr_eq(current, left) => {
                drop(entered);
                None
            }
            _ => entered,
        }
    }
}
