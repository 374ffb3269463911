//! Sync/async bridges that continue the caller's context and write it back:
//! [`sync_to_async`] (`sync_to_async.rs`, on the blocking pool or, thread-sensitive, on the
//! flow's sync thread) and [`async_to_sync`] (`async_to_sync.rs`, which also runs its flow's
//! thread-sensitive calls while it waits) (rules D5, D6, D7, TS1-TS4). Here: what both do,
//! running the bridged code in a continuation of the caller's context and writing it back.

mod async_to_sync;
mod sync_to_async;

pub use async_to_sync::async_to_sync;
pub use sync_to_async::{SyncToAsync, sync_to_async};

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use crate::cow_arc::Erased;
use crate::error::AccessError;
use crate::install::{Installed, TcPolicy};
use crate::table::{DisplacedRefs, Table, TableRef};
use crate::thread_state::{FrameKind, with_state};

/// Merges what the bridged code wrote into the current context: `after` started as `base`, an
/// [`Table::unmarked`] copy of the caller's context, so its write marks name exactly the
/// structs the bridged code wrote. Per struct: a struct it did not write keeps whatever the
/// caller has now, so concurrent writes by the caller to other structs survive.
fn write_back(base: TableRef, after: TableRef) -> Result<(), AccessError> {
    let unchanged = match (&base, &after) {
        (_, None) => true,
        // Still the unmarked copy itself: nothing was written.
        (Some(a), Some(b)) => crate::cow_arc::CowArc::ptr_eq(a, b),
        (None, Some(_)) => false,
    };
    drop(base);
    if unchanged {
        return Ok(());
    }
    let mut refs = DisplacedRefs::default();
    let mut displaced: Vec<Erased> = Vec::new();
    let result = with_state(|state| -> Result<(), AccessError> {
        // SAFETY: merging clones and moves entry pointers and runs no user code; what it
        // displaces goes to `refs` and `displaced`, dropped after the write.
        let target = match unsafe { state.writable() } {
            Ok(target) => target,
            // Called from a thread-local destructor, where the thread's root context is gone
            // or can no longer be set up: it reads as empty from now on, so nothing could ever
            // observe the write-back. Dropping it is the only outcome that does not abort.
            Err(error) if error.is_thread_exiting() => return Ok(()),
            Err(error) => return Err(error),
        };
        Table::merge_changes(target, after.as_deref(), &mut refs, &mut displaced);
        Ok(())
    });
    drop(refs);
    drop(displaced);
    result
}

/// Writes back, then hands over the bridged code's result: its panic resumes first (a refused
/// write-back is then moot), otherwise a refused write-back panics with what to do instead.
#[track_caller]
fn finish<R>(bridge: &str, base: TableRef, after: TableRef, result: std::thread::Result<R>) -> R {
    let written = write_back(base, after);
    let value = match result {
        Ok(value) => value,
        Err(panic) => resume_unwind(panic),
    };
    if let Err(error) = written {
        panic!("ctxlocal: `{bridge}` could not write its changes back: {error}");
    }
    value
}

/// Runs `f` with `table` installed as a synchronous frame, catching a panic so that the final
/// state of the context can still be written back before the panic resumes.
fn run_capturing<R>(table: &mut TableRef, f: impl FnOnce() -> R) -> std::thread::Result<R> {
    let _installed = Installed::new(table, FrameKind::Blocking, TcPolicy::Keep);
    catch_unwind(AssertUnwindSafe(f))
}
