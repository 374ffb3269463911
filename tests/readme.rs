//! Nothing but the README's examples, run as doctests of this package: they use axum, tower and
//! tracing-subscriber, which are dev-dependencies here rather than of `ctxlocal` itself.

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The "Logging and tracing" page of the crate documentation, whose examples use
/// tracing-subscriber, OpenTelemetry and env_logger.
#[cfg(doctest)]
#[doc = include_str!("../docs/logging.md")]
struct LoggingDoctests;
