//! Runtime of [`ctxlocal`](https://docs.rs/ctxlocal): contexts, the future wrapper that
//! carries them, and the task and thread helpers.
//!
//! Use it through the `ctxlocal` crate, which re-exports everything public here together
//! with the `#[async_local]` attribute; the crate documentation there explains the model.
//!
//! # How it is built
//!
//! The runtime is a stack of layers; a file uses only the files below it (`.ci/run` checks
//! it with `scripts/layers.py`). From the bottom:
//!
//! 1. **Cells and modes.** `cow_arc.rs` is the reference-counted, copy-on-write cell behind
//!    every value and every table (and its type-erased form), whose memory comes from
//!    `cell_pool.rs`, a small per-thread cache of freed cells; `mode.rs` names the two storage
//!    modes (`AnyThread`, `ThisThread`); `error.rs` is [`AccessError`]; above them
//!    `strict.rs`, the [`strict`] mode switch (rule E5), then `hooks.rs`, which lets structs
//!    offer their `#[local(trace)]` fields to log integrations, and `trace_value.rs`, which
//!    hands those values over with their types (and picks the name a field is logged under).
//!    Beside them, knowing nothing of contexts, `sync_thread/`: the threads that run
//!    thread-sensitive calls (a runner per sync thread and its queue of calls, one at a time,
//!    in order; a context's threads reused once what it left is dropped) and the record of a
//!    flow's runner that a context table carries.
//! 2. **One struct's values.** `field.rs`: a field's [`Slot`](__private::Slot) and what a write
//!    displaces from it; `struct_key.rs`: a struct's key and its values table (`Values`);
//!    above them `checks.rs`, the bounds on field types that fail with one error each.
//! 3. **A context's contents.** `table/`: the table of every struct's values in one context
//!    (its entries array in `table/entries.rs`), copied per struct on write, with the write
//!    marks a bridge uses to copy changes back.
//! 4. **A thread's state.** `thread_state.rs`: which table is current, which frame installed
//!    it (and for which tokio task), and the borrowing rules that let readers lend `&T`s while
//!    writes happen.
//! 5. **Thread-critical storage.** `thread_critical.rs`: per-thread namespaces of values that
//!    never leave their thread.
//! 6. **Frames.** `install.rs`: the guard that makes a context current for a poll or a closure
//!    and puts the previous one back, also on panic.
//! 7. **Contexts.** `context.rs` is [`Context`]; `storage.rs` dispatches each mode to its
//!    current table, so one generic implementation serves both modes.
//! 8. **The wrapper.** `future/`: [`WithContext`], which carries a context through every
//!    poll of a future (and, each in its own file behind its feature, of a stream, a sink, an
//!    HTTP body), and [`ContextExt`], which makes it.
//! 9. **Everything built on top.** `private/` (the operations behind generated accessors,
//!    `lazy_init.rs` for `with_<field>_or_init`), `observe.rs` (the span and OpenTelemetry
//!    context that spawned work carries), `thread_sensitive.rs` (which sync thread runs a
//!    thread-sensitive call, the refusals that keep one from waiting forever, and
//!    [`thread_sensitive_context`]), `bridge/` ([`sync_to_async`] and its [`SyncToAsync`]
//!    future, [`async_to_sync`], whose loop runs its flow's thread-sensitive calls while it
//!    waits), `spawn.rs`, `thread.rs`,
//!    `join_set.rs` and `executor.rs` (spawning with a snapshot: tokio, threads, `JoinSet`,
//!    any executor), and the integrations, each behind its feature: `tower.rs` (requests and
//!    their response bodies), `rayon.rs`, `hyper.rs`, `tracing/` (the event formatter),
//!    `log.rs`, `propagation.rs` with `baggage/`, and `otel/` (the propagator and the span
//!    processor) on top of `baggage/`.
//!
//! `unsafe` code lives in `cell_pool.rs` and `cow_arc.rs` (the cells and their memory),
//! `table/` (the typed view of erased entries, and their array), `thread_state.rs` and `thread_critical.rs` (access to thread state under the
//! borrowing rules `thread_state.rs` documents) and `hooks.rs` (a static list). Every block has
//! a `// SAFETY:` comment, every function whose soundness rests on its caller is an
//! `unsafe fn` with a `# Safety` section, and `scripts/miri.sh` (run by CI) checks the unit
//! tests and `tests/borrowing.rs` under Miri.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs, unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

#[cfg(feature = "baggage")]
pub mod baggage;
#[cfg(feature = "tokio")]
mod bridge;
mod cell_pool;
mod checks;
mod context;
mod cow_arc;
mod error;
mod executor;
mod field;
mod future;
mod hooks;
#[cfg(feature = "hyper")]
pub mod hyper;
mod install;
#[cfg(feature = "tokio")]
mod join_set;
#[cfg(feature = "log")]
pub mod log;
mod mode;
mod observe;
#[cfg(feature = "opentelemetry")]
pub mod otel;
mod private;
mod propagation;
#[cfg(feature = "rayon")]
pub mod rayon;
#[cfg(feature = "tokio")]
mod spawn;
mod storage;
pub mod strict;
mod struct_key;
#[cfg(feature = "tokio")]
mod sync_thread;
mod table;
pub mod thread;
mod thread_critical;
#[cfg(feature = "tokio")]
mod thread_sensitive;
mod thread_state;
#[cfg(feature = "tower")]
pub mod tower;
mod trace_value;
#[cfg(feature = "tracing")]
pub mod tracing;

#[cfg(feature = "tokio")]
pub use bridge::{SyncToAsync, async_to_sync, sync_to_async};
pub use context::{AsyncLocal, Context};
pub use error::AccessError;
pub use executor::spawn_with;
#[allow(deprecated)]
pub use future::{ContextExt, FutureExt, WithContext};
#[cfg(feature = "tokio")]
pub use join_set::JoinSetExt;
#[cfg(feature = "tokio")]
pub use spawn::{spawn, spawn_blocking, spawn_local};
#[cfg(feature = "tokio")]
pub use thread_sensitive::{ThreadSensitiveContext, thread_sensitive_context};

/// Items used by code that `#[async_local]` generates. Not a public API: no stability
/// guarantees, may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::cell_pool::release_cached_cells;
    pub use crate::checks::{Storable, storable};
    pub use crate::field::{ContextValue, DebugField, FieldProof, Slot, assert_debug};
    pub use crate::hooks::{StructHooks, VisitFields, registered, visit_trace_fields};
    pub use crate::mode::{AnyThread, ThisThread};
    pub use crate::private::accessors::*;
    pub use crate::private::lazy_init::field_with_or_init;
    pub use crate::propagation::{Lookup, Propagatable, PropagatedField, Propagation, TextProof};
    pub use crate::register_propagation;
    pub use crate::storage::Mode;
    pub use crate::struct_key::StructKey;
    pub use crate::struct_key::Values;
    pub use crate::thread_critical::namespaces_on_this_thread;
    pub use crate::trace_value::{Trace, TraceDebug, TraceDisplay, Traceable};
    pub use core;
    #[cfg(feature = "baggage")]
    pub use inventory;
}
