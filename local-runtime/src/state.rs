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
//! # Borrowing rules
//!
//! Readers hand user closures `&T`s that point into the heap cells of the current table. While
//! any such borrow is alive on this thread (`borrows` counts them), writes must not modify or free those
//! cells. Instead of tracking which cells are borrowed, a write made while any is alive first
//! parks an extra reference to the current table in the `graveyard`: the table is then shared,
//! so the write copies whatever it changes (copy-on-write) and every borrowed cell stays alive
//! and unchanged. The graveyard is emptied when the last reader finishes.
//!
//! Writes never run user code while they hold `&mut` into thread state: displaced values are
//! returned to the caller and dropped afterwards, and clones of user values happen before.

use core::cell::{Cell, UnsafeCell};
use core::mem::ManuallyDrop;

use crate::error::AccessError;
use crate::shared::Shared;
use crate::slot::{AnyThread, ThisThread};
use crate::table::{Table, TableRef};
use crate::tc::TcBinding;

/// A table kept alive until no reader can be borrowing from it.
pub enum Grave {
    AnyThread(#[allow(dead_code)] Shared<Table<AnyThread>>),
    ThisThread(#[allow(dead_code)] Shared<Table<ThisThread>>),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Root {
    /// The root context is empty and its destructor is not registered yet.
    Unregistered,
    /// [`RootGuard`] will drop the root context at thread exit.
    Registered,
    /// Thread-local storage is being torn down; the root context can no longer hold values.
    Gone,
}

pub struct State {
    /// The current context: the installed one, or the thread's root context.
    current: UnsafeCell<ManuallyDrop<TableRef>>,
    /// Active [`Installed`] guards on this thread (low 32 bits) and, of those, the ones that
    /// poll a future (high 32 bits): one word, updated once per guard.
    frames: Cell<u64>,
    /// Active borrows of context values handed to user closures (low bits), and
    /// [`GRAVEYARD_NOT_EMPTY`]: one word, so that the end of a read checks both at once.
    borrows: Cell<usize>,
    /// Tables kept alive (unmodified) until no borrow is left.
    graveyard: UnsafeCell<ManuallyDrop<Vec<Grave>>>,
    root: Cell<Root>,
    /// The thread-critical state of the innermost guards, one word so that a guard saves and
    /// restores it with one load and one store: the bound namespace's id (0 until its first
    /// write) and the flags [`TC_BOUND`], [`TC_TOUCHED`] and [`BLOCKING`].
    tc: Cell<u64>,
}

/// The bit of `State::borrows` that says the graveyard holds something.
const GRAVEYARD_NOT_EMPTY: usize = 1 << (usize::BITS - 1);

/// `State::frames` units: any guard, a guard polling a future.
const FRAME: u64 = 1;
const ASYNC_FRAME: u64 = 1 | 1 << 32;

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
            borrows: Cell::new(0),
            graveyard: UnsafeCell::new(ManuallyDrop::new(Vec::new())),
            root: Cell::new(Root::Unregistered),
            tc: Cell::new(0),
        }
    };
}

/// Drops the thread's root context when the thread exits.
struct RootGuard;

impl Drop for RootGuard {
    fn drop(&mut self) {
        let (root, graveyard) = with_state(|state| {
            state.root.set(Root::Gone);
            state
                .borrows
                .set(state.borrows.get() & !GRAVEYARD_NOT_EMPTY);
            // Thread exit happens with no guard installed and no reader active (both are
            // scoped to stack frames), so `current` is the root and nothing borrows it.
            // SAFETY: no reference into `current` or `graveyard` is alive (see above), and the
            // ones created here end before the values are dropped below.
            unsafe {
                (
                    (*state.current.get()).take(),
                    core::mem::take(&mut **state.graveyard.get()),
                )
            }
        });
        // Dropped outside the state borrow: user `Drop` code may read contexts (it sees an
        // empty root) or try to write (refused: the root is gone).
        drop(root);
        drop(graveyard);
    }
}

thread_local! {
    static ROOT_GUARD: RootGuard = const { RootGuard };
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

/// True inside a tokio task (or `spawn_blocking` closure) that no crate guard is tracking.
#[inline]
fn in_untracked_task() -> bool {
    #[cfg(feature = "tokio")]
    {
        tokio::task::try_id().is_some()
    }
    #[cfg(not(feature = "tokio"))]
    {
        false
    }
}

impl State {
    /// True while user code borrows context values on this thread.
    #[inline]
    pub(crate) fn has_readers(&self) -> bool {
        self.borrows.get() & !GRAVEYARD_NOT_EMPTY != 0
    }

    /// Keeps `grave` alive until the last reader is done.
    pub(crate) fn park(&self, grave: Grave) {
        // SAFETY: nothing else borrows the graveyard; pushing runs no user code.
        unsafe { (*self.graveyard.get()).push(grave) };
        self.borrows.set(self.borrows.get() | GRAVEYARD_NOT_EMPTY);
    }

    /// The thread-critical namespace code here uses: the bound task's (if it has one yet), or
    /// the thread's sync namespace (0). `None` where nothing may be seen: untracked tokio work,
    /// or a task that has not written yet.
    #[inline]
    pub(crate) fn tc_namespace(&self) -> Option<u64> {
        let tc = self.tc.get();
        if tc & TC_BOUND != 0 {
            let id = tc & NAMESPACE;
            (id != 0).then_some(id)
        } else if tc & BLOCKING != 0 || !in_untracked_task() {
            Some(0)
        } else {
            None
        }
    }

    /// Like [`State::tc_namespace`], allocating the bound task's id on its first write.
    #[inline]
    pub(crate) fn tc_namespace_for_write(&self) -> Result<u64, AccessError> {
        let tc = self.tc.get();
        if tc & TC_BOUND != 0 {
            let mut id = tc & NAMESPACE;
            if id == 0 {
                id = crate::tc::new_namespace_id();
                assert!(
                    id <= NAMESPACE,
                    "ctxlocal: thread-critical namespace ids exhausted"
                );
                self.tc.set(tc | id);
            }
            Ok(id)
        } else if tc & BLOCKING != 0 || !in_untracked_task() {
            Ok(0)
        } else {
            Err(AccessError::untracked_task())
        }
    }

    /// Records that the bound namespace has a table on this thread.
    #[inline]
    pub(crate) fn tc_touch(&self) {
        self.tc.set(self.tc.get() | TC_TOUCHED);
    }

    /// The current table as reads see it: `None` if it is empty, or if this is untracked tokio
    /// work, which must not see the worker thread's root context (rule D8).
    #[inline(always)]
    fn visible_shared(&self) -> Option<&Shared<Table>> {
        // SAFETY: we only read the pointer; mutable access to `current` is confined to
        // `writable`, `swap_current` and the root guard, none of which run while the returned
        // reference is used without a `ReadGuard` (see the module docs). A `&Table` reached
        // through it points into the table's heap cell, which the graveyard keeps alive and
        // unmodified for as long as a reader needs it, even if `current` is replaced meanwhile.
        let table = unsafe { (*self.current.get()).as_ref() }?;
        if self.frames.get() as u32 == 0 && in_untracked_task() {
            return None;
        }
        Some(table)
    }

    /// The context reads see (see [`State::visible_shared`]).
    #[inline]
    pub(crate) fn visible(&self) -> Option<&Table> {
        self.visible_shared().map(|table| &**table)
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

    /// The current table, if a write may change it in place right away: with no reader
    /// active, inside a crate frame or in a root context already set up, and not shared with
    /// another context. The fast path of writes; `None` sends them to [`State::writable`].
    ///
    /// Same contract as `writable`: no user code and no access to thread state while the
    /// returned reference is held.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub(crate) fn fast_writable(&self) -> Option<&mut Table> {
        // `borrows == 0`: no reader, and (as a shortcut) an empty graveyard.
        if self.borrows.get() != 0 {
            return None;
        }
        // Outside crate frames, the root context: only once its destructor is registered, and
        // never in untracked tokio work (which `writable` refuses).
        if self.frames.get() as u32 == 0
            && (self.root.get() != Root::Registered || in_untracked_task())
        {
            return None;
        }
        // SAFETY: as in `writable`; with no reader, nothing borrows the table's cells either.
        let current = unsafe { &mut **self.current.get() };
        current.as_mut()?.get_mut()
    }

    /// Mutable access to the current context, or why writing is refused here.
    ///
    /// The caller must not run user code or touch thread state while it holds the returned
    /// reference, and must drop whatever it displaces only after releasing it.
    #[inline]
    #[allow(clippy::mut_from_ref)]
    pub(crate) fn writable(&self) -> Result<&mut TableRef, AccessError> {
        if self.frames.get() as u32 == 0 {
            if in_untracked_task() {
                return Err(AccessError::untracked_task());
            }
            if self.root.get() != Root::Registered {
                self.register_root()?;
            }
        }
        if self.has_readers() {
            self.protect_borrowed();
        }
        // SAFETY: no reader holds a reference to the `current` field itself (readers borrow
        // heap cells, protected above), and this thread runs no other code until the caller
        // is done with the returned reference (see the contract above).
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

    #[cold]
    fn protect_borrowed(&self) {
        // SAFETY: shared access to read the pointer; see `visible`.
        let current = unsafe { &*self.current.get() };
        if let Some(table) = &**current {
            self.park(Grave::AnyThread(table.clone()));
        }
    }

    /// Marks a borrow handed to user code; the returned guard ends it (also on panic).
    #[inline]
    pub(crate) fn read_guard(&self) -> ReadGuard<'_> {
        self.borrows.set(self.borrows.get() + 1);
        ReadGuard { state: self }
    }

    /// Swaps `slot` with the current context.
    #[inline]
    fn swap_current(&self, slot: &mut TableRef) {
        // SAFETY: a swap of two pointers; no reference to the `current` field is alive
        // (readers borrow heap cells, which a swap neither moves nor frees).
        unsafe { core::mem::swap(&mut **self.current.get(), slot) }
    }

    /// True while this thread is polling a future inside a crate guard.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn in_async_poll(&self) -> bool {
        self.frames.get() >> 32 != 0
    }
}

/// Ends a reader's borrow (also during an unwind). It does not empty the graveyard: it is
/// dropped inside the closure that received the borrowed table as an argument, and freeing a
/// table while a function argument still points into it is undefined behaviour even if the
/// argument is not used again. [`CollectGarbage`], dropped after that closure has returned,
/// does it.
pub(crate) struct ReadGuard<'a> {
    state: &'a State,
}

impl Drop for ReadGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        self.state.borrows.set(self.state.borrows.get() - 1);
    }
}

/// Empties the graveyard once no reader is left. Created by a read operation before it looks
/// at any table, so that it is dropped after every reference into a table is gone, also when
/// the user's closure panics.
pub(crate) struct CollectGarbage;

impl Drop for CollectGarbage {
    #[inline]
    fn drop(&mut self) {
        with_state(|state| {
            // No reader left, and something parked: one comparison.
            if state.borrows.get() == GRAVEYARD_NOT_EMPTY {
                state.empty_graveyard();
            }
        });
    }
}

impl State {
    #[cold]
    fn empty_graveyard(&self) {
        // SAFETY: no reader is left and no reference into a parked table exists (see
        // `CollectGarbage`); the Vec is moved out before anything is dropped.
        let parked = unsafe { core::mem::take(&mut **self.graveyard.get()) };
        self.borrows.set(self.borrows.get() & !GRAVEYARD_NOT_EMPTY);
        // May run user `Drop` code, which may read or write: no borrow is held here.
        drop(parked);
    }
}

/// Which kind of work an [`Installed`] guard runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    /// Polling a future (`WithContext`, `async_to_sync`).
    Async,
    /// Running a closure on the current thread (`Context::run`, `sync_scope*`).
    Sync,
    /// Running a closure on a thread this crate chose (`spawn_blocking`, `sync_to_async`,
    /// `thread::spawn`): thread-critical code there uses that thread's sync namespace.
    Blocking,
}

/// Which thread-critical namespace an [`Installed`] guard makes current.
pub(crate) enum Tc<'a> {
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
/// When it binds a [`TcBinding`], it also makes that thread-critical namespace the current
/// one, and on drop records in the binding whether it got a table on this thread.
pub(crate) struct Installed<'a> {
    slot: &'a mut TableRef,
    kind: Kind,
    tc: Option<&'a mut TcBinding>,
    /// `State::tc` before this guard.
    saved_tc: u64,
}

impl<'a> Installed<'a> {
    #[inline]
    pub(crate) fn new(slot: &'a mut TableRef, kind: Kind, tc: Tc<'a>) -> Self {
        with_state(|state| {
            let frames = state.frames.get();
            let tc = match tc {
                Tc::Keep => None,
                Tc::Bind(binding) => Some(binding),
                Tc::BindIfTopLevel(binding) => (frames >> 32 == 0).then_some(binding),
            };
            state.swap_current(slot);
            state.frames.set(
                frames
                    + match kind {
                        Kind::Async => ASYNC_FRAME,
                        Kind::Sync | Kind::Blocking => FRAME,
                    },
            );
            let saved_tc = state.tc.get();
            let mut next = match kind {
                Kind::Blocking => saved_tc | BLOCKING,
                // A task's thread-critical values are its own namespace's, not the thread's.
                Kind::Async => saved_tc & !BLOCKING,
                Kind::Sync => saved_tc,
            };
            if let Some(binding) = &tc {
                // Bound to the binding's namespace, not touched yet.
                next = (next & BLOCKING) | TC_BOUND | binding.id;
            }
            state.tc.set(next);
            Installed {
                slot,
                kind,
                tc,
                saved_tc,
            }
        })
    }
}

impl Drop for Installed<'_> {
    #[inline]
    fn drop(&mut self) {
        let touched = with_state(|state| {
            state.swap_current(self.slot);
            state.frames.set(
                state.frames.get()
                    - match self.kind {
                        Kind::Async => ASYNC_FRAME,
                        Kind::Sync | Kind::Blocking => FRAME,
                    },
            );
            let now = state.tc.get();
            match self.tc.as_deref_mut() {
                Some(binding) => {
                    // Keep the id the namespace got on its first write, if it wrote.
                    binding.id = now & NAMESPACE;
                    state.tc.set(self.saved_tc);
                    now & TC_TOUCHED != 0
                }
                None => {
                    // An unbound guard only changed the blocking flag: the enclosing binding's
                    // namespace may have been allocated or touched meanwhile, which stays.
                    state.tc.set((now & !BLOCKING) | (self.saved_tc & BLOCKING));
                    false
                }
            }
        });
        if touched {
            if let Some(binding) = self.tc.as_deref_mut() {
                binding.note_current_thread();
            }
        }
    }
}
