//! `sync_scope_<field>`: a scoped override for a closure, made in place in the current table
//! where that is safe, instead of as a copy installed as a frame (see [`sync_scope`]).

use super::{with_field_set, write_current};
use crate::field::{FieldProof, Saved, Slot};
use crate::storage::{Mode, Token};
use crate::struct_key::{StructKey, Values};
use crate::table::{Table, TableRef};
use crate::thread_state::with_state;

/// Runs `f` in a child context where the field is set to `value`.
///
/// Made in place where the current table can be made private (not borrowed by a reader, see
/// `write_slot`; a table or values a snapshot shares are copied first, as
/// a write would, without marking the struct written): the field's value is swapped in, and
/// `f` runs with a second reference to that table held aside, which makes the table shared,
/// so whatever `f` writes goes to a private copy and a snapshot `f` takes keeps the table as
/// `f` saw it; at the end the held reference is current again, and the previous value is
/// swapped back (in place, unless `f` kept a snapshot: then into a copy). Elsewhere (no values
/// of the struct here, untracked work, thread-critical fields) the child is built as a copy
/// and installed as a frame (`Override`).
pub fn sync_scope<M: Mode, V: Values, T, R>(
    key: &'static StructKey<V, M>,
    field: impl Fn(&mut V) -> &mut Slot<T, M> + Copy,
    proof: FieldProof<T, M>,
    value: T,
    f: impl FnOnce() -> R,
) -> R {
    if !M::SCOPES_IN_PLACE {
        return with_field_set(key, field, proof, value).run(f);
    }
    // SAFETY: the closure only moves values in and out of the slot (a new cell if it has none
    // of its own); it displaces nothing, and runs no user code.
    let swapped = unsafe {
        M::fast_write(Token::new(), value, |table, value| {
            match table.unique_entry_unmarked(key) {
                Some(values) => Ok(field(values).swap_for_scope(proof, value)),
                None => Err(value),
            }
        })
    };
    // A table or values a snapshot shares are first copied, as a write would (without marking
    // the struct written: the caller's values do not change); later overrides in this context
    // then find them private.
    let swapped = swapped.or_else(|value| make_private_and_swap(key, field, proof, value));
    match swapped {
        Ok(saved) => {
            let mut scope = ScopeInPlace {
                entered: Some(with_state(|state| state.enter_scope_in_place())),
                key,
                field,
                proof,
                saved: Some(saved),
            };
            let result = f();
            // Ended here rather than by the guard's `Drop` (which is left for unwinding), so
            // that the field's projection is inlined.
            scope.end();
            result
        }
        Err(value) => with_field_set(key, field, proof, value).run(f),
    }
}

/// The general path of [`sync_scope`]'s swap: makes the current table and the struct's values
/// private, then swaps. Hands `value` back where the child must be built as a copy instead: no
/// values of the struct here (an override in place would leave an empty entry behind), or
/// writing refused (untracked work, rule D8).
#[cold]
#[inline(never)]
fn make_private_and_swap<M: Mode, V: Values, T>(
    key: &'static StructKey<V, M>,
    field: impl Fn(&mut V) -> &mut Slot<T, M>,
    proof: FieldProof<T, M>,
    value: T,
) -> Result<Saved<T>, T> {
    let swapped = write_current(value, |table, refs, value| {
        if table.as_ref().and_then(|table| table.get(key)).is_none() {
            return Err(value);
        }
        Ok(field(Table::entry_mut_unmarked(table, key, refs)).swap_for_scope(proof, value))
    });
    match swapped {
        Ok(swapped) => swapped,
        Err((_, value)) => Err(value),
    }
}

/// Ends a scoped override made in place (see [`sync_scope`]) when dropped, also during an
/// unwind: makes the caller's table current again and puts back what was taken out of the
/// field.
struct ScopeInPlace<M: Mode, V: Values, T, F: Fn(&mut V) -> &mut Slot<T, M>> {
    entered: Option<TableRef>,
    key: &'static StructKey<V, M>,
    field: F,
    proof: FieldProof<T, M>,
    saved: Option<Saved<T>>,
}

impl<M: Mode, V: Values, T, F: Fn(&mut V) -> &mut Slot<T, M>> Drop for ScopeInPlace<M, V, T, F> {
    fn drop(&mut self) {
        self.end();
    }
}

impl<M: Mode, V: Values, T, F: Fn(&mut V) -> &mut Slot<T, M>> ScopeInPlace<M, V, T, F> {
    /// Ends the scope (once: it does nothing the second time).
    #[inline(always)]
    fn end(&mut self) {
        let (Some(entered), Some(saved)) = (self.entered.take(), self.saved.take()) else {
            return;
        };
        let left = with_state(|state| state.leave_scope_in_place(entered));
        let (key, field, proof) = (self.key, &self.field, self.proof);
        // SAFETY: as in `sync_scope`: values moved in and out, the override returned to be
        // dropped below. The swap's fast write was in this frame and task, and the scope's
        // own frames and readers have ended (they nest).
        let fast = unsafe {
            M::fast_write_again(Token::new(), saved, |table, saved| {
                match table.unique_entry_unmarked(key) {
                    Some(values) => field(values).restore_in_place(saved).map_err(Saved::Value),
                    None => Err(saved),
                }
            })
        };
        let displaced = match fast {
            Ok(displaced) => Some(displaced),
            // `f` kept a snapshot: the caller's table, or the struct's values, are shared now.
            // This is the frame and task of the swap, with no reader of its own (readers
            // nest), so the write is not refused; if it ever were, the values are dropped
            // rather than panicking, which could abort during an unwind.
            Err(saved) => write_current(saved, |table, refs, saved| {
                field(Table::entry_mut_unmarked(table, key, refs)).restore(proof, saved)
            })
            .ok(),
        };
        // The override's value, then what `f` wrote, dropped once the caller's context is as
        // it was and the thread state is released.
        drop(displaced);
        drop(left);
    }
}
