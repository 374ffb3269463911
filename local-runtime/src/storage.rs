//! How each storage mode reaches its current table: the sealed dispatch behind [`Mode`], which
//! lets one generic implementation of the accessors (`private/accessors.rs`) serve both modes.
//! A default-mode table is the current context's (`thread_state.rs`); a thread-critical table
//! is the current namespace's on this thread (`thread_critical.rs`).

use crate::mode::{AnyThread, ThisThread};

// `Sealed`'s methods name types of private modules (`State`, `Table`, ...); those types are
// `pub` only so that this public-but-unnameable trait may mention them. Outside code can never
// call the methods: it cannot build a `Token`.
mod sealed {
    use crate::context::Override;
    use crate::error::AccessError;
    use crate::mode::{AnyThread, ThisThread};
    use crate::table::{DisplacedRefs, Table, TableRef};

    /// Proof of being inside this crate: the methods below hand out `&mut` access to thread
    /// state under rules that only this crate's code follows, so code outside must not be
    /// able to call them, even through a `M: Mode` bound. It cannot build a `Token`.
    pub struct Token(());

    impl Token {
        pub(crate) const fn new() -> Self {
            Token(())
        }
    }

    /// Where a mode's tables live. Sealed: only this crate's modes implement it, and only
    /// this crate can call it (see [`Token`]).
    pub trait Sealed: Sized {
        /// True if `sync_scope_<field>` may make its child in place (see
        /// `private/accessors.rs`): for default-mode tables, the current context's.
        const SCOPES_IN_PLACE: bool;

        /// Calls `f` with the table visible here (none if empty or hidden). A caller that
        /// hands borrows of it to user code holds a `ReadScope` around the call.
        fn read<R>(token: Token, f: impl FnOnce(Option<&Table<Self>>) -> R) -> R;

        /// Calls `f` with mutable access to the current table, or why writing is refused.
        ///
        /// # Safety
        ///
        /// `f` must not run user code or touch thread state while it holds the reference, and
        /// must drop what it displaces only after releasing it.
        unsafe fn write<R>(
            token: Token,
            f: impl FnOnce(Result<&mut TableRef<Self>, AccessError>) -> R,
        ) -> R;

        /// Calls `f` with the current table if a write may change it in place right away (see
        /// `State::fast_writable`); otherwise hands `arg` back untouched. `f` hands `arg` back
        /// too when it cannot finish without the general path.
        ///
        /// # Safety
        ///
        /// As for [`Sealed::write`].
        unsafe fn fast_write<A, R>(
            token: Token,
            arg: A,
            f: impl FnOnce(&mut Table<Self>, A) -> Result<R, A>,
        ) -> Result<R, A>;

        /// [`Sealed::fast_write`] for a write right after an earlier one in the same frame and
        /// task, with no frame or reader begun since (the end of a scoped override made in
        /// place): the checks that cannot have changed (the task, the root context) are
        /// skipped.
        ///
        /// # Safety
        ///
        /// As for [`Sealed::write`], and the caller's earlier [`Sealed::fast_write`] in this
        /// same frame and task succeeded.
        unsafe fn fast_write_again<A, R>(
            token: Token,
            arg: A,
            f: impl FnOnce(&mut Table<Self>, A) -> Result<R, A>,
        ) -> Result<R, A>;

        /// A child of the current context (with its thread-critical namespace) in which
        /// `edit` has changed this mode's table: what scoped overrides run in.
        fn override_current(
            token: Token,
            edit: impl FnOnce(&mut TableRef<Self>, &mut DisplacedRefs<Self>),
        ) -> Override;
    }

    impl Sealed for AnyThread {
        const SCOPES_IN_PLACE: bool = true;

        #[inline]
        fn read<R>(_: Token, f: impl FnOnce(Option<&Table<Self>>) -> R) -> R {
            crate::thread_state::with_state(|state| f(state.visible()))
        }

        #[inline]
        unsafe fn write<R>(
            _: Token,
            f: impl FnOnce(Result<&mut TableRef<Self>, AccessError>) -> R,
        ) -> R {
            // SAFETY: `f` keeps `writable`'s contract (ours, passed on to the caller).
            crate::thread_state::with_state(|state| f(unsafe { state.writable() }))
        }

        #[inline(always)]
        unsafe fn fast_write<A, R>(
            _: Token,
            arg: A,
            f: impl FnOnce(&mut Table<Self>, A) -> Result<R, A>,
        ) -> Result<R, A> {
            // SAFETY: `f` keeps `fast_writable`'s contract (ours, passed on to the caller).
            crate::thread_state::with_state(|state| match unsafe { state.fast_writable() } {
                Some(table) => f(table, arg),
                None => Err(arg),
            })
        }

        #[inline(always)]
        unsafe fn fast_write_again<A, R>(
            _: Token,
            arg: A,
            f: impl FnOnce(&mut Table<Self>, A) -> Result<R, A>,
        ) -> Result<R, A> {
            // SAFETY: `f` keeps `fast_writable_again`'s contract, and the caller's earlier fast
            // write makes its precondition hold (ours, passed on to the caller).
            crate::thread_state::with_state(|state| match unsafe { state.fast_writable_again() } {
                Some(table) => f(table, arg),
                None => Err(arg),
            })
        }

        fn override_current(
            _: Token,
            edit: impl FnOnce(&mut TableRef<Self>, &mut DisplacedRefs<Self>),
        ) -> Override {
            let mut table = crate::thread_state::with_state(|state| state.snapshot());
            Table::edit_detached(&mut table, edit);
            // Thread-critical values are left alone: they belong to the thread or task.
            Override { table, tc: None }
        }
    }

    impl Sealed for ThisThread {
        // A thread-critical table is never written through the fast path (see `fast_write`).
        const SCOPES_IN_PLACE: bool = false;

        #[inline]
        fn read<R>(_: Token, f: impl FnOnce(Option<&Table<Self>>) -> R) -> R {
            crate::thread_critical::read(f)
        }

        #[inline]
        unsafe fn write<R>(
            _: Token,
            f: impl FnOnce(Result<&mut TableRef<Self>, AccessError>) -> R,
        ) -> R {
            // SAFETY: `f` keeps `tc::write`'s contract (ours, passed on to the caller).
            unsafe { crate::thread_critical::write(f) }
        }

        #[inline(always)]
        unsafe fn fast_write<A, R>(
            _: Token,
            arg: A,
            _: impl FnOnce(&mut Table<Self>, A) -> Result<R, A>,
        ) -> Result<R, A> {
            // Thread-critical writes look their namespace up in a map: always the general path.
            Err(arg)
        }

        #[inline(always)]
        unsafe fn fast_write_again<A, R>(
            _: Token,
            arg: A,
            _: impl FnOnce(&mut Table<Self>, A) -> Result<R, A>,
        ) -> Result<R, A> {
            Err(arg)
        }

        fn override_current(
            _: Token,
            edit: impl FnOnce(&mut TableRef<Self>, &mut DisplacedRefs<Self>),
        ) -> Override {
            Override {
                table: crate::thread_state::with_state(|state| state.snapshot()),
                tc: Some(crate::thread_critical::TcBinding::seeded(edit)),
            }
        }
    }
}

impl Mode for AnyThread {}
impl Mode for ThisThread {}

pub(crate) use sealed::Token;

/// A storage mode: where the values of a struct may travel. Implemented by [`AnyThread`] and
/// [`ThisThread`] only.
#[doc(hidden)]
pub trait Mode: sealed::Sealed + Sized + 'static {}
