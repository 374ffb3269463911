//! The anchors ctxlocal is measured against (`access.rs`, `instructions.rs`, `tasks.rs`,
//! `memory.rs`): tokio's `task_local!`, `thread_local!` cells, and OpenTelemetry context
//! values; and the request-id string every bench stores.

#![allow(dead_code)] // each bench uses part of it

use std::cell::{Cell, RefCell};

/// A realistic `String` value: a request id.
pub const NAME: &str = "0b7c6a1e-5f7d-4a3e-9c2d-1f2e3d4c5b6a";

tokio::task_local! {
    pub static TL_ID: u64;
    pub static TL_NAME: String;
}

thread_local! {
    pub static CELL_ID: Cell<u64> = const { Cell::new(0) };
    pub static REF_ID: RefCell<u64> = const { RefCell::new(0) };
    pub static REF_NAME: RefCell<String> = const { RefCell::new(String::new()) };
}

/// The `u64` value as an OpenTelemetry context entry.
pub struct OtelId(pub u64);
/// The `String` value as an OpenTelemetry context entry.
pub struct OtelName(pub String);
