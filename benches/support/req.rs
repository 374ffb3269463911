//! The request struct of the async benches (`tasks.rs`, `bridges.rs`, `memory.rs`): a `u64`
//! and a `String`. Needs `anchors.rs` and `harness.rs` included next to it.

#![allow(dead_code)] // each bench uses part of it

use ctxlocal::{Context, async_local};

use super::anchors::NAME;
use super::harness::build_context;

#[async_local]
pub struct Req {
    pub id: u64,
    pub name: String,
}

/// A context with both fields of `Req` set (id 7, name [`NAME`]).
pub fn context_with_values() -> Context {
    build_context(set_values)
}

/// Sets both fields of `Req` (id 7, name [`NAME`]) in the current context.
pub fn set_values() {
    Req::set_id(7);
    Req::set_name(NAME.to_owned());
}
