//! The operation behind `with_<field>_or_init`: a field initialised on first use in the current
//! context (or thread-critical namespace), then lent, like a per-context `OnceCell`.

use core::cell::RefCell;

use super::accessors::{FieldRef, with, write_slot};
use crate::error::AccessError;
use crate::field::Slot;
use crate::storage::Mode;
use crate::struct_key::{StructKey, Values};
use crate::thread_state::with_state;

/// Which field an `init` is running for: its struct's key, the field's place in the struct,
/// and the thread's frames (the same frames, the same context).
type Initialising = (usize, usize, u64);

thread_local! {
    /// The initialisations under way on this thread, innermost last.
    static UNDER_WAY: RefCell<Vec<Initialising>> = const { RefCell::new(Vec::new()) };
}

/// Marks an initialisation as under way on this thread, until dropped (also by a panic in
/// `init`).
struct UnderWay(Option<Initialising>);

impl UnderWay {
    /// Begins initialising `which`; `None` if it is already under way here: `init` reentered.
    fn begin(which: Initialising) -> Option<UnderWay> {
        let begun = UNDER_WAY.try_with(|under_way| {
            let mut under_way = under_way.borrow_mut();
            if under_way.contains(&which) {
                return false;
            }
            under_way.push(which);
            true
        });
        match begun {
            Ok(true) => Some(UnderWay(Some(which))),
            Ok(false) => None,
            // Thread-local storage is going away: nothing can be under way on this thread.
            Err(_) => Some(UnderWay(None)),
        }
    }
}

impl Drop for UnderWay {
    fn drop(&mut self) {
        if let Some(which) = self.0 {
            let _ = UNDER_WAY.try_with(|under_way| {
                let mut under_way = under_way.borrow_mut();
                if let Some(at) = under_way.iter().rposition(|entry| *entry == which) {
                    under_way.remove(at);
                }
            });
        }
    }
}

/// `with_field_or_init(init, f)`: calls `f` with a borrow of the field's value in the current
/// context, first setting it to `init()` if it is not set there. `init` runs at most once per
/// context (or thread-critical namespace): called again from inside `init`, for the same field
/// in the same context, this panics instead of running `init` a second time (as
/// `OnceCell::get_or_init` does). The field need not be `Clone`.
#[track_caller]
pub fn field_with_or_init<M: Mode, V: Values, T, R>(
    field: FieldRef<V, T, M>,
    init: impl FnOnce() -> T,
    f: impl FnOnce(&T) -> R,
) -> R {
    let ((key, owner, name), (get_ref, get_mut), proof) = field;
    let mut f = Some(f);
    let lent = with(key, get_ref, |value| {
        value.map(|value| (f.take().expect("called once"))(value))
    });
    if let Some(result) = lent {
        return result;
    }
    let f = f.expect("not called: the field is unset");
    let value = {
        let Some(_under_way) = UnderWay::begin(initialising(key, get_ref)) else {
            reentered(owner, name)
        };
        init()
    };
    let displaced = match write_slot(key, get_mut, value, move |slot, value| {
        slot.set(proof, value)
    }) {
        Ok(displaced) => displaced,
        Err((error, value)) => {
            drop(value);
            refused(owner, name, error)
        }
    };
    // No code ran since the write (what it displaced, which `init` may have set, is dropped
    // after `f`), so the value is there.
    let result = with(key, get_ref, |value| {
        f(value.expect("ctxlocal: a value set just now is there"))
    });
    drop(displaced);
    result
}

/// The identity of the field `field` projects to, in the current context.
fn initialising<M, V: Values, T>(
    key: &'static StructKey<V, M>,
    field: impl Fn(&V) -> &Slot<T, M>,
) -> Initialising {
    // `Values::default` runs no user code (its contract).
    let values = V::default();
    let offset =
        core::ptr::from_ref(field(&values)) as usize - core::ptr::from_ref(&values) as usize;
    let frames = with_state(|state| state.frames());
    (core::ptr::from_ref(key) as usize, offset, frames)
}

#[cold]
#[inline(never)]
#[track_caller]
fn reentered(owner: &str, name: &str) -> ! {
    panic!(
        "ctxlocal: `{owner}::with_{name}_or_init` refused: called from inside its own `init`, \
         for the same field in the same context, while the first initialisation is under way \
         (`init` runs at most once); compute the value in `init` without using this field"
    )
}

#[cold]
#[inline(never)]
#[track_caller]
fn refused(owner: &str, name: &str, error: AccessError) -> ! {
    panic!("ctxlocal: `{owner}::with_{name}_or_init` refused: {error}")
}
