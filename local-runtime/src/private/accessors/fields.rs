//! The accessors' operations on one field, as generated code calls them: each field is
//! described once, as a `const` [`FieldRef`], and every accessor is one call here with it. Each
//! operation is the one of the parent module with the same name, or made of its parts.
//!
//! The projections are function pointers read from that `const`, so after inlining they are
//! direct calls to known functions, as closures would be; and the fields of one type in one
//! struct share each operation's instance instead of getting one per closure. A write that is
//! refused panics naming the accessor (`Owner::set_field`), built from the names in the
//! description only when it panics.

use core::future::IntoFuture;

use super::{
    PutBack, get, get_or, insert_field, is_set, scope, sync_scope, try_set, with, with_or,
    write_slot,
};
use crate::cow_arc::CowArc;
use crate::error::AccessError;
use crate::field::{FieldProof, Slot};
use crate::future::WithContext;
use crate::mode::AnyThread;
use crate::storage::Mode;
use crate::struct_key::{StructKey, Values};

/// One field, as generated code hands it to the `field_*` operations: which field (its
/// struct's key, the struct's and the field's names for "`Owner::set_field` refused"), how to
/// reach its slot in the struct's values, and the proof that its type may be stored.
pub type FieldRef<V, T, M> = (
    (&'static StructKey<V, M>, &'static str, &'static str),
    (fn(&V) -> &Slot<T, M>, fn(&mut V) -> &mut Slot<T, M>),
    FieldProof<T, M>,
);

/// The panic of a refused write through `Owner::{prefix}{field}`, worded as [`super::refused`]'s.
#[cold]
#[inline(never)]
#[track_caller]
fn refused_field<V, T, M>(field: FieldRef<V, T, M>, prefix: &str, error: AccessError) -> ! {
    let ((_, owner, name), ..) = field;
    panic!("ctxlocal: `{owner}::{prefix}{name}` refused: {error}")
}

/// `field()`: [`get`].
#[inline]
pub fn field_get<M: Mode, V: Values, T: Clone>(field: FieldRef<V, T, M>) -> Option<T> {
    let ((key, ..), (get_ref, _), _) = field;
    get(key, get_ref)
}

/// `field()` with a default: [`get_or`].
#[inline]
pub fn field_get_or<M: Mode, V: Values, T: Clone>(
    field: FieldRef<V, T, M>,
    default: impl FnOnce() -> T,
) -> T {
    let ((key, ..), (get_ref, _), _) = field;
    get_or(key, get_ref, default)
}

/// `with_field(f)`: [`with`].
#[inline]
pub fn field_with<M: Mode, V: Values, T, R>(
    field: FieldRef<V, T, M>,
    f: impl FnOnce(Option<&T>) -> R,
) -> R {
    let ((key, ..), (get_ref, _), _) = field;
    with(key, get_ref, f)
}

/// `with_field(f)` with a default: [`with_or`].
#[inline]
pub fn field_with_or<M: Mode, V: Values, T, R>(
    field: FieldRef<V, T, M>,
    default: impl FnOnce() -> T,
    f: impl FnOnce(&T) -> R,
) -> R {
    let ((key, ..), (get_ref, _), _) = field;
    with_or(key, get_ref, default, f)
}

/// `is_field_set()`: [`is_set`].
#[inline]
pub fn field_is_set<M: Mode, V: Values, T>(field: FieldRef<V, T, M>) -> bool {
    let ((key, ..), (get_ref, _), _) = field;
    is_set(key, get_ref)
}

/// `try_set_field(value)`: [`try_set`].
#[inline]
pub fn field_try_set<M: Mode, V: Values, T>(
    field: FieldRef<V, T, M>,
    value: T,
) -> Result<(), AccessError> {
    let ((key, ..), (_, get_mut), proof) = field;
    try_set(key, get_mut, proof, value)
}

/// `set_field(value)`: [`try_set`], panicking if refused.
#[inline]
#[track_caller]
pub fn field_set<M: Mode, V: Values, T>(field: FieldRef<V, T, M>, value: T) {
    let ((key, ..), (_, get_mut), proof) = field;
    if let Err(error) = try_set(key, get_mut, proof, value) {
        refused_field(field, "set_", error)
    }
}

/// `replace_field(value)`: as [`super::replace`].
#[inline]
#[track_caller]
pub fn field_replace<M: Mode, V: Values, T: Clone>(
    field: FieldRef<V, T, M>,
    value: T,
) -> Option<T> {
    let ((key, ..), (_, get_mut), proof) = field;
    match write_slot(key, get_mut, value, move |slot, value| {
        slot.set(proof, value)
    }) {
        Ok(displaced) => displaced.into_value(),
        Err((error, value)) => {
            drop(value);
            refused_field(field, "replace_", error)
        }
    }
}

/// `take_field()`: as [`super::take`].
#[inline]
#[track_caller]
pub fn field_take<M: Mode, V: Values, T: Clone>(field: FieldRef<V, T, M>) -> Option<T> {
    let ((key, ..), (get_ref, get_mut), _) = field;
    if !is_set(key, get_ref) {
        return None;
    }
    match write_slot(key, get_mut, (), |slot, ()| slot.take()) {
        Ok(displaced) => displaced.into_value(),
        Err((error, ())) => refused_field(field, "take_", error),
    }
}

/// The guard of `update_field`, with the field's projection as a function pointer.
type FieldPutBack<M, V, T> = PutBack<M, V, T, fn(&mut V) -> &mut Slot<T, M>>;

/// Moves the field's pointer out of the current context for `update_field`: as
/// [`super::take_shared`], naming the accessor if refused; and the guard that puts it back.
#[track_caller]
fn field_take_for_update<M: Mode, V: Values, T>(
    field: FieldRef<V, T, M>,
) -> (Option<CowArc<T>>, FieldPutBack<M, V, T>) {
    let ((key, ..), (_, get_mut), proof) = field;
    let taken = match write_slot(key, get_mut, (), |slot, ()| slot.take_shared()) {
        Ok(taken) => taken,
        Err((error, ())) => refused_field(field, "update_", error),
    };
    let guard = PutBack {
        key,
        field: get_mut,
        proof,
        shared: None,
        value: None,
    };
    (taken, guard)
}

/// `update_field(f)`: mutates the field copy-on-write; `f` gets the current value, cloned
/// only if another context shares it, and whatever it leaves is stored back, also if it
/// panics. While `f` runs, the field reads as unset.
#[track_caller]
pub fn field_update<M: Mode, V: Values, T: Clone, R>(
    field: FieldRef<V, T, M>,
    f: impl FnOnce(&mut Option<T>) -> R,
) -> R {
    let (taken, mut guard) = field_take_for_update(field);
    // Own the value: move it out if nobody else shares it, clone it otherwise. The pointer
    // stays in the guard while `T::clone` runs, so a panic there leaves the field as it was.
    let owned = match taken.map(CowArc::try_unwrap) {
        None => None,
        Some(Ok(value)) => Some(value),
        Some(Err(shared)) => Some(T::clone(guard.shared.insert(shared))),
    };
    guard.shared = None;
    f(guard.value.insert(owned))
}

/// `update_field(f)` for a field with a default: `f` gets the value, or `default()` if unset,
/// mutated in place when nobody else shares it.
#[track_caller]
pub fn field_update_or<M: Mode, V: Values, T: Clone, R>(
    field: FieldRef<V, T, M>,
    default: impl FnOnce() -> T,
    f: impl FnOnce(&mut T) -> R,
) -> R {
    let (taken, mut guard) = field_take_for_update(field);
    let mut displaced = None;
    // Mutate in place if unique, copy first if shared (the guard keeps the original if
    // `T::clone` panics).
    let shared = guard
        .shared
        .insert(taken.unwrap_or_else(|| CowArc::new(default())));
    f(shared.make_mut(&mut displaced))
}

/// `scope_field(value, future)`: [`scope`].
pub fn field_scope<M: Mode, V: Values, T, F: IntoFuture>(
    field: FieldRef<V, T, M>,
    value: T,
    future: F,
) -> WithContext<F::IntoFuture> {
    let ((key, ..), (_, get_mut), proof) = field;
    scope(key, get_mut, proof, value, future)
}

/// `sync_scope_field(value, f)`: [`sync_scope`].
pub fn field_sync_scope<M: Mode, V: Values, T, R>(
    field: FieldRef<V, T, M>,
    value: T,
    f: impl FnOnce() -> R,
) -> R {
    let ((key, ..), (_, get_mut), proof) = field;
    sync_scope(key, get_mut, proof, value, f)
}

/// The field's slot in a values table built from a struct value (`value.set()`, `.scope(..)`).
#[inline]
pub fn field_slot<M, V, T>(field: FieldRef<V, T, M>, value: T) -> Slot<T, M> {
    let (_, _, proof) = field;
    Slot::new(proof, value)
}

/// Sets the field in `context` (not the current context): [`insert_field`], for the `baggage`
/// module.
pub fn field_insert<V: Values, T>(
    context: &mut crate::context::Context,
    field: FieldRef<V, T, AnyThread>,
    value: T,
) {
    let ((key, ..), (_, get_mut), proof) = field;
    insert_field(context, key, get_mut, proof, value)
}
