//! Storage of one field's value inside a struct's entry, and the two storage modes.

use core::marker::PhantomData;

use crate::shared::Shared;

// `Sealed`'s methods name types of private modules (`State`, `Table`, ...); those types are
// `pub` only so that this public-but-unnameable trait may mention them. Outside code can never
// call the methods: it cannot build a `Token`.
mod sealed {
    use super::{AnyThread, ThisThread};
    use crate::context::Child;
    use crate::error::AccessError;
    use crate::table::{Garbage, Table, TableRef};

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

        /// A child of the current context (with its thread-critical namespace) in which
        /// `edit` has changed this mode's table: what scoped overrides run in.
        fn child(token: Token, edit: impl FnOnce(&mut TableRef<Self>, &mut Garbage<Self>))
        -> Child;
    }

    impl Sealed for AnyThread {
        #[inline]
        fn read<R>(_: Token, f: impl FnOnce(Option<&Table<Self>>) -> R) -> R {
            crate::state::with_state(|state| f(state.visible()))
        }

        #[inline]
        unsafe fn write<R>(
            _: Token,
            f: impl FnOnce(Result<&mut TableRef<Self>, AccessError>) -> R,
        ) -> R {
            // SAFETY: `f` keeps `writable`'s contract (ours, passed on to the caller).
            crate::state::with_state(|state| f(unsafe { state.writable() }))
        }

        #[inline(always)]
        unsafe fn fast_write<A, R>(
            _: Token,
            arg: A,
            f: impl FnOnce(&mut Table<Self>, A) -> Result<R, A>,
        ) -> Result<R, A> {
            // SAFETY: `f` keeps `fast_writable`'s contract (ours, passed on to the caller).
            crate::state::with_state(|state| match unsafe { state.fast_writable() } {
                Some(table) => f(table, arg),
                None => Err(arg),
            })
        }

        fn child(_: Token, edit: impl FnOnce(&mut TableRef<Self>, &mut Garbage<Self>)) -> Child {
            let mut table = crate::state::with_state(|state| state.snapshot());
            let mut garbage = Garbage::default();
            edit(&mut table, &mut garbage);
            drop(garbage);
            // Thread-critical values are left alone: they belong to the thread or task.
            Child { table, tc: None }
        }
    }

    impl Sealed for ThisThread {
        #[inline]
        fn read<R>(_: Token, f: impl FnOnce(Option<&Table<Self>>) -> R) -> R {
            crate::tc::read(f)
        }

        #[inline]
        unsafe fn write<R>(
            _: Token,
            f: impl FnOnce(Result<&mut TableRef<Self>, AccessError>) -> R,
        ) -> R {
            // SAFETY: `f` keeps `tc::write`'s contract (ours, passed on to the caller).
            unsafe { crate::tc::write(f) }
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

        fn child(_: Token, edit: impl FnOnce(&mut TableRef<Self>, &mut Garbage<Self>)) -> Child {
            Child {
                table: crate::state::with_state(|state| state.snapshot()),
                tc: Some(crate::tc::TcBinding::seeded(edit)),
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

/// Default mode: values are shared with child tasks and other threads.
#[doc(hidden)]
#[derive(Debug)]
pub enum AnyThread {}

/// Thread-critical mode: values never leave the thread that created them.
#[doc(hidden)]
#[derive(Debug)]
pub enum ThisThread {}

/// The table of field values of one `#[async_local]` struct, generated by the macro: one
/// [`Slot`] per field. Cloning it clones pointers only.
///
/// # Safety
///
/// Writes clone and build values tables while they hold exclusive access to thread state, so
/// `Clone::clone`, `Default::default` and [`Values::inherited`] must run no user code: in
/// particular they must not read or write any context. The implementation `#[async_local]`
/// generates (a struct of [`Slot`]s with derived `Clone` and `Default`) does exactly that.
#[doc(hidden)]
pub unsafe trait Values: Clone + Default + 'static {
    /// True if the struct has `#[local(no_inherit)]` fields.
    const NOT_INHERITED: bool = false;

    /// A copy without the values of the `no_inherit` fields, or `None` if none of them is set
    /// (then children share these values as they are). Must not run user code: clone the
    /// table and reset slots.
    fn inherited(&self) -> Option<Self> {
        None
    }

    /// True if no field is set. Generated; the default (false) only makes `clear()` of an
    /// empty struct count as a write.
    fn is_empty(&self) -> bool {
        false
    }
}

/// Types that may be stored in a default-mode context: values are shared between the threads
/// that run the contexts holding them.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in an `#[async_local]` struct: it is not `Send + Sync`",
    label = "not `Send + Sync`",
    note = "context values are shared with child tasks and other threads; wrap the value \
            (`Arc<Mutex<_>>`, `Arc<T>`), or use `#[async_local(thread_critical)]` for values \
            that must stay on one thread"
)]
pub trait ContextValue: Send + Sync + 'static {}

impl<T: Send + Sync + 'static> ContextValue for T {}

/// Proof that `T` may be stored in a field of mode `M`. Generated code makes one per field, as
/// a `const` spanned at the field's type, so a type that is not `Send + Sync` in default mode
/// gets exactly one error, at the field; the accessors only pass the proof along.
#[doc(hidden)]
pub struct FieldProof<T, M>(PhantomData<(fn() -> T, M)>);

impl<T> FieldProof<T, AnyThread> {
    /// Only compiles for field types that may cross threads.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self
    where
        T: ContextValue,
    {
        FieldProof(PhantomData)
    }
}

impl<T: 'static> FieldProof<T, ThisThread> {
    /// Thread-critical fields may hold any `'static` type.
    pub const fn local() -> Self {
        FieldProof(PhantomData)
    }
}

impl<T, M> Clone for FieldProof<T, M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, M> Copy for FieldProof<T, M> {}

/// One field's value: unset, or a shared pointer to the value. A snapshot shares the pointer;
/// the first write after it replaces the pointer (copy-on-write of one field).
#[doc(hidden)]
pub struct Slot<T, M = AnyThread> {
    value: Option<Shared<T>>,
    _mode: PhantomData<M>,
}

// SAFETY: a default-mode slot only ever holds a value that was stored with a
// `FieldProof<T, AnyThread>` (`new`, `set`, `put_shared`), which exists only for
// `T: Send + Sync`; an empty slot holds nothing. So a `Slot<T, AnyThread>` may always be sent
// and shared, whatever `T` is, and a struct of them is `Send + Sync`, which is what lets
// `StructKey::new` demand `Send + Sync` of the values table without reporting a non-`Send`
// field a second time.
unsafe impl<T> Send for Slot<T, AnyThread> {}
// SAFETY: as above.
unsafe impl<T> Sync for Slot<T, AnyThread> {}

impl<T, M> Default for Slot<T, M> {
    fn default() -> Self {
        Slot {
            value: None,
            _mode: PhantomData,
        }
    }
}

impl<T, M> Clone for Slot<T, M> {
    fn clone(&self) -> Self {
        Slot {
            value: self.value.clone(),
            _mode: PhantomData,
        }
    }
}

/// What a write took out of a slot. Dropped by the caller after it releases thread state.
pub(crate) enum Displaced<T> {
    /// The slot held the only reference: the value itself was moved out.
    Value(T),
    /// The slot held a shared pointer (or nothing).
    Shared(Option<Shared<T>>),
}

impl<T> Displaced<T> {
    /// The previous value, cloned only if another context still shares it.
    pub(crate) fn into_value(self) -> Option<T>
    where
        T: Clone,
    {
        match self {
            Displaced::Value(value) => Some(value),
            Displaced::Shared(shared) => shared.map(Shared::unwrap_or_clone),
        }
    }
}

impl<T, M> Slot<T, M> {
    /// A slot holding `value`.
    pub fn new(_proof: FieldProof<T, M>, value: T) -> Self {
        Slot {
            value: Some(Shared::new(value)),
            _mode: PhantomData,
        }
    }

    #[inline]
    pub(crate) fn get(&self) -> Option<&T> {
        self.value.as_deref()
    }

    /// True if the slot holds a value.
    #[inline]
    pub fn is_set(&self) -> bool {
        self.value.is_some()
    }

    /// Stores `value`, in place if this slot's pointer is not shared with another context.
    #[inline]
    pub(crate) fn set(&mut self, _proof: FieldProof<T, M>, value: T) -> Displaced<T> {
        if let Some(current) = self.value.as_mut().and_then(Shared::get_mut) {
            return Displaced::Value(core::mem::replace(current, value));
        }
        Displaced::Shared(self.value.replace(Shared::new(value)))
    }

    #[inline]
    pub(crate) fn take(&mut self) -> Displaced<T> {
        Displaced::Shared(self.value.take())
    }

    /// Moves the pointer out (leaving the slot unset), for `update`.
    pub(crate) fn take_shared(&mut self) -> Option<Shared<T>> {
        self.value.take()
    }

    /// Puts a pointer back, for `update`; returns what was there.
    pub(crate) fn put_shared(
        &mut self,
        _proof: FieldProof<T, M>,
        shared: Option<Shared<T>>,
    ) -> Option<Shared<T>> {
        core::mem::replace(&mut self.value, shared)
    }
}

impl<T: core::fmt::Debug, M> core::fmt::Debug for Slot<T, M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match &self.value {
            Some(value) => value.fmt(f),
            None => f.write_str("<unset>"),
        }
    }
}

/// How `debug_current()` prints one field: its value, its default, or `<unset>`.
#[doc(hidden)]
pub struct DebugField<'a, T, M> {
    slot: &'a Slot<T, M>,
    default: Option<fn() -> T>,
}

impl<'a, T, M> DebugField<'a, T, M> {
    /// The view of `slot`; `default` computes the value of an unset field that has one.
    pub fn new(slot: &'a Slot<T, M>, default: Option<fn() -> T>) -> Self {
        DebugField { slot, default }
    }
}

impl<T: core::fmt::Debug, M> core::fmt::Debug for DebugField<'_, T, M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match (self.slot.get(), self.default) {
            (Some(value), _) => value.fmt(f),
            (None, Some(default)) => default().fmt(f),
            (None, None) => f.write_str("<unset>"),
        }
    }
}

/// Compiles only for `T: Debug`; generated code calls it once per field, spanned at the field,
/// so that `#[async_local(debug)]` on a struct with a non-`Debug` field is reported there.
#[doc(hidden)]
pub fn assert_debug<T: core::fmt::Debug + ?Sized>() {}

/// A `#[local(trace)]` value on its way to a log event; shown with `Display` if its type has
/// it, else with `Debug` (picked at compile time: generated code calls
/// `(&Trace(value)).visit_trace(..)` with both traits in scope, and method resolution tries
/// the `Display` impl, on `Trace`, before the `Debug` one, on `&Trace`).
#[doc(hidden)]
pub struct Trace<'a, T: ?Sized>(pub &'a T);

/// Shows a traced value with `Display`.
#[doc(hidden)]
pub trait TraceDisplay {
    /// Calls `visit(name, value)`.
    fn visit_trace(
        &self,
        name: &'static str,
        visit: &mut dyn FnMut(&'static str, &dyn core::fmt::Display),
    );
}

impl<T: core::fmt::Display + ?Sized> TraceDisplay for Trace<'_, T> {
    fn visit_trace(
        &self,
        name: &'static str,
        visit: &mut dyn FnMut(&'static str, &dyn core::fmt::Display),
    ) {
        visit(name, &self.0);
    }
}

/// Shows a traced value with `Debug`, for types without `Display`.
#[doc(hidden)]
pub trait TraceDebug {
    /// Calls `visit(name, value)`.
    fn visit_trace(
        &self,
        name: &'static str,
        visit: &mut dyn FnMut(&'static str, &dyn core::fmt::Display),
    );
}

impl<T: core::fmt::Debug + ?Sized> TraceDebug for &Trace<'_, T> {
    fn visit_trace(
        &self,
        name: &'static str,
        visit: &mut dyn FnMut(&'static str, &dyn core::fmt::Display),
    ) {
        struct AsDebug<'a, T: ?Sized>(&'a T);
        impl<T: core::fmt::Debug + ?Sized> core::fmt::Display for AsDebug<'_, T> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                self.0.fmt(f)
            }
        }
        visit(name, &AsDebug(self.0));
    }
}
