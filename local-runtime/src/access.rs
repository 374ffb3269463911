//! The operations behind the generated accessors. Generated code calls these with its struct's
//! [`StructKey`], a projection to one field's [`Slot`], and (for writes) the field's
//! [`FieldProof`]; they are generic so that each accessor compiles to straight-line code.
//!
//! Pattern of every write: take `&mut` to the current context, change it without running user
//! code, release it, and only then drop what was displaced (user `Drop` code may use contexts).
//! User code that needs a value (clones, closures) runs either before that, on a borrow marked
//! with a `ReadGuard`, or after, on a value moved out of the context.

use core::future::IntoFuture;

use crate::context::Context;
use crate::error::AccessError;
use crate::future::WithContext;
use crate::key::StructKey;
use crate::shared::Shared;
use crate::slot::{FieldProof, Slot, Values};
use crate::state::with_state;
use crate::table::{Garbage, Table};

#[cold]
#[inline(never)]
#[track_caller]
fn refused(what: &str, error: AccessError) -> ! {
    panic!("ctxlocal: `{what}` refused: {error}")
}

/// Calls `f` with a borrow of the field's current value.
#[inline]
pub fn with<V: Values, T, R>(
    key: &'static StructKey<V>,
    field: impl FnOnce(&V) -> &Slot<T>,
    f: impl FnOnce(Option<&T>) -> R,
) -> R {
    with_state(|state| {
        let value = state
            .visible()
            .and_then(|table| table.get(key))
            .and_then(|values| field(values).get());
        match value {
            Some(value) => {
                let _reader = state.read_guard();
                f(Some(value))
            }
            None => f(None),
        }
    })
}

/// Calls `f` with a borrow of the field's current value, or of `default()` if it is unset.
#[inline]
pub fn with_or<V: Values, T, R>(
    key: &'static StructKey<V>,
    field: impl FnOnce(&V) -> &Slot<T>,
    default: impl FnOnce() -> T,
    f: impl FnOnce(&T) -> R,
) -> R {
    with_state(|state| {
        let value = state
            .visible()
            .and_then(|table| table.get(key))
            .and_then(|values| field(values).get());
        match value {
            Some(value) => {
                let _reader = state.read_guard();
                f(value)
            }
            None => f(&default()),
        }
    })
}

/// A clone of the field's current value.
#[inline]
pub fn get<V: Values, T: Clone>(
    key: &'static StructKey<V>,
    field: impl FnOnce(&V) -> &Slot<T>,
) -> Option<T> {
    with(key, field, |value| value.cloned())
}

/// A clone of the field's current value, or `default()` if it is unset.
#[inline]
pub fn get_or<V: Values, T: Clone>(
    key: &'static StructKey<V>,
    field: impl FnOnce(&V) -> &Slot<T>,
    default: impl FnOnce() -> T,
) -> T {
    with(key, field, |value| match value {
        Some(value) => value.clone(),
        None => default(),
    })
}

/// True if the field is set in the current context.
#[inline]
pub fn is_set<V: Values, T>(
    key: &'static StructKey<V>,
    field: impl FnOnce(&V) -> &Slot<T>,
) -> bool {
    with_state(|state| {
        state
            .visible()
            .and_then(|table| table.get(key))
            .is_some_and(|values| field(values).is_set())
    })
}

/// Sets the field in the current context.
#[inline]
pub fn try_set<V: Values, T>(
    key: &'static StructKey<V>,
    field: impl FnOnce(&mut V) -> &mut Slot<T>,
    proof: FieldProof<T>,
    value: T,
) -> Result<(), AccessError> {
    let mut garbage = Garbage::default();
    let displaced = with_state(|state| {
        let table = match state.writable() {
            Ok(table) => table,
            Err(error) => return Err((error, value)),
        };
        let values = Table::entry_mut(table, key, &mut garbage);
        Ok(field(values).set(proof, value))
    });
    drop(garbage);
    match displaced {
        Ok(displaced) => {
            drop(displaced);
            Ok(())
        }
        Err((error, value)) => {
            drop(value);
            Err(error)
        }
    }
}

/// Sets the field in the current context; panics with `what` in the message if refused.
#[inline]
#[track_caller]
pub fn set<V: Values, T>(
    key: &'static StructKey<V>,
    field: impl FnOnce(&mut V) -> &mut Slot<T>,
    proof: FieldProof<T>,
    value: T,
    what: &'static str,
) {
    if let Err(error) = try_set(key, field, proof, value) {
        refused(what, error)
    }
}

/// Sets the field and returns its previous value.
#[inline]
#[track_caller]
pub fn replace<V: Values, T: Clone>(
    key: &'static StructKey<V>,
    field: impl FnOnce(&mut V) -> &mut Slot<T>,
    proof: FieldProof<T>,
    value: T,
    what: &'static str,
) -> Option<T> {
    let mut garbage = Garbage::default();
    let displaced = with_state(|state| {
        let table = match state.writable() {
            Ok(table) => table,
            Err(error) => return Err((error, value)),
        };
        let values = Table::entry_mut(table, key, &mut garbage);
        Ok(field(values).set(proof, value))
    });
    drop(garbage);
    match displaced {
        Ok(displaced) => displaced.into_value(),
        Err((error, value)) => {
            drop(value);
            refused(what, error)
        }
    }
}

/// Unsets the field and returns its previous value. An unset field needs no write, so this
/// never fails when there is nothing to take.
#[inline]
#[track_caller]
pub fn take<V: Values, T: Clone>(
    key: &'static StructKey<V>,
    field: impl Fn(&V) -> &Slot<T>,
    field_mut: impl FnOnce(&mut V) -> &mut Slot<T>,
    what: &'static str,
) -> Option<T> {
    if !is_set(key, field) {
        return None;
    }
    let mut garbage = Garbage::default();
    let displaced = with_state(|state| {
        let table = state.writable()?;
        let values = Table::entry_mut(table, key, &mut garbage);
        Ok(field_mut(values).take())
    });
    drop(garbage);
    match displaced {
        Ok(displaced) => displaced.into_value(),
        Err(error) => refused(what, error),
    }
}

/// Moves the field's pointer out of the current context (the field reads as unset until it
/// is put back).
#[track_caller]
fn take_shared<V: Values, T>(
    key: &'static StructKey<V>,
    field: impl FnOnce(&mut V) -> &mut Slot<T>,
    what: &'static str,
) -> Option<Shared<T>> {
    let mut garbage = Garbage::default();
    let taken = with_state(|state| {
        let table = state.writable()?;
        let values = Table::entry_mut(table, key, &mut garbage);
        Ok(field(values).take_shared())
    });
    drop(garbage);
    taken.unwrap_or_else(|error| refused(what, error))
}

/// A value being updated, out of the context until the guard holding it is dropped.
trait Held<T> {
    fn into_shared(self) -> Option<Shared<T>>;
}

impl<T> Held<T> for Option<T> {
    fn into_shared(self) -> Option<Shared<T>> {
        self.map(Shared::new)
    }
}

impl<T> Held<T> for Shared<T> {
    fn into_shared(self) -> Option<Shared<T>> {
        Some(self)
    }
}

/// Owns the value while the user's closure updates it, and puts it back into the field when
/// dropped: after the closure returns, or during an unwind out of it, so that a panic leaves
/// the value as the closure left it (as a `RefCell` would).
struct PutBack<V: Values, T, F: FnMut(&mut V) -> &mut Slot<T>, H: Held<T>> {
    key: &'static StructKey<V>,
    field: F,
    proof: FieldProof<T>,
    held: Option<H>,
}

impl<V: Values, T, F: FnMut(&mut V) -> &mut Slot<T>, H: Held<T>> Drop for PutBack<V, T, F, H> {
    fn drop(&mut self) {
        let shared = self.held.take().and_then(H::into_shared);
        let mut garbage = Garbage::default();
        let displaced = with_state(|state| {
            // The update that took the value out got write access on this thread, in this
            // same context (closures nest), so this cannot be refused; if it ever were, the
            // value is dropped rather than panicking, which could abort during an unwind.
            let table = state.writable().ok()?;
            let values = Table::entry_mut(table, self.key, &mut garbage);
            Some((self.field)(values).put_shared(self.proof, shared))
        });
        drop(garbage);
        // Whatever the closure wrote to this field meanwhile is overwritten (documented).
        drop(displaced);
    }
}

/// Mutates the field (copy-on-write): `f` gets the current value, cloned only if another
/// context shares it, and whatever it leaves is stored back, also if it panics. While `f`
/// runs, the field reads as unset.
#[track_caller]
pub fn update<V: Values, T: Clone, R>(
    key: &'static StructKey<V>,
    mut field: impl FnMut(&mut V) -> &mut Slot<T>,
    proof: FieldProof<T>,
    f: impl FnOnce(&mut Option<T>) -> R,
    what: &'static str,
) -> R {
    let taken = take_shared(key, &mut field, what);
    let mut guard = PutBack {
        key,
        field,
        proof,
        held: None,
    };
    // (A panic in `T::clone` here leaves the field unset in this context.)
    f(guard.held.insert(taken.map(Shared::unwrap_or_clone)))
}

/// Like [`update`] for a field with a default: `f` gets the value, or `default()` if unset.
#[track_caller]
pub fn update_or<V: Values, T: Clone, R>(
    key: &'static StructKey<V>,
    mut field: impl FnMut(&mut V) -> &mut Slot<T>,
    proof: FieldProof<T>,
    default: impl FnOnce() -> T,
    f: impl FnOnce(&mut T) -> R,
    what: &'static str,
) -> R {
    let taken = take_shared(key, &mut field, what);
    let mut displaced = None;
    let mut guard = PutBack {
        key,
        field,
        proof,
        held: None,
    };
    // The pointer is out of every context now: if it is unique, nobody else can see it and
    // the closure mutates it in place, with no copy and no allocation; if it is shared, it is
    // copied first (the guard then puts back the shared original if `T::clone` panics).
    let shared = guard
        .held
        .insert(taken.unwrap_or_else(|| Shared::new(default())));
    f(shared.make_mut(&mut displaced))
}

/// A snapshot of the current context with one field set: what `scope_<field>` runs in.
fn with_field_set<V: Values, T>(
    key: &'static StructKey<V>,
    field: impl FnOnce(&mut V) -> &mut Slot<T>,
    proof: FieldProof<T>,
    value: T,
) -> Context {
    let mut table = with_state(|state| state.snapshot());
    let mut garbage = Garbage::default();
    // `table` is a local snapshot, not thread state, so no user code can observe it here.
    let values = Table::entry_mut(&mut table, key, &mut garbage);
    let displaced = field(values).set(proof, value);
    drop(displaced);
    drop(garbage);
    Context { table }
}

/// Runs `future` in a child context where the field is set to `value`.
pub fn scope<V: Values, T, F: IntoFuture>(
    key: &'static StructKey<V>,
    field: impl FnOnce(&mut V) -> &mut Slot<T>,
    proof: FieldProof<T>,
    value: T,
    future: F,
) -> WithContext<F::IntoFuture> {
    let context = with_field_set(key, field, proof, value);
    WithContext::from_table(context.table, future.into_future())
}

/// Runs `f` in a child context where the field is set to `value`.
pub fn sync_scope<V: Values, T, R>(
    key: &'static StructKey<V>,
    field: impl FnOnce(&mut V) -> &mut Slot<T>,
    proof: FieldProof<T>,
    value: T,
    f: impl FnOnce() -> R,
) -> R {
    with_field_set(key, field, proof, value).run(f)
}

/// A snapshot of the current context with the struct's values replaced by `values`.
fn with_struct_set<V: Values>(key: &'static StructKey<V>, values: V) -> Context {
    let mut table = with_state(|state| state.snapshot());
    let mut garbage = Garbage::default();
    let displaced = Table::insert(&mut table, key, values, &mut garbage);
    drop(displaced);
    drop(garbage);
    Context { table }
}

/// Runs `future` in a child context where the struct's fields are `values`.
pub fn scope_struct<V: Values, F: IntoFuture>(
    key: &'static StructKey<V>,
    values: V,
    future: F,
) -> WithContext<F::IntoFuture> {
    let context = with_struct_set(key, values);
    WithContext::from_table(context.table, future.into_future())
}

/// Runs `f` in a child context where the struct's fields are `values`.
pub fn sync_scope_struct<V: Values, R>(
    key: &'static StructKey<V>,
    values: V,
    f: impl FnOnce() -> R,
) -> R {
    with_struct_set(key, values).run(f)
}

/// Replaces all of the struct's fields in the current context.
#[track_caller]
pub fn set_struct<V: Values>(key: &'static StructKey<V>, values: V, what: &'static str) {
    let mut garbage = Garbage::default();
    let displaced = with_state(|state| {
        let table = match state.writable() {
            Ok(table) => table,
            Err(error) => return Err((error, values)),
        };
        Ok(Table::insert(table, key, values, &mut garbage))
    });
    drop(garbage);
    match displaced {
        Ok(displaced) => drop(displaced),
        Err((error, values)) => {
            drop(values);
            refused(what, error)
        }
    }
}

/// Unsets all of the struct's fields in the current context.
#[track_caller]
pub fn clear_struct<V: Values>(key: &'static StructKey<V>, what: &'static str) {
    let present = with_state(|state| {
        state
            .visible()
            .is_some_and(|table| table.get(key).is_some())
    });
    if !present {
        return;
    }
    let mut garbage = Garbage::default();
    let displaced = with_state(|state| {
        let table = state.writable()?;
        Ok(Table::remove(table, key, &mut garbage))
    });
    drop(garbage);
    match displaced {
        Ok(displaced) => drop(displaced),
        Err(error) => refused(what, error),
    }
}
