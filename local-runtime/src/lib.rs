//! Runtime of [`ctxlocal`](https://docs.rs/ctxlocal): contexts, the future wrapper that
//! carries them, and the task and thread helpers.
//!
//! Use it through the `ctxlocal` crate, which re-exports everything public here together
//! with the `#[async_local]` attribute; the crate documentation there explains the model.
//!
//! Layout, one concept per file:
//!
//! - `shared.rs`: the reference-counted cell behind every value, typed and type-erased;
//! - `key.rs`, `slot.rs`, `table.rs`: where a struct's field values live inside a context, and
//!   the two storage modes;
//! - `state.rs`: the per-thread current context and the guard that swaps it;
//! - `tc.rs`: thread-critical storage, which never leaves its thread;
//! - `context.rs`, `future.rs`: [`Context`] and [`WithContext`];
//! - `access.rs`: the operations behind generated accessors;
//! - `bridge.rs`: [`sync_to_async`] and [`async_to_sync`], which write changes back;
//! - `task.rs`, `thread.rs`: spawning with a snapshot;
//! - `hooks.rs`, `propagation.rs`: what structs tell the integrations (`tower.rs`,
//!   `tracing.rs`, `baggage.rs`, behind features);
//! - `error.rs`: [`AccessError`].
//!
//! `unsafe` code lives in `shared.rs` (the cells), `table.rs` (the typed view of erased
//! entries), `state.rs` and `tc.rs` (access to thread state under the borrowing rules that
//! `state.rs` documents) and `hooks.rs` (a static list). Every block has a `// SAFETY:`
//! comment; `scripts/miri.sh` runs the unit tests and `tests/borrowing.rs` under Miri.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs, unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod access;
#[cfg(feature = "baggage")]
pub mod baggage;
#[cfg(feature = "tokio")]
mod bridge;
mod context;
mod error;
mod future;
mod hooks;
mod key;
mod propagation;
mod shared;
mod slot;
mod state;
mod table;
#[cfg(feature = "tokio")]
mod task;
mod tc;
pub mod thread;
#[cfg(feature = "tower")]
pub mod tower;
#[cfg(feature = "tracing")]
pub mod tracing;

#[cfg(feature = "tokio")]
pub use bridge::{async_to_sync, sync_to_async};
pub use context::{AsyncLocal, Context};
pub use error::AccessError;
pub use future::{FutureExt, WithContext};
#[cfg(feature = "tokio")]
pub use task::{spawn, spawn_blocking, spawn_local};

/// Items used by code that `#[async_local]` generates. Not a public API: no stability
/// guarantees, may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::access::*;
    pub use crate::hooks::{StructHooks, VisitFields, registered, visit_trace_fields};
    pub use crate::key::StructKey;
    pub use crate::propagation::{Lookup, Propagatable, Propagation, assert_propagatable};
    pub use crate::register_propagation;
    pub use crate::slot::{
        AnyThread, ContextValue, DebugField, FieldProof, Mode, Slot, ThisThread, Trace, TraceDebug,
        TraceDisplay, Values, assert_debug,
    };
    pub use crate::tc::namespaces_on_this_thread;
    pub use core;
    #[cfg(feature = "baggage")]
    pub use inventory;
}
