//! The tokio anchor's keys declared in a crate of their own, for the benchmarks' "key in
//! another crate" rows (`benches/instructions.rs`, `benches/access.rs`).
//!
//! `tokio::task_local!` expands to a `static` holding a `std::thread::LocalKey`, that is, a
//! pointer to the accessor function of a `thread_local!`. Read from the crate that declares
//! it, the compiler sees the static's value and inlines the accessor (tokio's fastest case,
//! the one the design's figures compare against); read from another crate, as an application
//! reads a key that a library declared, the static is an external symbol and every access
//! loads the pointer and calls through it. These keys are the same as the ones in
//! `benches/support/anchors.rs`, declared here instead.
//!
//! Nothing to run: the benches that use it say how to run them.

tokio::task_local! {
    /// A request id as a `u64`, like `anchors::TL_ID`.
    pub static TL_ID: u64;
    /// A request id as a `String`, like `anchors::TL_NAME`.
    pub static TL_NAME: String;
}
