//! Per-thread state: which context is current, and who is borrowing it.
//!
//! Every OS thread has one current context. Outside crate-managed work it is the thread's
//! *root* context; a [`Installed`] guard (a `WithContext` poll, a `Context::run`) swaps another
//! context in and swaps the previous one back when it is dropped, also on panic.
//!
//! The thread-local has no drop glue (its fields are `ManuallyDrop`), so every access compiles
//! to a plain thread-local address computation with no "is it initialised / destroyed" check.
//! The root context's values are dropped at thread exit by a separate, lazily registered
//! [`RootGuard`].
//!
//! # Who may see the current context (rule D8)
//!
//! Each guard records the tokio task it was installed for (none outside tokio tasks). Code
//! sees and writes the current context only while the current tokio task is that same task:
//! a tokio task the crate did not start, polled anywhere (on a worker thread, or inside a
//! crate frame by a runtime or `LocalSet` driven there), sees an empty context and is refused
//! writes. Outside any guard the recorded task is "none", so the thread's root context is
//! visible to plain thread code and hidden from plain tokio tasks. One comparison per access.
//!
//! # Borrowing rules
//!
//! Readers hand user closures `&T`s that point into the heap cells of the current table. While
//! such a borrow is alive, writes must not modify or free those cells. A reader marks the
//! current tables *borrowed* ([`ReadScope`]); the first write to a borrowed table first *parks*
//! an extra reference to it on the `parked` stack: the table is then shared, so that write and
//! every later one copy whatever they change (copy-on-write), and every borrowed cell stays
//! alive and unchanged. Later writes need no new park until another reader begins, so a long
//! borrow costs one parked table, not one per write.
//!
//! Borrows and guards nest on a thread's stack, so `parked` is a stack too. A reader
//! records the stack's height when it begins; when it ends, what was parked above that
//! height is released, except the first park of each kind (default-mode or thread-critical)
//! when the table that park protects was already borrowed by an enclosing reader. A guard
//! starts its installed context unborrowed (no enclosing reader can borrow from it: they borrow
//! through the reference the guard keeps aside) and restores the enclosing state when dropped.
//!
//! Released tables are dropped right away, after the reader's closure has returned (or while
//! its panic unwinds: then a `Drop` that panics too is caught and reported instead of aborting
//! the process).
//!
//! Writes never run user code while they hold `&mut` into thread state: displaced values are
//! returned to the caller and dropped afterwards, and clones of user values happen before.

use core::cell::{Cell, UnsafeCell};
use core::mem::ManuallyDrop;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::cow_arc::CowArc;
mod borrows;
mod frames;

pub(crate) use borrows::Parked;
use borrows::{BORROWED, DEFAULT_BORROWED};
pub(crate) use frames::{FrameKind, SavedFrame};

use crate::error::AccessError;
use crate::table::{Table, TableRef};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Root {
    /// The root context is empty and its destructor is not registered yet.
    Unregistered,
    /// [`RootGuard`] will drop the root context at thread exit.
    Registered,
    /// Thread-local storage is being torn down; the root context can no longer hold values.
    Gone,
}

/// The tokio task a guard was installed for; `None` outside tokio tasks.
#[cfg(feature = "tokio")]
type TaskId = Option<tokio::task::Id>;
/// Without tokio there are no tokio tasks: always `None`.
#[cfg(not(feature = "tokio"))]
type TaskId = Option<core::convert::Infallible>;

/// The current tokio task, if any.
#[inline(always)]
fn current_task() -> TaskId {
    #[cfg(feature = "tokio")]
    {
        tokio::task::try_id()
    }
    #[cfg(not(feature = "tokio"))]
    {
        None
    }
}

pub struct State {
    /// The current context: the installed one, or the thread's root context.
    current: UnsafeCell<ManuallyDrop<TableRef>>,
    /// Active [`Installed`] guards on this thread (low 32 bits) and, of those, the ones that
    /// poll a future (high 32 bits): one word, updated once per guard.
    frames: Cell<u64>,
    /// The tokio task the innermost guard was installed for (none outside guards): the only
    /// task that may see the current context (see the module docs).
    task: Cell<TaskId>,
    /// The `parked` stack's height (above [`PARK_SHIFT`]) and which current tables are borrowed
    /// and not parked yet ([`DEFAULT_BORROWED`], [`TC_BORROWED`]): one word, so that a reader
    /// saves and restores both with one load and one store.
    reads: Cell<usize>,
    /// Tables kept alive (unmodified) while readers may borrow from them; a stack.
    parked: UnsafeCell<ManuallyDrop<Vec<Parked>>>,
    root: Cell<Root>,
    /// The thread-critical state of the innermost guards, one word so that a guard saves and
    /// restores it with one load and one store: the bound namespace's id (0 until its first
    /// write) and the flags [`TC_BOUND`], [`TC_TOUCHED`] and [`BLOCKING`].
    tc: Cell<u64>,
}

/// `State::tc`: inside a guard that binds a thread-critical namespace (a crate task, a scope).
const TC_BOUND: u64 = 1 << 63;
/// `State::tc`: the bound namespace got a table on this thread during the innermost bound guard.
const TC_TOUCHED: u64 = 1 << 62;
/// `State::tc`: inside a closure this crate runs on a thread of its own choosing
/// (`spawn_blocking`, `sync_to_async`, `thread::spawn`), whose sync namespace it may use.
const BLOCKING: u64 = 1 << 61;
/// `State::tc`: the bits that hold the namespace id.
const NAMESPACE: u64 = BLOCKING - 1;

thread_local! {
    static STATE: State = const {
        State {
            current: UnsafeCell::new(ManuallyDrop::new(None)),
            frames: Cell::new(0),
            task: Cell::new(None),
            reads: Cell::new(0),
            parked: UnsafeCell::new(ManuallyDrop::new(Vec::new())),
            root: Cell::new(Root::Unregistered),
            tc: Cell::new(0),
        }
    };
}

static NEXT_NAMESPACE: AtomicU64 = AtomicU64::new(1);

/// A fresh thread-critical namespace id; ids are never reused, so a late "free" message can
/// never hit a newer task's table.
pub(crate) fn new_namespace_id() -> u64 {
    NEXT_NAMESPACE.fetch_add(1, Ordering::Relaxed)
}

/// Drops the thread's root context when the thread exits.
struct RootGuard;

impl Drop for RootGuard {
    fn drop(&mut self) {
        let (root, parked) = with_state(|state| {
            state.root.set(Root::Gone);
            state.reads.set(0);
            // Thread exit happens with no guard installed and no reader active (both are
            // scoped to stack frames), so `current` is the root and nothing borrows it.
            // SAFETY: no reference into `current` or `parked` is alive (see above), and the
            // ones created here end before the values are dropped below.
            unsafe {
                (
                    (*state.current.get()).take(),
                    core::mem::take(&mut **state.parked.get()),
                )
            }
        });
        // Dropped outside the state borrow: user `Drop` code may read contexts (it sees an
        // empty root) or try to write (refused: the root is gone).
        drop(root);
        drop(parked);
    }
}

thread_local! {
    static ROOT_GUARD: RootGuard = const { RootGuard };
}

/// Drops this thread's root context: for a thread that serves one flow after another (a
/// thread-sensitive context's). Does nothing inside a frame or a reader, where the current
/// context is not the root or may be borrowed.
#[cfg(feature = "tokio")]
pub(crate) fn drop_root() {
    let root = with_state(|state| {
        if state.frames.get() != 0 || state.reads.get() != 0 {
            return None;
        }
        // SAFETY: outside every frame and reader (checked above) nothing refers to the root
        // table or into it; the reference ends before the table is dropped below.
        unsafe { (*state.current.get()).take() }
    });
    // Dropped outside the state: user `Drop` code may use contexts.
    drop(root);
}

/// Runs `f` with this thread's state. Never fails: the state has no destructor.
///
/// The address is taken with a closure small enough for `LocalKey::with` to inline (a plain
/// thread-local address computation); `f` itself runs outside it, so that even a large `f`
/// does not turn every access into a call through the key's accessor function.
#[inline(always)]
pub(crate) fn with_state<R>(f: impl FnOnce(&State) -> R) -> R {
    let state: *const State = STATE.with(core::ptr::from_ref);
    // SAFETY: `State` has no destructor (its fields are `Cell`s and `ManuallyDrop`s), so this
    // thread's instance stays valid until the thread itself is gone; the reference does not
    // leave this call, which runs on this thread.
    f(unsafe { &*state })
}

impl State {
    /// True if the code running now may see the current context: it runs in the tokio task
    /// (or outside tokio tasks, if none) that the innermost guard was installed for.
    #[inline(always)]
    pub(crate) fn is_tracked(&self) -> bool {
        current_task() == self.task.get()
    }

    /// The thread-critical namespace code here uses: the bound task's (if it has one yet), or
    /// the thread's sync namespace (0). `None` where nothing may be seen: untracked tokio work,
    /// or a task that has not written yet.
    #[inline]
    pub(crate) fn tc_namespace(&self) -> Option<u64> {
        if !self.is_tracked() {
            return None;
        }
        let tc = self.tc.get();
        if tc & TC_BOUND != 0 {
            let id = tc & NAMESPACE;
            (id != 0).then_some(id)
        } else if tc & BLOCKING != 0 || self.outside_tasks() {
            Some(0)
        } else {
            // An explicit frame (`Context::run`) inside a plain tokio task: the thread's sync
            // namespace is shared with the other tasks on this worker, so it stays hidden.
            None
        }
    }

    /// [`State::tc_namespace`] for a field read: where the namespace is hidden because this is
    /// untracked work (where a write would be refused), strict mode panics (rule E5).
    #[inline]
    pub(crate) fn tc_namespace_for_read(&self) -> Option<u64> {
        let id = self.tc_namespace();
        if id.is_none() && crate::strict::may_apply() && self.tc_untracked() {
            crate::strict::untracked_read();
        }
        id
    }

    /// True where thread-critical writes are refused as untracked work (see
    /// [`State::tc_namespace_for_write`]).
    #[cold]
    fn tc_untracked(&self) -> bool {
        let tc = self.tc.get();
        !self.is_tracked() || (tc & TC_BOUND == 0 && tc & BLOCKING == 0 && !self.outside_tasks())
    }

    /// Like [`State::tc_namespace`], allocating the bound task's id on its first write.
    #[inline]
    pub(crate) fn tc_namespace_for_write(&self) -> Result<u64, AccessError> {
        if !self.is_tracked() {
            return Err(AccessError::untracked_task());
        }
        let tc = self.tc.get();
        if tc & TC_BOUND != 0 {
            let mut id = tc & NAMESPACE;
            if id == 0 {
                id = new_namespace_id();
                assert!(
                    id <= NAMESPACE,
                    "ctxlocal: thread-critical namespace ids exhausted"
                );
                self.tc.set(tc | id);
            }
            Ok(id)
        } else if tc & BLOCKING != 0 || self.outside_tasks() {
            Ok(0)
        } else {
            Err(AccessError::untracked_task())
        }
    }

    /// True if the innermost guard (or the thread, outside guards) runs outside tokio tasks.
    #[inline]
    fn outside_tasks(&self) -> bool {
        self.task.get().is_none()
    }

    /// Records that the bound namespace has a table on this thread.
    #[inline]
    pub(crate) fn tc_touch(&self) {
        self.tc.set(self.tc.get() | TC_TOUCHED);
    }

    /// The current table as reads see it: `None` if it is empty, or if this is untracked tokio
    /// work (rule D8).
    #[inline(always)]
    fn visible_shared(&self) -> Option<&CowArc<Table>> {
        // SAFETY: we only read the pointer; mutable access to `current` is confined to
        // `writable`, `swap_current` and the root guard, none of which run while the returned
        // reference is used without a `ReadScope` (see the module docs). A `&Table` reached
        // through it points into the table's heap cell, which the `parked` stack keeps alive and
        // unmodified for as long as a reader needs it, even if `current` is replaced meanwhile.
        let table = unsafe { (*self.current.get()).as_ref() }?;
        if !self.is_tracked() {
            return None;
        }
        Some(table)
    }

    /// The context field reads see (see [`State::visible_shared`]). Where nothing is visible
    /// because this is untracked work, strict mode panics (rule E5): that check is on the path
    /// that already returns "not visible", and costs one relaxed load until strict mode is
    /// first switched on.
    #[inline]
    pub(crate) fn visible(&self) -> Option<&Table> {
        let visible = self.visible_shared();
        if visible.is_none() && crate::strict::may_apply() && !self.is_tracked() {
            crate::strict::untracked_read();
        }
        visible.map(|table| &**table)
    }

    /// A snapshot of the visible context (one reference count increment).
    #[inline]
    pub(crate) fn snapshot(&self) -> TableRef {
        self.visible_shared().cloned()
    }

    /// What a child task inherits: a snapshot without the values of `no_inherit` fields.
    #[inline]
    pub(crate) fn snapshot_for_child(&self) -> TableRef {
        // Making the child's table runs no user code.
        self.visible_shared().map(Table::for_child)
    }

    /// The current table, if a write may change it in place right away: not borrowed by a
    /// reader, visible here, inside a crate frame or in a root context already set up, and not
    /// shared with another context. The fast path of writes; `None` sends them to
    /// [`State::writable`].
    ///
    /// # Safety
    ///
    /// As for [`State::writable`]: until the returned reference is dropped, the caller runs no
    /// user code and does not touch this thread's state.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn fast_writable(&self) -> Option<&mut Table> {
        // Outside crate frames, the root context: only once its destructor is registered.
        if self.frames.get() as u32 == 0 && self.root.get() != Root::Registered {
            return None;
        }
        if !self.is_tracked() {
            return None;
        }
        // SAFETY: the task and the root context were checked just now; the rest of the
        // contract is ours.
        unsafe { self.fast_writable_again() }
    }

    /// [`State::fast_writable`] without its checks of the task and of the root context.
    ///
    /// # Safety
    ///
    /// As for [`State::fast_writable`]; and the code running now may write the current
    /// context as far as the task and the root context go: checked just now, or by a fast
    /// write earlier in this same frame and task, with every frame and reader begun since
    /// ended.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn fast_writable_again(&self) -> Option<&mut Table> {
        if self.reads.get() & DEFAULT_BORROWED != 0 {
            return None;
        }
        // SAFETY: no reader borrows the current table (no `DEFAULT_BORROWED`), so nothing
        // points into its cells; the caller holds the reference only while it runs no user
        // code and touches no thread state (the contract).
        let current = unsafe { &mut **self.current.get() };
        current.as_mut()?.get_mut()
    }

    /// Mutable access to the current context, or why writing is refused here.
    ///
    /// # Safety
    ///
    /// Until the returned reference is dropped, the caller runs no user code and does not touch
    /// this thread's state (no other `State` method, no context access); it drops whatever it
    /// displaces only after releasing the reference.
    #[inline]
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn writable(&self) -> Result<&mut TableRef, AccessError> {
        if !self.is_tracked() {
            return Err(AccessError::untracked_task());
        }
        if self.frames.get() as u32 == 0 && self.root.get() != Root::Registered {
            self.register_root()?;
        }
        if self.reads.get() & DEFAULT_BORROWED != 0 {
            self.protect_current();
        }
        // SAFETY: no reader holds a reference to the `current` field itself (readers borrow
        // heap cells, protected above), and this thread runs no other code until the caller
        // is done with the returned reference (the contract above).
        Ok(unsafe { &mut **self.current.get() })
    }

    #[cold]
    fn register_root(&self) -> Result<(), AccessError> {
        match self.root.get() {
            Root::Gone => Err(AccessError::thread_exiting()),
            Root::Registered => Ok(()),
            Root::Unregistered => {
                // Touching the guard registers its destructor.
                ROOT_GUARD
                    .try_with(|_| ())
                    .map_err(|_| AccessError::thread_exiting())?;
                self.root.set(Root::Registered);
                Ok(())
            }
        }
    }

    /// Swaps `slot` with the current context.
    #[inline]
    fn swap_current(&self, slot: &mut TableRef) {
        // SAFETY: a swap of two pointers; no reference to the `current` field is alive
        // (readers borrow heap cells, which a swap neither moves nor frees).
        unsafe { core::mem::swap(&mut **self.current.get(), slot) }
    }

    /// The frames active on this thread (a count that changes with each frame entered or
    /// left): equal at two points of one thread, nothing installed another context between.
    pub(crate) fn frames(&self) -> u64 {
        self.frames.get()
    }

    /// True while this thread is polling a future inside a crate guard.
    pub(crate) fn in_async_poll(&self) -> bool {
        self.frames.get() >> 32 != 0
    }
}
