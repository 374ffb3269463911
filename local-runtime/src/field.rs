//! One field's storage inside a struct's values: its [`Slot`], what a write displaces from it,
//! the proof that its type may be stored in its mode, and its debug view.

use core::marker::PhantomData;

use crate::cow_arc::CowArc;
use crate::mode::{AnyThread, ThisThread};

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
    value: Option<CowArc<T>>,
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

/// What a scoped override made in place took out of a slot, to put back when it ends.
pub(crate) enum Saved<T> {
    /// The previous value, moved out of the slot's own cell.
    Value(T),
    /// The previous value's cell, shared with another context.
    Cell(CowArc<T>),
    /// The slot was unset.
    Unset,
}

/// What a write took out of a slot. Dropped by the caller after it releases thread state.
pub(crate) enum Displaced<T> {
    /// The slot held the only reference: the value itself was moved out.
    Value(T),
    /// The slot held a shared pointer (or nothing).
    Pointer(Option<CowArc<T>>),
}

impl<T> Displaced<T> {
    /// The previous value, cloned only if another context still shares it.
    pub(crate) fn into_value(self) -> Option<T>
    where
        T: Clone,
    {
        match self {
            Displaced::Value(value) => Some(value),
            Displaced::Pointer(shared) => shared.map(CowArc::unwrap_or_clone),
        }
    }
}

impl<T, M> Slot<T, M> {
    /// A slot holding `value`.
    pub fn new(_proof: FieldProof<T, M>, value: T) -> Self {
        Slot {
            value: Some(CowArc::new(value)),
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
        if let Some(current) = self.value.as_mut().and_then(CowArc::get_mut) {
            return Displaced::Value(core::mem::replace(current, value));
        }
        self.set_new_cell(value)
    }

    /// [`Slot::set`] when the value must go into a new cell (the slot is unset, or shares its
    /// cell with a snapshot): out of line, so that the in-place case stays small.
    #[cold]
    #[inline(never)]
    fn set_new_cell(&mut self, value: T) -> Displaced<T> {
        Displaced::Pointer(self.value.replace(CowArc::new(value)))
    }

    /// For a scoped override made in place (`sync_scope`): [`Slot::set`], keeping what it
    /// displaced to put back when the override ends.
    #[inline]
    pub(crate) fn swap_for_scope(&mut self, proof: FieldProof<T, M>, value: T) -> Saved<T> {
        match self.set(proof, value) {
            Displaced::Value(previous) => Saved::Value(previous),
            Displaced::Pointer(Some(shared)) => Saved::Cell(shared),
            Displaced::Pointer(None) => Saved::Unset,
        }
    }

    /// Puts back what [`Slot::swap_for_scope`] took out, without a new cell (else hands the
    /// previous value back: the override's cell is shared now); returns the override, to drop.
    #[inline]
    pub(crate) fn restore_in_place(&mut self, saved: Saved<T>) -> Result<Displaced<T>, T> {
        match saved {
            Saved::Unset => Ok(Displaced::Pointer(self.value.take())),
            Saved::Cell(shared) => Ok(Displaced::Pointer(self.value.replace(shared))),
            Saved::Value(previous) => match self.value.as_mut().and_then(CowArc::get_mut) {
                Some(current) => Ok(Displaced::Value(core::mem::replace(current, previous))),
                None => Err(previous),
            },
        }
    }

    /// Puts back what [`Slot::swap_for_scope`] took out, in a new cell if need be; returns the
    /// override, to drop.
    pub(crate) fn restore(&mut self, proof: FieldProof<T, M>, saved: Saved<T>) -> Displaced<T> {
        match self.restore_in_place(saved) {
            Ok(displaced) => displaced,
            Err(previous) => self.set(proof, previous),
        }
    }

    #[inline]
    pub(crate) fn take(&mut self) -> Displaced<T> {
        Displaced::Pointer(self.value.take())
    }

    /// Moves the pointer out (leaving the slot unset), for `update`.
    pub(crate) fn take_shared(&mut self) -> Option<CowArc<T>> {
        self.value.take()
    }

    /// Puts a pointer back, for `update`; returns what was there.
    pub(crate) fn put_shared(
        &mut self,
        _proof: FieldProof<T, M>,
        shared: Option<CowArc<T>>,
    ) -> Option<CowArc<T>> {
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
