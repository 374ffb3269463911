//! The operations behind the generated accessors. Generated code calls these with its struct's
//! [`StructKey`], a projection to one field's [`Slot`], and (for writes) the field's
//! [`FieldProof`]; they are generic so that each accessor compiles to straight-line code, and
//! generic over the storage [`Mode`] so both modes share one implementation: the mode only
//! decides which table is current (`Mode::read` / `Mode::write`).
//!
//! Pattern of every write: take `&mut` to the current context, change it without running user
//! code, release it, and only then drop what was displaced (user `Drop` code may use contexts).
//! User code that needs a value (clones, closures) runs either before that, on a borrow marked
//! with a `ReadScope`, or after, on a value moved out of the context.

use core::future::IntoFuture;

use crate::context::Override;
use crate::cow_arc::CowArc;
use crate::error::AccessError;
use crate::field::{Displaced, FieldProof, Slot};
use crate::future::WithContext;
use crate::mode::AnyThread;
use crate::storage::{Mode, Token};
use crate::struct_key::{StructKey, Values};
use crate::table::{DisplacedRefs, Table, TableRef};
use crate::thread_state::with_state;

// The same operations for an accessor given its field's description (`FieldRef`), which is
// what generated code calls.
mod fields;
pub use fields::*;

// `sync_scope`, which makes its child in place where it can.
mod scope_in_place;
pub use scope_in_place::sync_scope;

#[cold]
#[inline(never)]
#[track_caller]
fn refused(what: &str, error: AccessError) -> ! {
    panic!("ctxlocal: `{what}` refused: {error}")
}

/// Calls `f` with a borrow of the field's current value.
#[inline]
pub fn with<M: Mode, V: Values, T, R>(
    key: &'static StructKey<V, M>,
    field: impl FnOnce(&V) -> &Slot<T, M>,
    f: impl FnOnce(Option<&T>) -> R,
) -> R {
    // Begun before the borrow is handed out (no user code runs since the table was looked up)
    // and ended after `f` returned: writes made by `f` (or by a `Clone` it calls) leave the
    // borrowed value alone (see `thread_state/`). Begun after the lookup, so that the D8 check
    // there (a call into tokio) keeps nothing alive across it; ended outside `M::read`, once
    // no reference into the table is alive, since ending it may free tables that `f`'s
    // writes displaced.
    let mut read = None;
    let result = M::read(Token::new(), |table| {
        read = Some(with_state(|state| state.read_scope()));
        f(table
            .and_then(|table| table.get(key))
            .and_then(|values| field(values).get()))
    });
    drop(read);
    result
}

/// Calls `f` with a borrow of the field's current value, or of `default()` if it is unset.
#[inline]
pub fn with_or<M: Mode, V: Values, T, R>(
    key: &'static StructKey<V, M>,
    field: impl FnOnce(&V) -> &Slot<T, M>,
    default: impl FnOnce() -> T,
    f: impl FnOnce(&T) -> R,
) -> R {
    with(key, field, |value| match value {
        Some(value) => f(value),
        None => f(&default()),
    })
}

/// A clone of the field's current value.
#[inline]
pub fn get<M: Mode, V: Values, T: Clone>(
    key: &'static StructKey<V, M>,
    field: impl FnOnce(&V) -> &Slot<T, M>,
) -> Option<T> {
    with(key, field, |value| value.cloned())
}

/// A clone of the field's current value, or `default()` if it is unset.
#[inline]
pub fn get_or<M: Mode, V: Values, T: Clone>(
    key: &'static StructKey<V, M>,
    field: impl FnOnce(&V) -> &Slot<T, M>,
    default: impl FnOnce() -> T,
) -> T {
    with(key, field, |value| match value {
        Some(value) => value.clone(),
        None => default(),
    })
}

/// True if the field is set in the current context.
#[inline]
pub fn is_set<M: Mode, V: Values, T>(
    key: &'static StructKey<V, M>,
    field: impl FnOnce(&V) -> &Slot<T, M>,
) -> bool {
    M::read(Token::new(), |table| {
        table
            .and_then(|table| table.get(key))
            .is_some_and(|values| field(values).is_set())
    })
}

/// Runs `op` on the field's slot in the current context, with write access. The fast path,
/// inlined: inside a crate frame, with no reader and the table and the struct's entry not
/// shared, the slot is changed in place. Anything else (first write of the struct, a copy after
/// a snapshot, a root context, thread-critical storage) takes [`write_slot_slow`]. `op` runs no
/// user code (it moves values in and out); what it displaces is dropped by the caller.
#[inline(always)]
pub(super) fn write_slot<M: Mode, V: Values, T, A, R>(
    key: &'static StructKey<V, M>,
    field: impl Fn(&mut V) -> &mut Slot<T, M> + Copy,
    arg: A,
    op: impl Fn(&mut Slot<T, M>, A) -> R + Copy,
) -> Result<R, (AccessError, A)> {
    // SAFETY: the closure only moves values in and out of the slot (`op` runs no user code,
    // its contract) and returns what it displaced, to be dropped by our caller.
    let fast = unsafe {
        M::fast_write(Token::new(), arg, |table, arg| {
            match table.unique_entry_mut(key) {
                Some(values) => Ok(op(field(values), arg)),
                None => Err(arg),
            }
        })
    };
    match fast {
        Ok(result) => Ok(result),
        Err(arg) => write_slot_slow(key, field, arg, op),
    }
}

/// The general path of [`write_slot`].
#[cold]
#[inline(never)]
fn write_slot_slow<M: Mode, V: Values, T, A, R>(
    key: &'static StructKey<V, M>,
    field: impl Fn(&mut V) -> &mut Slot<T, M>,
    arg: A,
    op: impl Fn(&mut Slot<T, M>, A) -> R,
) -> Result<R, (AccessError, A)> {
    write_current(arg, |table, refs, arg| {
        op(field(Table::entry_mut(table, key, refs)), arg)
    })
}

/// The one general write path: checks whether writing is allowed here, then lets `op` change
/// the current table (it creates or privately copies the table and entries as needed); drops
/// what that displaced once thread state is released. On refusal, hands `arg` back.
///
/// `op` must run no user code: it moves values in and out and clones pointers and `Values`
/// tables (which run none, `Values`' contract); what it displaces goes to `refs` or into its
/// result, dropped by the caller.
fn write_current<M: Mode, A, R>(
    arg: A,
    op: impl FnOnce(&mut TableRef<M>, &mut DisplacedRefs<M>, A) -> R,
) -> Result<R, (AccessError, A)> {
    let mut refs = DisplacedRefs::<M>::default();
    // SAFETY: `op` runs no user code and touches no thread state (its contract above); what it
    // displaced is dropped below, after the write.
    let result = unsafe {
        M::write(Token::new(), |table| match table {
            Ok(table) => Ok(op(table, &mut refs, arg)),
            Err(error) => Err((error, arg)),
        })
    };
    drop(refs);
    result
}

/// Sets the field in the current context.
#[inline]
pub fn try_set<M: Mode, V: Values, T>(
    key: &'static StructKey<V, M>,
    field: impl Fn(&mut V) -> &mut Slot<T, M> + Copy,
    proof: FieldProof<T, M>,
    value: T,
) -> Result<(), AccessError> {
    match write_slot(key, field, value, move |slot, value| slot.set(proof, value)) {
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
pub fn set<M: Mode, V: Values, T>(
    key: &'static StructKey<V, M>,
    field: impl Fn(&mut V) -> &mut Slot<T, M> + Copy,
    proof: FieldProof<T, M>,
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
pub fn replace<M: Mode, V: Values, T: Clone>(
    key: &'static StructKey<V, M>,
    field: impl Fn(&mut V) -> &mut Slot<T, M> + Copy,
    proof: FieldProof<T, M>,
    value: T,
    what: &'static str,
) -> Option<T> {
    match write_slot(key, field, value, move |slot, value| slot.set(proof, value)) {
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
pub fn take<M: Mode, V: Values, T: Clone>(
    key: &'static StructKey<V, M>,
    field: impl Fn(&V) -> &Slot<T, M>,
    field_mut: impl Fn(&mut V) -> &mut Slot<T, M> + Copy,
    what: &'static str,
) -> Option<T> {
    if !is_set(key, field) {
        return None;
    }
    match write_slot(key, field_mut, (), |slot, ()| slot.take()) {
        Ok(displaced) => displaced.into_value(),
        Err((error, ())) => refused(what, error),
    }
}

/// Owns the value while the user's closure updates it, and puts it back into the field when
/// dropped: after the closure returns, or during an unwind out of it (or out of `T::clone`),
/// so that a panic leaves the value as the closure left it (as a `RefCell` would), or as it
/// was if the clone failed.
struct PutBack<M: Mode, V: Values, T, F: Fn(&mut V) -> &mut Slot<T, M> + Copy> {
    key: &'static StructKey<V, M>,
    field: F,
    proof: FieldProof<T, M>,
    /// The pointer taken out of the field, possibly still shared with other contexts.
    shared: Option<CowArc<T>>,
    /// The value the closure works on, once owned; put back instead of `shared` if present.
    value: Option<Option<T>>,
}

impl<M: Mode, V: Values, T, F: Fn(&mut V) -> &mut Slot<T, M> + Copy> Drop for PutBack<M, V, T, F> {
    fn drop(&mut self) {
        let shared = match self.value.take() {
            Some(value) => value.map(CowArc::new),
            None => self.shared.take(),
        };
        let proof = self.proof;
        // The update that took the value out got write access on this thread, in this same
        // context (closures nest), so this cannot be refused; if it ever were, the value is
        // dropped rather than panicking, which could abort during an unwind.
        let displaced = write_slot(self.key, self.field, shared, move |slot, shared| {
            slot.put_shared(proof, shared)
        });
        // Whatever the closure wrote to this field meanwhile is overwritten (documented).
        drop(displaced);
    }
}

/// A child of the current context with one field set: what `scope_<field>` runs in.
fn with_field_set<M: Mode, V: Values, T>(
    key: &'static StructKey<V, M>,
    field: impl FnOnce(&mut V) -> &mut Slot<T, M>,
    proof: FieldProof<T, M>,
    value: T,
) -> Override {
    M::override_current(Token::new(), |table, refs| {
        drop(set_detached(table, refs, key, field, proof, value));
    })
}

/// Sets one field in a detached table (see [`Table::edit_detached`]); returns what it displaced.
fn set_detached<M, V: Values, T>(
    table: &mut TableRef<M>,
    refs: &mut DisplacedRefs<M>,
    key: &'static StructKey<V, M>,
    field: impl FnOnce(&mut V) -> &mut Slot<T, M>,
    proof: FieldProof<T, M>,
    value: T,
) -> Displaced<T> {
    field(Table::entry_mut(table, key, refs)).set(proof, value)
}

/// Runs `future` in a child context where the field is set to `value`.
pub fn scope<M: Mode, V: Values, T, F: IntoFuture>(
    key: &'static StructKey<V, M>,
    field: impl FnOnce(&mut V) -> &mut Slot<T, M>,
    proof: FieldProof<T, M>,
    value: T,
    future: F,
) -> WithContext<F::IntoFuture> {
    WithContext::from_override(
        with_field_set(key, field, proof, value),
        future.into_future(),
    )
}

/// A child of the current context with the struct's values replaced by `values`.
fn with_struct_set<M: Mode, V: Values>(key: &'static StructKey<V, M>, values: V) -> Override {
    M::override_current(Token::new(), |table, refs| {
        drop(Table::insert(table, key, values, refs))
    })
}

/// Runs `future` in a child context where the struct's fields are `values`.
pub fn scope_struct<M: Mode, V: Values, F: IntoFuture>(
    key: &'static StructKey<V, M>,
    values: V,
    future: F,
) -> WithContext<F::IntoFuture> {
    WithContext::from_override(with_struct_set(key, values), future.into_future())
}

/// Runs `f` in a child context where the struct's fields are `values`.
pub fn sync_scope_struct<M: Mode, V: Values, R>(
    key: &'static StructKey<V, M>,
    values: V,
    f: impl FnOnce() -> R,
) -> R {
    with_struct_set(key, values).run(f)
}

/// Replaces all of the struct's fields in the current context.
#[track_caller]
pub fn set_struct<M: Mode, V: Values>(
    key: &'static StructKey<V, M>,
    values: V,
    what: &'static str,
) {
    let displaced = write_current(values, |table, refs, values| {
        Table::insert(table, key, values, refs)
    });
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
pub fn clear_struct<M: Mode, V: Values>(key: &'static StructKey<V, M>, what: &'static str) {
    // Clearing a struct with no field set changes nothing, so it is no write (like `take_*` of
    // an unset field): it neither fails in untracked tasks nor counts for bridges.
    let present = M::read(Token::new(), |table| {
        table
            .and_then(|table| table.get(key))
            .is_some_and(|values| !values.is_empty())
    });
    if !present {
        return;
    }
    match write_current((), |table, refs, ()| Table::remove(table, key, refs)) {
        Ok(displaced) => drop(displaced),
        Err((error, ())) => refused(what, error),
    }
}

/// A copy of the struct's values in the current context (pointer copies, no user code), for
/// `#[async_local(debug)]` views.
pub fn snapshot<M: Mode, V: Values>(key: &'static StructKey<V, M>) -> Option<V> {
    M::read(Token::new(), |table| {
        table.and_then(|table| table.get(key)).cloned()
    })
}

/// Sets the struct's fields to `values` in `context` (not the current context): what
/// [`Context::with`](crate::Context::with) does through the generated `AsyncLocal` impl.
pub fn insert_struct<V: Values>(
    context: &mut crate::context::Context,
    key: &'static StructKey<V, AnyThread>,
    values: V,
) {
    let displaced = Table::edit_detached(&mut context.table, |table, refs| {
        Table::insert(table, key, values, refs)
    });
    drop(displaced);
}

/// Sets one field in `context` (not the current context): how the `baggage` module fills the
/// context of an incoming request.
pub fn insert_field<V: Values, T>(
    context: &mut crate::context::Context,
    key: &'static StructKey<V, AnyThread>,
    field: impl FnOnce(&mut V) -> &mut Slot<T, AnyThread>,
    proof: FieldProof<T, AnyThread>,
    value: T,
) {
    let displaced = Table::edit_detached(&mut context.table, |table, refs| {
        set_detached(table, refs, key, field, proof, value)
    });
    drop(displaced);
}
