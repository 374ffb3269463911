//! The two storage modes, as types: where the values of a struct may travel. They are markers
//! only; what each mode does (which table is current, how it is written) is in `storage.rs`.

/// Default mode: values are shared with child tasks and other threads.
#[doc(hidden)]
#[derive(Debug)]
pub enum AnyThread {}

/// Thread-critical mode: values never leave the thread that created them.
#[doc(hidden)]
#[derive(Debug)]
pub enum ThisThread {}
