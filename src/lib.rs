#![doc = include_str!("../docs/crate.md")]
#![doc = include_str!("../docs/bridges.md")]
#![doc = include_str!("../docs/modes.md")]
// Its examples need tracing-subscriber, OpenTelemetry and env_logger: they run as doctests of
// `ctxlocal-tests` (tests/readme.rs), not of this crate.
#![cfg_attr(not(doctest), doc = include_str!("../docs/logging.md"))]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

#[doc = include_str!("../docs/async_local.md")]
pub use ctxlocal_macros::async_local;

#[allow(deprecated)]
pub use ctxlocal_runtime::FutureExt;
#[cfg(feature = "baggage")]
pub use ctxlocal_runtime::baggage;
#[cfg(feature = "hyper")]
pub use ctxlocal_runtime::hyper;
#[cfg(feature = "log")]
pub use ctxlocal_runtime::log;
#[cfg(feature = "opentelemetry")]
pub use ctxlocal_runtime::otel;
#[cfg(feature = "rayon")]
pub use ctxlocal_runtime::rayon;
#[cfg(feature = "tower")]
pub use ctxlocal_runtime::tower;
#[cfg(feature = "tracing")]
pub use ctxlocal_runtime::tracing;
pub use ctxlocal_runtime::{
    AccessError, AsyncLocal, Context, ContextExt, WithContext, spawn_with, strict, thread,
};
#[cfg(feature = "tokio")]
pub use ctxlocal_runtime::{
    JoinSetExt, SyncToAsync, ThreadSensitiveContext, async_to_sync, spawn, spawn_blocking,
    spawn_local, sync_to_async, thread_sensitive_context,
};

/// Items used by code that `#[async_local]` generates. Not a public API: no stability
/// guarantees, may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use ctxlocal_runtime::__private::*;
}
